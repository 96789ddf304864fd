"""What each process caches, and how soon it sees changes made through another process."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from orbito.actions.service import listing
from orbito.cache import Caches
from orbito.db.engine import Database, open_database
from orbito.settings import Settings
from orbito.websites.keys import key_digest
from orbito.websites.service import authenticate
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


class _PausedReads:
    """The real database, but each read waits, once done, until the test lets it answer: as a
    read on PostgreSQL waits on the network while other requests run."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.read_done = asyncio.Event()
        self.answer = asyncio.Event()

    async def read(self, work: Any, *args: Any) -> Any:
        result = await self.database.read(work, *args)
        self.read_done.set()
        await self.answer.wait()
        return result

    async def write(self, work: Any, *args: Any) -> Any:
        return await self.database.write(work, *args)

    async def dispose(self) -> None:
        await self.database.dispose()


async def _read_while(
    read: Awaitable[Any], paused: _PausedReads, change: Callable[[], None]
) -> Any:
    """Start `read`, make `change` once the read has been made, then let the read answer."""
    task = asyncio.ensure_future(read)
    await paused.read_done.wait()
    change()
    paused.answer.set()
    return await task


@pytest.mark.parametrize("dropped", [True, False])
async def test_a_key_read_under_way_when_its_entry_is_dropped_is_not_kept(
    client, settings: Settings, dropped: bool
) -> None:
    site = await register_website(client, "shop.example")
    digest = key_digest(site["api_key"])
    caches = Caches(60)
    paused = _PausedReads(open_database(settings))
    try:
        holder = await _read_while(
            authenticate(paused, caches, site["api_key"]),  # type: ignore[arg-type]
            paused,
            caches.keys.clear if dropped else lambda: None,  # as a rotation drops them
        )
    finally:
        await paused.dispose()

    assert holder.website_id == site["website_id"]  # the read answers its own request
    assert (caches.keys.get(digest) is None) is dropped


@pytest.mark.parametrize("domain_known", [True, False])
@pytest.mark.parametrize("dropped", [True, False])
async def test_a_listing_read_under_way_when_its_entry_is_dropped_is_not_kept(
    client, settings: Settings, domain_known: bool, dropped: bool
) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "buy")
    caches = Caches(60)
    database = open_database(settings)
    try:
        if domain_known:
            await listing(database, caches, "shop.example", True, False)
            caches.discovery.pop((site["website_id"], True))
        paused = _PausedReads(database)
        await _read_while(
            listing(paused, caches, "shop.example", True, False),  # type: ignore[arg-type]
            paused,
            lambda: caches.actions_changed(site["website_id"]) if dropped else None,
        )
    finally:
        await database.dispose()

    kept = caches.discovery.get((site["website_id"], True))
    assert (kept is None) is dropped
