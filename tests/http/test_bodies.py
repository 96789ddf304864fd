"""Bodies that broke services like this one: each must get a clear 400 or 413 in the envelope."""

import httpx
import pytest

from tests.conftest import client_for, running_app
from tests.factories import action_body, keyed, register_website

BAD_BODIES = [
    (b"", "a JSON object is required"),
    (b"   ", "a JSON object is required"),
    (b"not json", "not valid JSON"),
    (b'{"domain": "a.com",}', "not valid JSON"),
    (b"\xff\xfe{}", "not"),
    (b'{"name": "caf\xe9"}', "not"),
    (b"[]", "must be a JSON object"),
    (b'"a string"', "must be a JSON object"),
    (b"42", "must be a JSON object"),
    (b"null", "must be a JSON object"),
    (b'{"x": NaN}', "not valid JSON"),
    (b'{"x": Infinity}', "not valid JSON"),
    (b'{"x": -Infinity}', "not valid JSON"),
    (b'{"x": 1e999}', "not valid JSON"),
    (b'{"x": 123456789012345678901234567890}', "not valid JSON"),
    (b'{"x": -123456789012345678901234567890}', "not valid JSON"),
    (b'{"x": "\\ud800"}', "not valid JSON"),
    (b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}", "not valid JSON"),
]


@pytest.mark.parametrize(("content", "reason"), BAD_BODIES)
async def test_unreadable_bodies_are_400_invalid_schema(
    client: httpx.AsyncClient, content: bytes, reason: str
) -> None:
    response = await client.post("/websites/register", content=content)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "INVALID_SCHEMA"
    assert reason in error["message"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", None, "application/xml"]
)
async def test_a_json_body_is_read_whatever_its_content_type(
    client: httpx.AsyncClient, content_type
) -> None:
    body = b'{"domain": "beacon.example", "owner_email": "a@b.co", "website_name": "B"}'
    headers = {"Content-Type": content_type} if content_type else {}

    response = await client.post("/websites/register", content=body, headers=headers)

    assert response.status_code == 201, response.text


async def test_big_integers_within_64_bits_are_kept_exactly(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "shop.example")
    parameters = {"n": {"type": "integer", "default": 9223372036854775807}}
    await client.post(
        "/actions/register", json=action_body(parameters=parameters), headers=keyed(site["api_key"])
    )

    listed = (await client.get("/actions", params={"domain": "shop.example"})).json()["actions"][0]

    assert listed["parameters"]["n"]["default"] == 9223372036854775807


async def test_deeply_nested_metadata_within_the_size_limit_is_refused(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client)
    nested: dict = {}
    for _ in range(100):
        nested = {"a": nested}

    response = await client.post(
        "/actions/register", json=action_body(metadata=nested), headers=keyed(site["api_key"])
    )

    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"][0]["field"] == "metadata"


async def test_deeply_nested_parameter_defaults_are_refused(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    nested: list = []
    for _ in range(300):
        nested = [nested]
    parameters = {"p": {"type": "array", "default": nested}}

    response = await client.post(
        "/actions/register", json=action_body(parameters=parameters), headers=keyed(site["api_key"])
    )

    assert response.status_code == 400


async def test_a_body_over_the_limit_is_413_with_content_length(client: httpx.AsyncClient) -> None:
    response = await client.post("/websites/register", content=b"x" * (64 * 1024 + 1))

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "PAYLOAD_TOO_LARGE"
    assert error["details"] == {"limit_bytes": 65536}


async def test_a_streamed_body_over_the_limit_is_413_without_content_length(
    client: httpx.AsyncClient,
) -> None:
    async def chunks():
        for _ in range(100):
            yield b"x" * 1024

    response = await client.post("/websites/register", content=chunks())

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_body_exactly_at_the_limit_is_read(make_settings) -> None:
    body = b'{"domain": "a.example", "owner_email": "a@b.co", "website_name": "A"}'
    async with (
        running_app(make_settings(max_body_bytes=len(body))) as app,
        client_for(app) as client,
    ):
        assert (await client.post("/websites/register", content=body)).status_code == 201
        assert (await client.post("/websites/register", content=body + b" ")).status_code == 413


async def test_the_body_limit_applies_to_every_route_with_a_body(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    big = b"x" * (70 * 1024)
    for method, path in [
        ("POST", "/actions/register"),
        ("PATCH", "/actions/a/status"),
        ("POST", "/actions/a/usage"),
        ("DELETE", "/actions/a"),
    ]:
        response = await client.request(method, path, content=big, headers=keyed(site["api_key"]))
        assert response.status_code == 413, (method, path)
