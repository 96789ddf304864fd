import re

import httpx
import pytest

from tests.factories import keyed, register_action, register_website

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


async def listed(client: httpx.AsyncClient, domain: str, is_active: str = "true") -> dict:
    body = (await client.get("/actions", params={"domain": domain, "is_active": is_active})).json()
    return {action["action_id"]: action for action in body["actions"]}


async def test_status_switch_answers_and_is_idempotent(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "buy")

    for _ in range(2):
        response = await client.patch(
            "/actions/buy/status", json={"is_active": False}, headers=keyed(site["api_key"])
        )
        body = response.json()
        assert response.status_code == 200
        assert (body["success"], body["action_id"], body["is_active"]) == (True, "buy", False)
        assert TIMESTAMP.fullmatch(body["updated_at"])

    assert "buy" in await listed(client, "shop.example", "false")
    assert "buy" not in await listed(client, "shop.example")

    await client.patch(
        "/actions/buy/status", json={"is_active": True}, headers=keyed(site["api_key"])
    )
    assert (await listed(client, "shop.example"))["buy"]["is_active"] is True


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"is_active": "false"},
        {"is_active": 0},
        {"is_active": None},
        {"active": False},
        {"is_active": [True]},
    ],
)
async def test_status_needs_a_boolean(client: httpx.AsyncClient, body: dict) -> None:
    site = await register_website(client)
    await register_action(client, site["api_key"], "buy")

    response = await client.patch("/actions/buy/status", json=body, headers=keyed(site["api_key"]))

    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"][0]["field"] == "is_active"


async def test_usage_counts_up_by_one_and_sets_last_used(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "buy")

    counts = []
    for _ in range(3):
        response = await client.post("/actions/buy/usage", headers=keyed(site["api_key"]))
        assert response.status_code == 200
        assert set(response.json()) == {"success", "usage_count"}
        counts.append(response.json()["usage_count"])

    action = (await listed(client, "shop.example"))["buy"]
    assert counts == [1, 2, 3]
    assert action["usage_count"] == 3
    assert TIMESTAMP.fullmatch(action["last_used"])


async def test_usage_ignores_any_body(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    await register_action(client, site["api_key"], "buy")
    for content in (b"not json", b'{"usage_count": 1000}', b"\xff\xfe"):
        response = await client.post(
            "/actions/buy/usage", content=content, headers=keyed(site["api_key"])
        )
        assert response.status_code == 200
    assert response.json()["usage_count"] == 3


async def test_inactive_actions_count_usage_too(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "buy")
    await client.patch(
        "/actions/buy/status", json={"is_active": False}, headers=keyed(site["api_key"])
    )

    response = await client.post("/actions/buy/usage", headers=keyed(site["api_key"]))

    assert response.json()["usage_count"] == 1
    assert (await listed(client, "shop.example", "false"))["buy"]["usage_count"] == 1


async def test_delete_removes_the_action_and_a_new_registration_starts_afresh(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "buy")
    await client.post("/actions/buy/usage", headers=keyed(site["api_key"]))
    await client.patch(
        "/actions/buy/status", json={"is_active": False}, headers=keyed(site["api_key"])
    )

    response = await client.delete("/actions/buy", headers=keyed(site["api_key"]))

    assert response.status_code == 200
    body = response.json()
    assert (body["success"], body["action_id"]) == (True, "buy")
    assert TIMESTAMP.fullmatch(body["deleted_at"])
    assert await listed(client, "shop.example", "false") == {}
    again = await client.delete("/actions/buy", headers=keyed(site["api_key"]))
    assert again.status_code == 404

    await register_action(client, site["api_key"], "buy")
    fresh = (await listed(client, "shop.example"))["buy"]
    assert (fresh["is_active"], fresh["usage_count"], fresh["last_used"]) == (True, 0, None)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/actions/{id}/status", {"is_active": False}),
        ("POST", "/actions/{id}/usage", None),
        ("DELETE", "/actions/{id}", None),
    ],
)
async def test_an_unknown_or_foreign_action_is_404(
    client: httpx.AsyncClient, method: str, path: str, body
) -> None:
    mine = await register_website(client)
    theirs = await register_website(client)
    await register_action(client, theirs["api_key"], "theirs")

    for action_id in ("missing", "theirs"):
        response = await client.request(
            method, path.format(id=action_id), json=body, headers=keyed(mine["api_key"])
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "ACTION_NOT_FOUND"


async def test_a_foreign_key_cannot_touch_anothers_action(client: httpx.AsyncClient) -> None:
    mine = await register_website(client, "mine.example")
    theirs = await register_website(client, "theirs.example")
    await register_action(client, theirs["api_key"], "buy")

    await client.patch(
        "/actions/buy/status", json={"is_active": False}, headers=keyed(mine["api_key"])
    )
    await client.post("/actions/buy/usage", headers=keyed(mine["api_key"]))
    await client.delete("/actions/buy", headers=keyed(mine["api_key"]))

    action = (await listed(client, "theirs.example"))["buy"]
    assert (action["is_active"], action["usage_count"]) == (True, 0)


@pytest.mark.parametrize(
    ("method", "path"),
    [("PATCH", "/actions/buy/status"), ("POST", "/actions/buy/usage"), ("DELETE", "/actions/buy")],
)
async def test_keyed_action_routes_need_a_key(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json={"is_active": True})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_API_KEY"


@pytest.mark.parametrize("action_id", ["has space", "x" * 129, "ünï", "%2e%2e", "%2e"])
async def test_a_malformed_action_id_in_the_path_is_400(
    client: httpx.AsyncClient, action_id: str
) -> None:
    site = await register_website(client)
    response = await client.post(f"/actions/{action_id}/usage", headers=keyed(site["api_key"]))
    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"][0]["field"] == "action_id"
