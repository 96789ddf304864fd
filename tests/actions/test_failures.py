"""Failure reports: counted per action and reason, and switching an action off on request."""

import httpx
import pytest

from tests.factories import keyed, register_action, register_website


async def fail(client: httpx.AsyncClient, site: dict, action_id: str = "buy", **body: object):  # type: ignore[no-untyped-def]
    body = body or {"reason": "selector_not_found"}
    return await client.post(
        f"/actions/{action_id}/failures", json=body, headers=keyed(site["api_key"])
    )


async def owned(client: httpx.AsyncClient, site: dict) -> dict[str, dict]:
    answer = await client.get(
        f"/websites/{site['website_id']}/actions", headers=keyed(site["api_key"])
    )
    assert answer.status_code == 200, answer.text
    return {action["action_id"]: action for action in answer.json()["actions"]}


async def set_limit(client: httpx.AsyncClient, site: dict, limit: int | None) -> httpx.Response:
    return await client.patch(
        f"/websites/{site['website_id']}",
        json={"auto_disable_after_failures": limit},
        headers=keyed(site["api_key"]),
    )


@pytest.fixture
async def site(client: httpx.AsyncClient) -> dict:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "buy")
    await register_action(client, site["api_key"], "other")
    return site


async def test_failures_are_counted_per_action_and_reason(
    client: httpx.AsyncClient, site: dict
) -> None:
    first = await fail(client, site, reason="selector_not_found", message="no element matched")
    await fail(client, site, reason="selector_not_found")
    last = await fail(client, site, reason="parameter_invalid", message="qty\tmust be > 0")

    assert first.status_code == 200, first.text
    assert first.json() == {
        "success": True,
        "action_id": "buy",
        "failure_count": 1,
        "consecutive_failures": 1,
        "is_active": True,
        "auto_disabled": False,
    }
    assert (last.json()["failure_count"], last.json()["consecutive_failures"]) == (3, 3)
    discovered = (await client.get("/actions", params={"domain": "shop.example"})).json()
    buy = discovered["actions"][0]
    assert buy["failure_count"] == 3
    assert buy["last_failure_at"] is not None
    assert discovered["actions"][1]["failure_count"] == 0
    record = (await owned(client, site))["buy"]
    assert record["failures_by_reason"] == {"selector_not_found": 2, "parameter_invalid": 1}
    assert record["last_failure"] == {
        "at": buy["last_failure_at"],
        "reason": "parameter_invalid",
        "message": "qty\tmust be > 0",
    }
    assert record["auto_disabled_at"] is None


async def test_a_use_ends_the_run_of_failures(client: httpx.AsyncClient, site: dict) -> None:
    await fail(client, site)
    await fail(client, site)
    await client.post("/actions/buy/usage", headers=keyed(site["api_key"]))
    after = await fail(client, site)
    assert (after.json()["failure_count"], after.json()["consecutive_failures"]) == (3, 1)


async def test_enough_failures_in_a_row_switch_the_action_off(
    client: httpx.AsyncClient, site: dict
) -> None:
    settings = await set_limit(client, site, 3)
    answers = [await fail(client, site) for _ in range(4)]

    assert settings.status_code == 200, settings.text
    assert settings.json()["auto_disable_after_failures"] == 3
    assert [a.json()["auto_disabled"] for a in answers] == [False, False, True, False]
    assert [a.json()["is_active"] for a in answers] == [True, True, False, False]
    active = (await client.get("/actions", params={"domain": "shop.example"})).json()
    assert [action["action_id"] for action in active["actions"]] == ["other"]
    record = (await owned(client, site))["buy"]
    assert record["is_active"] is False
    assert record["auto_disabled_at"] is not None
    assert record["consecutive_failures"] == 4

    # The owner switching it on again starts afresh.
    await client.patch(
        "/actions/buy/status", json={"is_active": True}, headers=keyed(site["api_key"])
    )
    record = (await owned(client, site))["buy"]
    assert (record["is_active"], record["auto_disabled_at"], record["consecutive_failures"]) == (
        True,
        None,
        0,
    )
    assert (await fail(client, site)).json()["is_active"] is True


async def test_without_the_setting_nothing_is_switched_off(
    client: httpx.AsyncClient, site: dict
) -> None:
    await set_limit(client, site, 2)
    cleared = await set_limit(client, site, None)
    answers = [await fail(client, site) for _ in range(5)]
    assert cleared.json()["auto_disable_after_failures"] is None
    assert all(answer.json()["is_active"] for answer in answers)


async def test_an_action_switched_off_by_its_owner_is_not_said_to_be_auto_disabled(
    client: httpx.AsyncClient, site: dict
) -> None:
    await set_limit(client, site, 1)
    await client.patch(
        "/actions/buy/status", json={"is_active": False}, headers=keyed(site["api_key"])
    )
    answer = await fail(client, site)
    assert (answer.json()["is_active"], answer.json()["auto_disabled"]) == (False, False)
    assert (await owned(client, site))["buy"]["auto_disabled_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reason"),
        ({"reason": "broken"}, "reason"),
        ({"reason": "other", "message": 5}, "message"),
        ({"reason": "other", "message": "x" * 1001}, "message"),
        ({"reason": "other", "message": "a\x00b"}, "message"),
    ],
)
async def test_a_report_must_name_a_known_reason(
    client: httpx.AsyncClient, site: dict, body: dict, field: str
) -> None:
    response = await client.post("/actions/buy/failures", json=body, headers=keyed(site["api_key"]))
    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"][0]["field"] == field


async def test_reports_need_the_key_and_an_existing_action(
    client: httpx.AsyncClient, site: dict
) -> None:
    keyless = await client.post("/actions/buy/failures", json={"reason": "other"})
    missing = await fail(client, site, "nope", reason="other")
    assert keyless.status_code == 401
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "ACTION_NOT_FOUND"


@pytest.mark.parametrize("limit", [0, -1, 10_001, "3", 2.5, True])
async def test_the_setting_is_a_whole_number_from_1_or_null(
    client: httpx.AsyncClient, site: dict, limit: object
) -> None:
    response = await client.patch(
        f"/websites/{site['website_id']}",
        json={"auto_disable_after_failures": limit},
        headers=keyed(site["api_key"]),
    )
    assert response.status_code == 400
    assert (
        response.json()["error"]["details"]["fields"][0]["field"] == "auto_disable_after_failures"
    )


async def test_the_setting_must_be_given(client: httpx.AsyncClient, site: dict) -> None:
    response = await client.patch(
        f"/websites/{site['website_id']}", json={}, headers=keyed(site["api_key"])
    )
    assert response.status_code == 400


async def test_owned_actions_list_active_and_inactive_whatever_discovery_requires(
    make_settings,
    site: dict,  # type: ignore[no-untyped-def]
) -> None:
    from tests.conftest import client_for, running_app

    async with running_app(make_settings(discovery_require_verified=True)) as app:
        async with client_for(app) as client:
            await client.patch(
                "/actions/other/status", json={"is_active": False}, headers=keyed(site["api_key"])
            )
            discovery = await client.get("/actions", params={"domain": "shop.example"})
            listed = await owned(client, site)
    assert discovery.status_code == 404
    assert [(a, listed[a]["is_active"]) for a in sorted(listed)] == [
        ("buy", True),
        ("other", False),
    ]
