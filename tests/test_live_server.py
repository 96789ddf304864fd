"""The real `orbito serve` process, spoken to over loopback HTTP as the SDK and extension do."""

import json
import re
import signal
import socket
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.factories import action_body, keyed, register_action, register_website
from tests.live import LiveServer

pytestmark = pytest.mark.live

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


def api(server: LiveServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.api, timeout=10.0)


def header_list(answer: httpx.Response, name: str) -> set[str]:
    """A comma-separated header's entries, lower-cased; empty when the header is absent."""
    parts = answer.headers.get(name, "").split(",")
    return {part.strip().lower() for part in parts if part.strip()}


async def test_contract_example_flow_works_end_to_end_over_loopback(
    live_server: LiveServer,
) -> None:
    active = {"domain": "example.com", "is_active": "true"}
    inactive_only = {"domain": "example.com", "is_active": "false"}
    action_path = "/actions/add-to-cart-button"
    async with api(live_server) as client:
        site = await register_website(client, "example.com")
        key = keyed(site["api_key"])
        website_path = f"/websites/{site['website_id']}"
        registered = (await register_action(client, site["api_key"])).json()
        discovered = await client.get("/actions", params=active)
        used = await client.post(f"{action_path}/usage", headers=key)
        after_use = await client.get("/actions", params={"domain": "example.com"})
        switched = await client.patch(
            f"{action_path}/status", json={"is_active": False}, headers=key
        )
        active_after_switch = await client.get("/actions", params={"domain": "example.com"})
        used_while_inactive = await client.post(f"{action_path}/usage", headers=key)
        inactive = await client.get("/actions", params=inactive_only)
        details = await client.get(website_path, headers=key)
        deleted = await client.delete(action_path, headers=key)
        inactive_after_delete = await client.get("/actions", params=inactive_only)
        details_after_delete = await client.get(website_path, headers=key)
        used_after_delete = await client.post(f"{action_path}/usage", headers=key)

    assert site["domain"] == "example.com"
    website_uuid = uuid.UUID(site["website_id"])
    assert website_uuid.version == 4
    assert str(website_uuid) == site["website_id"]
    assert site["api_key"].startswith("orbito_key_")
    assert TIMESTAMP.match(site["created_at"])

    assert registered["success"] is True
    assert registered["action_id"] == "add-to-cart-button"
    assert TIMESTAMP.match(registered["registered_at"])

    assert discovered.status_code == 200
    assert discovered.json() == {
        "domain": "example.com",
        "actions": [
            {
                **action_body(),
                "is_active": True,
                "usage_count": 0,
                "last_used": None,
                "failure_count": 0,
                "last_failure_at": None,
            }
        ],
        "total_count": 1,
        "verified": False,
    }

    assert used.status_code == 200
    assert used.json() == {"success": True, "usage_count": 1}
    [action] = after_use.json()["actions"]
    assert action["usage_count"] == 1
    assert TIMESTAMP.match(action["last_used"])

    assert switched.status_code == 200
    assert {k: v for k, v in switched.json().items() if k != "updated_at"} == {
        "success": True,
        "action_id": "add-to-cart-button",
        "is_active": False,
    }
    assert TIMESTAMP.match(switched.json()["updated_at"])
    nothing = {"domain": "example.com", "actions": [], "total_count": 0, "verified": False}
    assert active_after_switch.json() == nothing

    assert used_while_inactive.json() == {"success": True, "usage_count": 2}
    assert inactive.status_code == 200
    assert inactive.json()["total_count"] == 1
    [inactive_action] = inactive.json()["actions"]
    assert inactive_action["action_id"] == "add-to-cart-button"
    assert inactive_action["is_active"] is False
    assert inactive_action["usage_count"] == 2

    assert details.status_code == 200
    assert details.json() == {
        "website_id": site["website_id"],
        "domain": "example.com",
        "website_name": "Example Website",
        "owner_email": "owner@example.com",
        "created_at": site["created_at"],
        "total_actions": 1,
        "active_actions": 0,
        "verified": False,
        "auto_disable_after_failures": None,
    }

    assert deleted.status_code == 200
    assert deleted.json()["success"] is True
    assert deleted.json()["action_id"] == "add-to-cart-button"
    assert TIMESTAMP.match(deleted.json()["deleted_at"])
    assert inactive_after_delete.json() == nothing
    assert details_after_delete.json()["total_actions"] == 0
    assert details_after_delete.json()["active_actions"] == 0
    assert used_after_delete.status_code == 404
    assert used_after_delete.json()["error"]["code"] == "ACTION_NOT_FOUND"


async def test_every_response_carries_a_request_id_and_echoes_a_valid_one(
    live_server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=10.0) as client:
        answers = [
            await client.get("/healthz"),
            await client.get("/api/v1/actions", params={"domain": "unknown.example.com"}),
            await client.post("/api/v1/websites/register", content=b"not json"),
            await client.post("/api/v1/actions/x/usage"),
            await client.options("/api/v1/actions/register"),
            await client.get("/api/v1/no-such-route"),
        ]
        echoed = await client.get("/healthz", headers={"X-Request-ID": "trace-42.abc_DEF"})
        too_long = "a" * 129
        replaced_long = await client.get("/healthz", headers={"X-Request-ID": too_long})
        replaced_spaced = await client.get("/healthz", headers={"X-Request-ID": "has space"})

    assert [answer.status_code for answer in answers] == [200, 404, 400, 401, 204, 404]
    ids = [answer.headers.get("X-Request-ID") for answer in answers]
    assert all(ids), ids
    assert len(set(ids)) == len(ids)
    assert echoed.headers["X-Request-ID"] == "trace-42.abc_DEF"
    assert replaced_long.headers["X-Request-ID"] not in ("", too_long)
    assert replaced_spaced.headers["X-Request-ID"] not in ("", "has space")


async def test_a_request_with_an_origin_gets_access_control_allow_origin_star(
    live_server: LiveServer,
) -> None:
    origin = {"Origin": ORIGIN}
    async with api(live_server) as client:
        site = await register_website(client, "cors.example.com")
        found = await client.get("/actions", params={"domain": site["domain"]}, headers=origin)
        missing = await client.get(
            "/actions", params={"domain": "gone.example.com"}, headers=origin
        )
        unkeyed = await client.post("/actions/any-id/usage", headers=origin)
        with_key = {**origin, **keyed(site["api_key"])}
        keyed_write = await client.post("/actions/register", json=action_body(), headers=with_key)
        preflight = await client.options(
            "/actions/not-registered/usage",
            headers={
                **origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, x-api-key",
            },
        )
        without_origin = await client.get("/actions", params={"domain": "cors.example.com"})

    for answer, status in ((found, 200), (missing, 404), (unkeyed, 401), (keyed_write, 200)):
        assert answer.status_code == status, answer.text
        assert answer.headers.get("Access-Control-Allow-Origin") == "*"
        assert "access-control-allow-credentials" not in answer.headers
        assert "x-request-id" in header_list(answer, "Access-Control-Expose-Headers")

    assert 200 <= preflight.status_code < 300
    assert preflight.headers.get("Access-Control-Allow-Origin") == "*"
    methods = header_list(preflight, "Access-Control-Allow-Methods")
    assert {"get", "post", "patch", "delete", "options"} <= methods
    allowed_headers = header_list(preflight, "Access-Control-Allow-Headers")
    assert {"content-type", "x-api-key"} <= allowed_headers
    assert preflight.headers.get("Access-Control-Max-Age") == "7200"

    assert without_origin.status_code == 200
    assert "access-control-allow-origin" not in without_origin.headers


def test_access_log_has_one_json_line_per_request_and_never_the_api_key(
    live_server: LiveServer,
) -> None:
    wrong_key = "orbito_key_" + "W" * 43
    sent: dict[str, httpx.Response] = {}
    with httpx.Client(base_url=live_server.api, timeout=10.0) as client:

        def call(
            method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
        ) -> httpx.Response:
            request_id = f"log-test-{len(sent)}"
            headers = {**(headers or {}), "X-Request-ID": request_id}
            sent[request_id] = client.request(method, path, headers=headers, **kwargs)
            return sent[request_id]

        website = {
            "domain": "logs.example.com",
            "owner_email": "o@example.com",
            "website_name": "Logs",
        }
        registration = call("POST", "/websites/register", json=website)
        api_key = registration.json()["api_key"]
        website_id = registration.json()["website_id"]
        call("POST", "/actions/register", json=action_body("log-me"), headers=keyed(api_key))
        call("GET", "/actions", params={"domain": "logs.example.com", "is_active": "true"})
        call("POST", "/actions/log-me/usage", headers=keyed(api_key))
        switch_off = {"is_active": False}
        call("PATCH", "/actions/log-me/status", json=switch_off, headers=keyed(api_key))
        call("GET", f"/websites/{website_id}", headers=keyed(api_key))
        call("POST", "/actions/log-me/usage", headers=keyed(wrong_key))
        call("DELETE", "/actions/log-me", headers=keyed(api_key))

    records = live_server.wait_for_access_records(sent)
    log_text = live_server.log_text()

    statuses = [answer.status_code for answer in sent.values()]
    assert statuses == [201, 200, 200, 200, 200, 200, 401, 200]
    for request_id, answer in sent.items():
        mine = [record for record in records if record["request_id"] == request_id]
        assert len(mine) == 1, f"{request_id}: {mine}"
        [record] = mine
        assert record["method"] == answer.request.method
        assert record["path"] == answer.request.url.path
        assert record["status"] == answer.status_code
        assert isinstance(record["duration_ms"], int | float) and record["duration_ms"] >= 0
        assert record["client_ip"] == "127.0.0.1"
        assert answer.headers["X-Request-ID"] == request_id

    not_json = []
    for line in live_server.log_lines():
        try:
            if not isinstance(json.loads(line), dict):
                not_json.append(line)
        except ValueError:
            not_json.append(line)
    assert not_json == []

    assert api_key not in log_text
    assert wrong_key not in log_text
    assert api_key.removeprefix("orbito_key_") not in log_text


@pytest.mark.live
def test_a_stalled_client_cannot_hold_the_server_past_its_shutdown_timeout(
    start_live_server,  # type: ignore[no-untyped-def]
) -> None:
    server = start_live_server(shutdown_timeout_seconds="1")
    address = urlsplit(server.base_url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as stalled:
        # Half a body: the server waits for the rest, which never comes.
        stalled.sendall(
            b"POST /api/v1/websites/register HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
        )
        time.sleep(0.3)
        asked = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=15)
        took = time.monotonic() - asked

    assert took < 10, f"the server took {took:.1f} s to stop"
    assert "server.starting" in server.log_text()
