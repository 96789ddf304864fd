import httpx
import pytest

from tests.conftest import client_for, running_app
from tests.factories import keyed, register_website

ORIGIN = {"Origin": "https://shop.example"}
EXPOSED = {
    "x-request-id",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "retry-after",
    "etag",
}


@pytest.mark.parametrize(
    "path",
    [
        "/actions",
        "/actions/register",
        "/actions/never-registered/usage",
        "/actions/x/status",
        "/websites/abc",
    ],
)
async def test_preflights_are_answered_without_a_key(client: httpx.AsyncClient, path: str) -> None:
    response = await client.options(
        path,
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "content-type, x-api-key, x-request-id",
        },
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "GET, POST, PATCH, DELETE, OPTIONS"
    assert (
        response.headers["access-control-allow-headers"]
        == "Content-Type, X-API-Key, X-Request-ID, If-None-Match"
    )
    assert response.headers["access-control-max-age"] == "7200"
    assert "access-control-allow-credentials" not in response.headers


async def test_preflights_are_never_rate_limited(make_settings) -> None:
    async with (
        running_app(make_settings(rate_limit_discovery="1/minute")) as app,
        client_for(app) as client,
    ):
        statuses = [
            (
                await client.options(
                    "/actions", headers={**ORIGIN, "Access-Control-Request-Method": "GET"}
                )
            ).status_code
            for _ in range(5)
        ]
    assert statuses == [204] * 5


async def test_success_and_error_answers_carry_cors_headers(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "shop.example")
    answers = [
        await client.get("/actions", params={"domain": "shop.example"}, headers=ORIGIN),
        await client.get("/actions", params={"domain": "missing.example"}, headers=ORIGIN),
        await client.get("/actions", headers=ORIGIN),
        await client.post("/actions/register", json={}, headers=ORIGIN),
        await client.post(
            "/actions/register", json={}, headers={**ORIGIN, **keyed(site["api_key"])}
        ),
        await client.get("/no/such/route", headers=ORIGIN),
        await client.put("/actions", headers=ORIGIN),
        await client.post("/websites/register", content=b"x" * 70_000, headers=ORIGIN),
    ]
    assert [answer.status_code for answer in answers] == [200, 404, 400, 401, 400, 404, 405, 413]
    for answer in answers:
        assert answer.headers["access-control-allow-origin"] == "*"
        exposed = {
            name.strip().lower()
            for name in answer.headers["access-control-expose-headers"].split(",")
        }
        assert exposed == EXPOSED


async def test_a_429_carries_cors_headers(make_settings) -> None:
    async with (
        running_app(make_settings(rate_limit_discovery="1/minute")) as app,
        client_for(app) as client,
    ):
        await client.get("/actions", params={"domain": "a.example"}, headers=ORIGIN)
        response = await client.get("/actions", params={"domain": "a.example"}, headers=ORIGIN)
    assert response.status_code == 429
    assert response.headers["access-control-allow-origin"] == "*"


async def test_no_cors_headers_without_an_origin(client: httpx.AsyncClient) -> None:
    response = await client.get("/actions", params={"domain": "shop.example"})
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/actions", "GET, OPTIONS"),
        ("/actions/", "GET, OPTIONS"),
        ("/actions/register", "OPTIONS, POST"),
        ("/actions/x", "DELETE, OPTIONS"),
        ("/actions/tools", "GET, OPTIONS"),
        ("/actions/x/status", "OPTIONS, PATCH"),
        ("/actions/x/usage", "OPTIONS, POST"),
        ("/websites/register", "OPTIONS, POST"),
        ("/websites/abc", "GET, OPTIONS, PATCH"),
        ("/no/such/path", "OPTIONS"),
    ],
)
async def test_an_options_answer_allows_what_the_path_takes(
    client: httpx.AsyncClient, path: str, allow: str
) -> None:
    response = await client.options(path, headers=ORIGIN)

    assert response.status_code == 204
    assert response.headers["allow"] == allow
    assert response.headers["access-control-allow-methods"] == "GET, POST, PATCH, DELETE, OPTIONS"


async def test_options_on_the_documentation_allows_what_it_takes(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options("http://testserver/docs")

    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
