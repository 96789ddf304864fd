import multiprocessing

import httpx
import pytest

from orbito.http.requestlog import request_id_for
from orbito.logs import TextFormatter
from tests.factories import register_website


async def test_every_answer_has_a_fresh_request_id(client: httpx.AsyncClient) -> None:
    answers = [
        await client.get("/actions", params={"domain": "a.example"}),
        await client.get("/nothing"),
        await client.options("/actions"),
        await client.get("http://testserver/healthz"),
    ]
    ids = [answer.headers["x-request-id"] for answer in answers]
    assert all(ids) and len(set(ids)) == len(ids)


@pytest.mark.parametrize("given", ["abc-123", "x" * 128, "!~#{}"])
async def test_a_valid_client_request_id_is_echoed(client: httpx.AsyncClient, given: str) -> None:
    response = await client.get(
        "/actions", params={"domain": "a.example"}, headers={"X-Request-ID": given}
    )
    assert response.headers["x-request-id"] == given


@pytest.mark.parametrize("given", ["", "x" * 129, "has space", "tab\there", "é"])
async def test_an_invalid_client_request_id_is_replaced(
    client: httpx.AsyncClient, given: str
) -> None:
    response = await client.get(
        "/actions",
        params={"domain": "a.example"},
        headers=[("X-Request-ID", given.encode("utf-8"))],
    )
    replaced = response.headers["x-request-id"]
    assert replaced != given
    assert 1 <= len(replaced) <= 128


async def test_the_access_log_has_one_line_per_request_and_never_the_key(
    client: httpx.AsyncClient, orbito_logs
) -> None:
    site = await register_website(client, "shop.example")
    await client.get(
        f"/websites/{site['website_id']}",
        headers={"X-API-Key": site["api_key"], "X-Request-ID": "r-1"},
    )

    access = [record for record in orbito_logs.records if record.getMessage() == "http.request"]
    assert len(access) == 2
    last = access[-1]
    assert (last.method, last.path, last.status, last.client_ip, last.request_id) == (
        "GET",
        f"/api/v1/websites/{site['website_id']}",
        200,
        "203.0.113.7",
        "r-1",
    )
    assert last.duration_ms >= 0
    assert all(
        site["api_key"] not in orbito_logs.handler.format(record) for record in orbito_logs.records
    )
    assert all(site["api_key"] not in str(record.__dict__) for record in orbito_logs.records)


async def test_a_path_cannot_forge_a_line_in_the_text_log(
    client: httpx.AsyncClient, orbito_logs
) -> None:
    await client.get("/nope%0AFAKE%20status=200%00")

    access = [record for record in orbito_logs.records if record.getMessage() == "http.request"]
    line = TextFormatter().format(access[-1])
    assert "\n" not in line and "\x00" not in line
    assert 'path="/api/v1/nope\\nFAKE status=200\\u0000"' in line


def test_new_request_ids_are_32_hex_digits_and_never_repeat() -> None:
    made = [request_id_for([]) for _ in range(1000)]
    assert len(set(made)) == 1000
    assert all(len(made_id) == 32 and int(made_id, 16) >= 0 for made_id in made)


def test_a_forked_worker_makes_ids_of_its_own() -> None:
    """Workers forked after the import must not repeat the parent's ids."""
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        child_ids = pool.apply(_ids_made_here)
    parent_ids = _ids_made_here()
    assert not set(child_ids) & set(parent_ids)
    assert child_ids[0][:16] != parent_ids[0][:16]


def _ids_made_here() -> list[str]:
    return [request_id_for([]) for _ in range(3)]
