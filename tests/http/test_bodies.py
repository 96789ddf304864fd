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


async def _send_cut_short(app, path: str, api_key: str, part: bytes) -> list[dict]:  # type: ignore[no-untyped-def]
    """A request whose client closes the connection after `part` of a longer body."""
    messages = iter(
        [
            {"type": "http.request", "body": part, "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[dict] = []

    async def receive() -> dict:
        return next(messages)

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"x-api-key", api_key.encode()), (b"content-length", b"5000")],
        "client": ("203.0.113.7", 40000),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    return sent


async def test_a_request_cut_short_is_never_acted_on(app, client: httpx.AsyncClient) -> None:
    site = await register_website(client, "shop.example")
    registered = await client.post(
        "/actions/register", json=action_body("buy"), headers=keyed(site["api_key"])
    )
    assert registered.status_code == 200

    usage_sent = await _send_cut_short(app, "/api/v1/actions/buy/usage", site["api_key"], b"{}")
    complete_body = httpx.Request("POST", "/", json=action_body("other")).read()
    register_sent = await _send_cut_short(
        app, "/api/v1/actions/register", site["api_key"], complete_body
    )
    listed = await client.get("/actions", params={"domain": "shop.example"})

    assert usage_sent == [] and register_sent == []
    assert [action["action_id"] for action in listed.json()["actions"]] == ["buy"]
    assert listed.json()["actions"][0]["usage_count"] == 0
