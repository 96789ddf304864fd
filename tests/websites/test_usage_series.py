"""A website's daily usage series: buckets counted with each use, zeros for idle days."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from orbito.actions import repository
from orbito.db.engine import open_database
from orbito.settings import Settings
from tests.factories import keyed, register_action, register_website


async def series(client: httpx.AsyncClient, site: dict, **params: object) -> httpx.Response:
    return await client.get(
        f"/websites/{site['website_id']}/usage", params=params, headers=keyed(site["api_key"])
    )


def today() -> datetime:
    return datetime.now(UTC)


async def test_each_use_counts_in_todays_bucket(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    for action_id in ("b", "a", "idle"):
        await register_action(client, site["api_key"], action_id)
    for action_id in ("a", "a", "b"):
        await client.post(f"/actions/{action_id}/usage", headers=keyed(site["api_key"]))
    await client.patch(
        "/actions/b/status", json={"is_active": False}, headers=keyed(site["api_key"])
    )

    response = await series(client, site)

    assert response.status_code == 200, response.text
    body = response.json()
    day = today().date()
    assert body["website_id"] == site["website_id"]
    assert body["days"] == 30
    assert body["dates"][-1] == day.isoformat()
    assert body["dates"][0] == (day - timedelta(days=29)).isoformat()
    assert body["total"] == [0] * 29 + [3]
    assert body["actions"] == [
        {
            "action_id": "a",
            "intent": "addToCart",
            "is_active": True,
            "counts": [0] * 29 + [2],
            "total": 2,
        },
        {
            "action_id": "b",
            "intent": "addToCart",
            "is_active": False,
            "counts": [0] * 29 + [1],
            "total": 1,
        },
        {
            "action_id": "idle",
            "intent": "addToCart",
            "is_active": True,
            "counts": [0] * 30,
            "total": 0,
        },
    ]


async def test_uses_fall_on_their_own_utc_days(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    site = await register_website(client)
    await register_action(client, site["api_key"], "buy")
    now = today()
    moments = [
        now - timedelta(days=3),
        now - timedelta(days=3),
        now - timedelta(days=1),
        now - timedelta(days=10),  # before the span asked for
    ]
    database = open_database(settings)
    try:
        for moment in moments:
            await database.write(repository.record_usage, site["website_id"], "buy", moment)
    finally:
        await database.dispose()

    body = (await series(client, site, days=7)).json()
    whole = (await series(client, site, days=365)).json()

    assert body["total"] == [0, 0, 0, 2, 0, 1, 0]
    assert len(whole["dates"]) == 365
    assert sum(whole["total"]) == 4
    assert whole["total"][-11] == 1


async def test_a_deleted_action_takes_its_buckets_with_it(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    await register_action(client, site["api_key"], "buy")
    await register_action(client, site["api_key"], "keep")
    await client.post("/actions/buy/usage", headers=keyed(site["api_key"]))
    await client.post("/actions/keep/usage", headers=keyed(site["api_key"]))
    await client.delete("/actions/buy", headers=keyed(site["api_key"]))
    await register_action(client, site["api_key"], "buy")

    body = (await series(client, site, days=1)).json()

    assert body["total"] == [1]
    assert [(a["action_id"], a["total"]) for a in body["actions"]] == [("buy", 0), ("keep", 1)]


async def test_a_website_without_actions_has_an_empty_series(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    body = (await series(client, site, days=3)).json()
    assert (body["total"], body["actions"]) == ([0, 0, 0], [])


@pytest.mark.parametrize("days", ["0", "366", "abc", "1.5", "-1", "", " 3", "٣", "9" * 30])
async def test_days_must_be_a_whole_number_from_1_to_365(
    client: httpx.AsyncClient, days: str
) -> None:
    site = await register_website(client)
    response = await series(client, site, days=days)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"] == [
        {"field": "days", "message": "must be a whole number from 1 to 365"}
    ]


async def test_only_the_keys_own_series_is_shown(client: httpx.AsyncClient) -> None:
    mine = await register_website(client)
    theirs = await register_website(client)
    foreign = await client.get(
        f"/websites/{theirs['website_id']}/usage", headers=keyed(mine["api_key"])
    )
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "WEBSITE_NOT_FOUND"
    assert (await client.get(f"/websites/{theirs['website_id']}/usage")).status_code == 401
