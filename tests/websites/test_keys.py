"""Rotating a website's key: a new key at once, the old ones for a grace period, then 401."""

import asyncio
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from orbito.db.tables import api_keys
from orbito.settings import Settings
from orbito.websites.keys import key_digest
from tests.db import every_stored_value, through_sqlalchemy
from tests.factories import keyed, register_website


async def rotate(client: httpx.AsyncClient, site: dict, api_key: str | None = None, **body: object):  # type: ignore[no-untyped-def]
    return await client.post(
        f"/websites/{site['website_id']}/keys/rotate",
        json=body or None,
        headers=keyed(api_key or site["api_key"]),
    )


async def works(client: httpx.AsyncClient, site: dict, api_key: str) -> int:
    response = await client.get(f"/websites/{site['website_id']}", headers=keyed(api_key))
    return response.status_code


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_a_rotation_gives_a_new_key_and_keeps_the_old_for_a_day(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client)

    response = await rotate(client, site)

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"website_id", "api_key", "created_at", "previous_keys_expire_at"}
    assert body["website_id"] == site["website_id"]
    assert body["api_key"].startswith("orbito_key_")
    assert len(body["api_key"]) >= len("orbito_key_") + 43
    assert body["api_key"] != site["api_key"]
    grace = moment(body["previous_keys_expire_at"]) - moment(body["created_at"])
    assert grace == timedelta(days=1)
    assert await works(client, site, body["api_key"]) == 200
    assert await works(client, site, site["api_key"]) == 200


async def test_a_grace_of_zero_revokes_the_old_key_at_once(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    assert await works(client, site, site["api_key"]) == 200  # now in this process's cache

    new_key = (await rotate(client, site, grace_period_seconds=0)).json()["api_key"]

    refused = await client.get(f"/websites/{site['website_id']}", headers=keyed(site["api_key"]))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "INVALID_API_KEY"
    assert await works(client, site, new_key) == 200


async def test_the_old_key_stops_when_its_grace_ends(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    new_key = (await rotate(client, site, grace_period_seconds=1)).json()["api_key"]
    assert await works(client, site, site["api_key"]) == 200

    await asyncio.sleep(1.1)

    assert await works(client, site, site["api_key"]) == 401
    assert await works(client, site, new_key) == 200


async def test_a_second_rotation_never_lengthens_an_earlier_keys_grace(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client)
    second = (await rotate(client, site, grace_period_seconds=0)).json()["api_key"]
    third = (await rotate(client, site, second, grace_period_seconds=3600)).json()["api_key"]

    assert await works(client, site, site["api_key"]) == 401
    assert await works(client, site, second) == 200
    assert await works(client, site, third) == 200


async def test_the_new_key_can_rotate_the_old_ones_out(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    second = (await rotate(client, site)).json()["api_key"]

    third = (await rotate(client, site, second, grace_period_seconds=0)).json()["api_key"]

    assert await works(client, site, site["api_key"]) == 401
    assert await works(client, site, second) == 401
    assert await works(client, site, third) == 200


@pytest.mark.parametrize("grace", [-1, 7 * 24 * 3600 + 1, "60", 1.5, True], ids=repr)
async def test_a_grace_outside_zero_to_seven_days_is_refused(
    client: httpx.AsyncClient, grace: object
) -> None:
    site = await register_website(client)
    response = await client.post(
        f"/websites/{site['website_id']}/keys/rotate",
        json={"grace_period_seconds": grace},
        headers=keyed(site["api_key"]),
    )
    assert response.status_code == 400
    [field] = response.json()["error"]["details"]["fields"]
    assert field["field"] == "grace_period_seconds"
    assert await works(client, site, site["api_key"]) == 200


async def test_a_null_grace_is_the_default_day(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    body = (await rotate(client, site, grace_period_seconds=None)).json()
    grace = moment(body["previous_keys_expire_at"]) - moment(body["created_at"])
    assert grace == timedelta(days=1)


async def test_a_key_being_rotated_out_cannot_rotate(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    newer = (await rotate(client, site, grace_period_seconds=600)).json()["api_key"]
    assert await works(client, site, site["api_key"]) == 200  # still within its grace

    refused = await rotate(client, site, grace_period_seconds=0)

    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "INVALID_API_KEY"
    assert "rotated out" in refused.json()["error"]["message"]
    assert await works(client, site, newer) == 200


async def test_simultaneous_rotations_with_one_key_give_one_new_key(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client)
    assert await works(client, site, site["api_key"]) == 200  # cached: each passes the check

    answers = await asyncio.gather(
        *(rotate(client, site, grace_period_seconds=0) for _ in range(10))
    )

    assert sorted(answer.status_code for answer in answers) == [201] + [401] * 9
    [winner] = [answer.json()["api_key"] for answer in answers if answer.status_code == 201]
    assert await works(client, site, winner) == 200
    assert await works(client, site, site["api_key"]) == 401


async def test_a_rotation_forgets_keys_past_their_time(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    site = await register_website(client)
    second = (await rotate(client, site, grace_period_seconds=0)).json()["api_key"]
    third = (await rotate(client, site, second, grace_period_seconds=0)).json()["api_key"]

    def digests(connection):  # type: ignore[no-untyped-def]
        query = select(api_keys.c.key_digest).where(api_keys.c.website_id == site["website_id"])
        return set(connection.execute(query).scalars())

    stored = await through_sqlalchemy(settings.database_url, digests)
    # The first key expired at the second rotation; the second is kept until the next one.
    assert stored == {key_digest(second), key_digest(third)}


async def test_seven_days_is_the_longest_grace(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    body = (await rotate(client, site, grace_period_seconds=7 * 24 * 3600)).json()
    grace = moment(body["previous_keys_expire_at"]) - moment(body["created_at"])
    assert grace == timedelta(days=7)


async def test_only_the_keys_own_website_can_be_rotated(client: httpx.AsyncClient) -> None:
    mine = await register_website(client)
    theirs = await register_website(client)
    foreign = await rotate(client, theirs, mine["api_key"])
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "WEBSITE_NOT_FOUND"
    keyless = await client.post(f"/websites/{theirs['website_id']}/keys/rotate")
    assert keyless.status_code == 401
    assert await works(client, theirs, theirs["api_key"]) == 200


async def test_keys_are_stored_only_as_digests(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    site = await register_website(client)
    new_key = (await rotate(client, site)).json()["api_key"]

    def keys(connection):  # type: ignore[no-untyped-def]
        query = select(api_keys.c.key_digest, api_keys.c.expires_at)
        return connection.execute(query.where(api_keys.c.website_id == site["website_id"])).all()

    stored = await through_sqlalchemy(settings.database_url, keys)
    everything = await every_stored_value(settings.database_url)

    assert site["api_key"] not in everything
    assert new_key not in everything
    digests = {row.key_digest for row in stored}
    assert digests == {key_digest(site["api_key"]), key_digest(new_key)}
    assert {row.key_digest for row in stored if row.expires_at is None} == {key_digest(new_key)}
