"""What each process caches, and how soon it sees changes made through another process."""

import asyncio

from tests.conftest import client_for, running_app
from tests.factories import keyed, register_action, register_website


async def test_a_process_sees_its_own_changes_at_once(client) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "buy")
    first = (await client.get("/actions", params={"domain": "shop.example"})).json()

    await client.post("/actions/buy/usage", headers=keyed(site["api_key"]))
    await register_action(client, site["api_key"], "sell")
    second = (await client.get("/actions", params={"domain": "shop.example"})).json()

    assert [action["usage_count"] for action in first["actions"]] == [0]
    assert [(a["action_id"], a["usage_count"]) for a in second["actions"]] == [
        ("buy", 1),
        ("sell", 0),
    ]


async def test_another_process_sees_a_change_within_the_cache_lifetime(make_settings) -> None:
    settings = make_settings(cache_seconds=0.5)
    async with running_app(settings) as one, running_app(make_settings(cache_seconds=0.5)) as two:
        async with client_for(one) as first, client_for(two) as second:
            site = await register_website(first, "shop.example")
            await register_action(first, site["api_key"], "buy")
            assert (
                await second.get("/actions", params={"domain": "shop.example"})
            ).status_code == 200

            await first.patch(
                "/actions/buy/status", json={"is_active": False}, headers=keyed(site["api_key"])
            )
            stale = (await second.get("/actions", params={"domain": "shop.example"})).json()
            await asyncio.sleep(0.6)
            fresh = (await second.get("/actions", params={"domain": "shop.example"})).json()

    assert stale["total_count"] == 1  # served from the second process's cache
    assert fresh["total_count"] == 0


async def test_a_domain_registered_after_a_404_is_found_at_once(client) -> None:
    missing = await client.get("/actions", params={"domain": "late.example"})
    await register_website(client, "late.example")
    found = await client.get("/actions", params={"domain": "late.example"})

    assert missing.status_code == 404
    assert found.status_code == 200
