import httpx
import pytest

from orbito.app import ROUTES, Orbito
from orbito.http.routing import Routes
from tests.conftest import client_for, running_app
from tests.factories import keyed, register_action, register_website


async def test_an_unknown_route_is_404_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/nothing/here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/actions", "GET, OPTIONS"),
        ("POST", "/actions", "GET, OPTIONS"),
        ("GET", "/actions/register", "OPTIONS, POST"),
        ("PUT", "/websites/register", "OPTIONS, POST"),
        ("GET", "/actions/x/usage", "OPTIONS, POST"),
        ("PUT", "/actions/x/status", "OPTIONS, PATCH"),
        ("DELETE", "/websites/abc", "GET, OPTIONS, PATCH"),
    ],
)
async def test_a_wrong_method_is_405_with_allow(
    client: httpx.AsyncClient, method: str, path: str, allowed: str
) -> None:
    response = await client.request(method, path)

    assert response.status_code == 405, response.text
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert response.headers["allow"] == allowed


@pytest.mark.parametrize("action_id", ["register", "tools"])
async def test_an_action_named_like_a_route_is_still_reached_by_its_own_methods(
    client: httpx.AsyncClient, action_id: str
) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], action_id)
    key = {"X-API-Key": site["api_key"]}

    switched = await client.patch(
        f"/actions/{action_id}/status", json={"is_active": True}, headers=key
    )
    deleted = await client.delete(f"/actions/{action_id}", headers=key)
    listed = await client.get("/actions", params={"domain": "shop.example"})

    assert (switched.status_code, deleted.status_code) == (200, 200)
    assert deleted.json()["action_id"] == action_id
    assert listed.json()["actions"] == []


async def test_details_of_a_website_named_register_are_not_found(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client, "shop.example")
    response = await client.get("/websites/register", headers={"X-API-Key": site["api_key"]})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "WEBSITE_NOT_FOUND"


async def test_a_trailing_slash_is_answered_like_the_path_without(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "buy")

    discovery = await client.get("/actions/", params={"domain": "shop.example"})
    usage = await client.post("/actions/buy/usage/", headers=keyed(site["api_key"]))
    details = await client.get(f"/websites/{site['website_id']}/", headers=keyed(site["api_key"]))

    assert discovery.status_code == 200 and discovery.json()["total_count"] == 1
    assert usage.status_code == 200 and usage.json()["usage_count"] == 1
    assert details.status_code == 200 and details.json()["domain"] == "shop.example"


async def test_no_route_ever_redirects(client: httpx.AsyncClient) -> None:
    for path in ("/actions/", "/websites/register/", "/nothing/"):
        response = await client.get(path)
        assert not 300 <= response.status_code < 400


async def _app_with_a_faulty_route(settings) -> Orbito:
    faulty = Routes("/api/v1")

    @faulty.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    return Orbito(settings, (*ROUTES, faulty))


async def test_a_fault_in_a_handler_is_a_500_envelope_with_cors(settings, orbito_logs) -> None:
    app = await _app_with_a_faulty_route(settings)
    async with running_app(settings, app), client_for(app) as client:
        response = await client.get("/boom", headers={"Origin": "https://shop.example"})

    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "INTERNAL_ERROR",
            "message": "An unexpected error occurred",
            "details": {},
        }
    }
    assert "secret" not in response.text
    assert response.headers["access-control-allow-origin"] == "*"
    request_id = response.headers["x-request-id"]
    failures = [
        record for record in orbito_logs.records if record.getMessage() == "http.unhandled_error"
    ]
    assert len(failures) == 1
    assert failures[0].request_id == request_id
    assert failures[0].exc_info is not None


async def test_an_unreachable_database_is_503_in_the_envelope(
    make_settings, unreachable_database_url
) -> None:
    settings = make_settings(database_url=unreachable_database_url)
    async with running_app(settings) as app, client_for(app) as client:
        response = await client.get(
            "/actions", params={"domain": "shop.example"}, headers={"Origin": "https://a.b"}
        )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert response.headers["access-control-allow-origin"] == "*"


async def test_no_error_is_ever_422(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    probes = [
        client.get("/actions", params={"domain": ["a.com", "b.com"], "is_active": ["x", "y"]}),
        client.get("/websites/%00", headers=keyed(site["api_key"])),
        client.post(
            "/actions/register", json={"action_id": {"a": 1}}, headers=keyed(site["api_key"])
        ),
        client.patch("/actions/%20/status", json={}, headers=keyed(site["api_key"])),
    ]
    for probe in probes:
        response = await probe
        assert response.status_code != 422
        assert "error" in response.json()


async def test_a_wrong_method_on_the_documentation_is_405_with_allow(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("http://testserver/docs")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
