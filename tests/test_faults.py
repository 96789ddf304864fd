"""Outages of Redis and of the database, made with servers and relays the tests own."""

import asyncio
import shutil
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from orbito.settings import Settings
from tests import servers
from tests.conftest import client_for, running_app
from tests.factories import action_body, keyed, register_website
from tests.relay import Relay, free_port


@pytest.fixture
def throwaway_redis() -> Iterator[servers.ThrowawayRedis]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = servers.ThrowawayRedis(free_port())
    server.start()
    yield server
    server.stop()


def outage_logs(records) -> list:  # type: ignore[no-untyped-def]
    return [record for record in records if record.getMessage() == "ratelimit.storage_unavailable"]


async def test_a_redis_outage_fails_open_is_logged_once_and_limits_return(
    make_settings, throwaway_redis: servers.ThrowawayRedis, orbito_logs
) -> None:
    settings = make_settings(
        redis_url=throwaway_redis.url, rate_limit_discovery="2/minute", redis_timeout_seconds=0.3
    )
    async with running_app(settings) as app, client_for(app) as client:

        async def discover() -> httpx.Response:
            return await client.get("/actions", params={"domain": "a.example"})

        before = [(await discover()).status_code for _ in range(3)]

        throwaway_redis.stop()
        during = [await discover() for _ in range(30)]
        ready_during = await client.get("http://testserver/readyz")

        throwaway_redis.start()
        await asyncio.sleep(1.2)  # the limiter leaves a failed store alone for a second
        after = [(await discover()).status_code for _ in range(3)]
        ready_after = await client.get("http://testserver/readyz")

    assert before == [404, 404, 429]
    assert {answer.status_code for answer in during} == {404}
    assert all("x-ratelimit-limit" not in answer.headers for answer in during)
    assert ready_during.status_code == 503
    assert ready_during.json()["error"]["details"]["checks"] == {
        "database": "ok",
        "redis": "unavailable",
    }
    assert len(outage_logs(orbito_logs.records)) == 1
    assert after == [404, 404, 429]
    assert ready_after.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


@pytest.fixture
def relayed_postgres(postgres_template: str) -> Iterator[tuple[Relay, str]]:
    """A fresh PostgreSQL database, reached through a relay the test can cut."""
    name = servers.create_database(template=postgres_template)
    direct = make_url(servers.database_url_named(name))
    with Relay(direct.port or 5432, direct.host or "127.0.0.1") as relay:
        relayed = direct.set(host="127.0.0.1", port=relay.port)
        yield relay, relayed.render_as_string(hide_password=False)
    servers.drop_database(name)


@pytest.mark.postgres
@pytest.mark.live
async def test_a_database_outage_is_503_and_the_service_recovers_by_itself(
    relayed_postgres: tuple[Relay, str], start_live_server
) -> None:
    relay, database_url = relayed_postgres
    server = start_live_server(database_url=database_url, rate_limits_enabled="false")
    origin = {"Origin": "https://shop.example"}
    async with httpx.AsyncClient(base_url=server.api, timeout=30) as client:
        site = await register_website(client, "shop.example")
        key = keyed(site["api_key"])
        await client.post("/actions/register", json=action_body("buy"), headers=key)
        counted = [
            (await client.post("/actions/buy/usage", headers=key)).status_code for _ in range(3)
        ]

        relay.cut()
        usage = await client.post("/actions/buy/usage", headers={**key, **origin})
        discovery = await client.get("/actions", params={"domain": "shop.example"}, headers=origin)
        ready = await client.get(f"{server.base_url}/readyz")
        health = await client.get(f"{server.base_url}/healthz")
        alive_during = server.process.poll() is None

        relay.restore()
        recovered = None
        for _ in range(100):
            answer = await client.post("/actions/buy/usage", headers=key)
            if answer.status_code == 200:
                recovered = answer.json()["usage_count"]
                break
            assert answer.status_code == 503
            await asyncio.sleep(0.1)
        listed = (await client.get("/actions", params={"domain": "shop.example"})).json()

    assert counted == [200, 200, 200]
    for answer in (usage, discovery):
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
        assert answer.headers["access-control-allow-origin"] == "*"
    assert ready.status_code == 503
    assert ready.json()["error"]["details"]["checks"] == {"database": "unavailable"}
    assert health.status_code == 200
    assert alive_during
    assert recovered == 4  # the report refused during the outage was not counted
    assert listed["actions"][0]["usage_count"] == 4
    assert server.log_text().count("db.unavailable") == 1  # once a minute, not per request


@pytest.mark.postgres
@pytest.mark.live
async def test_a_silent_database_is_503_within_the_statement_timeout(
    relayed_postgres: tuple[Relay, str], start_live_server
) -> None:
    relay, database_url = relayed_postgres
    server = start_live_server(
        database_url=database_url,
        rate_limits_enabled="false",
        database_statement_timeout_seconds="1",
        database_pool_timeout_seconds="1",
    )
    async with httpx.AsyncClient(base_url=server.api, timeout=30) as client:
        site = await register_website(client, "shop.example")

        relay.stall()
        started = time.monotonic()
        details = await client.get(
            f"/websites/{site['website_id']}", headers=keyed(site["api_key"])
        )
        waited = time.monotonic() - started
        started = time.monotonic()
        ready = await client.get(f"{server.base_url}/readyz")
        ready_waited = time.monotonic() - started
        relay.resume()

    assert details.status_code == 503
    assert waited < 5
    assert ready.status_code == 503
    assert ready_waited < 5


@pytest.mark.postgres
async def test_a_missing_database_is_503_not_500() -> None:
    missing = servers.database_url_named("orbito_no_such_database")
    settings = Settings(_env_file=None, database_url=missing)
    async with running_app(settings) as app, client_for(app) as client:
        discovery = await client.get("/actions", params={"domain": "a.example"})
        ready = await client.get("http://testserver/readyz")

    assert discovery.status_code == 503
    assert discovery.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert ready.status_code == 503


@pytest.mark.postgres
@pytest.mark.live
async def test_writes_cut_off_mid_flight_never_answer_2xx_uncommitted(
    relayed_postgres: tuple[Relay, str], start_live_server
) -> None:
    relay, database_url = relayed_postgres
    server = start_live_server(database_url=database_url, rate_limits_enabled="false")
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(base_url=server.api, timeout=30, limits=limits) as client:
        site = await register_website(client, "shop.example")
        key = keyed(site["api_key"])
        await client.post("/actions/register", json=action_body("buy"), headers=key)

        async def report() -> httpx.Response:
            return await client.post("/actions/buy/usage", headers=key)

        async def cut_then_restore() -> None:
            await asyncio.sleep(0.3)
            relay.cut()
            await asyncio.sleep(0.5)
            relay.restore()

        reports = [asyncio.ensure_future(report()) for _ in range(400)]
        await cut_then_restore()
        answers = await asyncio.gather(*reports)
        for _ in range(100):
            listing = await client.get("/actions", params={"domain": "shop.example"})
            if listing.status_code == 200:
                break
            await asyncio.sleep(0.1)

    statuses = [answer.status_code for answer in answers]
    counts = [answer.json()["usage_count"] for answer in answers if answer.status_code == 200]
    stored = listing.json()["actions"][0]["usage_count"]
    assert set(statuses) <= {200, 503}
    assert statuses.count(503) > 0, "the cut came too late to test anything"
    assert len(counts) == len(set(counts))  # each answered count is its own
    # Every 2xx was committed; a report whose answer was lost in the cut may have been too.
    assert len(counts) <= stored <= len(answers)
    assert max(counts) <= stored


async def test_a_database_not_migrated_is_503_on_every_kind_of_route(
    unmigrated_database: str,
) -> None:
    settings = Settings(_env_file=None, database_url=unmigrated_database)
    registration = {"domain": "a.example", "owner_email": "o@a.example", "website_name": "A"}
    async with running_app(settings) as app, client_for(app) as client:
        answers = {
            "discovery": await client.get("/actions", params={"domain": "a.example"}),
            # A key is looked up by a statement on SQLite's own driver.
            "usage": await client.post("/actions/a/usage", headers=keyed("orbito_key_x" * 4)),
            "registration": await client.post("/websites/register", json=registration),
        }
        ready = await client.get("http://testserver/readyz")

    assert {name: answer.status_code for name, answer in answers.items()} == {
        "discovery": 503,
        "usage": 503,
        "registration": 503,
    }
    assert all(a.json()["error"]["code"] == "SERVICE_UNAVAILABLE" for a in answers.values())
    assert ready.status_code == 503


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_write_that_cannot_have_the_sqlite_lock_is_503_not_500(make_settings) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    settings = make_settings(sqlite_busy_timeout_ms=200)
    path = make_url(settings.database_url).database
    async with running_app(settings) as app, client_for(app) as client:
        site = await register_website(client, "locked.example")
        added = await client.post(
            "/actions/register", json=action_body("a"), headers=keyed(site["api_key"])
        )
        assert added.status_code == 200
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            usage = await client.post("/actions/a/usage", headers=keyed(site["api_key"]))
            changed = await client.post(
                "/actions/register",
                json=action_body("a", intent="other"),
                headers=keyed(site["api_key"]),
            )
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        after = await client.post("/actions/a/usage", headers=keyed(site["api_key"]))

    assert (usage.status_code, changed.status_code) == (503, 503)
    assert usage.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert after.status_code == 200 and after.json()["usage_count"] == 1
