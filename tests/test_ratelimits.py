import asyncio
import math
import time

import pytest

from tests import servers
from tests.conftest import client_for, running_app
from tests.factories import action_body, keyed, register_action, register_website


@pytest.fixture(params=["memory", "redis"])
def limit_settings(request: pytest.FixtureRequest, make_settings):
    """Settings whose counters live in the process, or in the real Redis server."""
    if request.param == "memory":
        yield make_settings
        return
    prefix = servers.unique_redis_prefix()
    shared = {"redis_url": servers.REDIS_URL, "redis_key_prefix": prefix}
    yield lambda **overrides: make_settings(**shared, **overrides)
    servers.delete_redis_prefix(prefix)


async def test_counted_answers_carry_the_limit_headers(limit_settings) -> None:
    async with (
        running_app(limit_settings(rate_limit_discovery="5/minute")) as app,
        client_for(app) as client,
    ):
        before = time.time()
        first = await client.get("/actions", params={"domain": "a.example"})
        after = time.time()
        second = await client.get("/actions", params={"domain": "a.example"})

    assert first.status_code == second.status_code == 404  # counted whatever the outcome
    assert first.headers["x-ratelimit-limit"] == "5"
    assert (first.headers["x-ratelimit-remaining"], second.headers["x-ratelimit-remaining"]) == (
        "4",
        "3",
    )
    assert before + 60 <= int(first.headers["x-ratelimit-reset"]) <= math.ceil(after + 60)


async def test_over_the_limit_is_429_with_retry_after_and_details(limit_settings) -> None:
    async with (
        running_app(limit_settings(rate_limit_discovery="2/minute")) as app,
        client_for(app) as client,
    ):
        answers = [await client.get("/actions", params={"domain": "a.example"}) for _ in range(3)]

    refused = answers[-1]
    assert [answer.status_code for answer in answers] == [404, 404, 429]
    error = refused.json()["error"]
    assert error["code"] == "RATE_LIMIT_EXCEEDED"
    assert error["details"]["limit"] == 2
    assert error["details"]["window_seconds"] == 60
    assert 1 <= error["details"]["retry_after"] <= 60
    assert refused.headers["retry-after"] == str(error["details"]["retry_after"])
    assert refused.headers["x-ratelimit-remaining"] == "0"


async def test_the_window_moves_so_there_is_no_burst_at_its_edge(limit_settings) -> None:
    async with (
        running_app(limit_settings(rate_limit_discovery="3/2second")) as app,
        client_for(app) as client,
    ):

        async def status() -> int:
            return (await client.get("/actions", params={"domain": "a.example"})).status_code

        first_burst = [await status() for _ in range(3)]
        await asyncio.sleep(1.1)
        across_the_edge = [await status() for _ in range(3)]
        await asyncio.sleep(1.0)
        after_a_full_window = await status()

    assert first_burst == [404, 404, 404]
    assert across_the_edge == [429, 429, 429]
    assert after_a_full_window == 404


async def test_action_registration_is_counted_per_key(limit_settings) -> None:
    async with (
        running_app(limit_settings(rate_limit_action_register="2/minute")) as app,
        client_for(app) as client,
    ):
        one = await register_website(client)
        two = await register_website(client)
        for _ in range(2):
            await register_action(client, one["api_key"])
        refused = await client.post(
            "/actions/register", json=action_body(), headers=keyed(one["api_key"])
        )
        other_key = await client.post(
            "/actions/register", json=action_body(), headers=keyed(two["api_key"])
        )

    assert refused.status_code == 429
    assert other_key.status_code == 200


async def test_discovery_is_counted_per_client_ip(limit_settings) -> None:
    async with running_app(limit_settings(rate_limit_discovery="1/minute")) as app:
        async with (
            client_for(app, "198.51.100.1") as first,
            client_for(app, "198.51.100.2") as second,
        ):
            statuses = [
                (await first.get("/actions", params={"domain": "a.example"})).status_code,
                (await first.get("/actions", params={"domain": "a.example"})).status_code,
                (await second.get("/actions", params={"domain": "a.example"})).status_code,
            ]
    assert statuses == [404, 429, 404]


async def test_usage_is_counted_per_client_not_per_key(limit_settings) -> None:
    async with running_app(limit_settings(rate_limit_usage="2/minute")) as app:
        async with (
            client_for(app, "198.51.100.1") as visitor,
            client_for(app, "198.51.100.2") as other,
        ):
            site = await register_website(visitor)
            await register_action(visitor, site["api_key"], "buy")
            mine = [
                (
                    await visitor.post("/actions/buy/usage", headers=keyed(site["api_key"]))
                ).status_code
                for _ in range(3)
            ]
            theirs = await other.post("/actions/buy/usage", headers=keyed(site["api_key"]))

    assert mine == [200, 200, 429]
    assert theirs.status_code == 200
    assert theirs.json()["usage_count"] == 3


async def test_the_key_is_checked_before_the_limit_and_the_limit_before_the_body(
    limit_settings,
) -> None:
    async with (
        running_app(limit_settings(rate_limit_action_register="1/minute")) as app,
        client_for(app) as client,
    ):
        site = await register_website(client)
        await register_action(client, site["api_key"])
        bad_key = await client.post(
            "/actions/register", content=b"{", headers=keyed("orbito_key_nope")
        )
        bad_body = await client.post(
            "/actions/register", content=b"{", headers=keyed(site["api_key"])
        )

    assert bad_key.status_code == 401
    assert "x-ratelimit-limit" not in bad_key.headers
    assert bad_body.status_code == 429


async def test_other_keyed_routes_share_the_keyed_limit(limit_settings) -> None:
    async with (
        running_app(limit_settings(rate_limit_keyed="2/minute")) as app,
        client_for(app) as client,
    ):
        site = await register_website(client)
        headers = keyed(site["api_key"])
        statuses = [
            (await client.get(f"/websites/{site['website_id']}", headers=headers)).status_code,
            (
                await client.patch("/actions/x/status", json={"is_active": True}, headers=headers)
            ).status_code,
            (await client.delete("/actions/x", headers=headers)).status_code,
        ]
    assert statuses == [200, 404, 429]


async def test_website_registration_is_limited_per_ip(limit_settings) -> None:
    async with (
        running_app(limit_settings(rate_limit_website_register="2/hour")) as app,
        client_for(app) as client,
    ):
        statuses = [
            (
                await client.post(
                    "/websites/register",
                    json={"domain": f"s{n}.example", "owner_email": "a@b.co", "website_name": "S"},
                )
            ).status_code
            for n in range(3)
        ]
        retry_after = int((await client.post("/websites/register", json={})).headers["retry-after"])
    assert statuses == [201, 201, 429]
    assert 3500 <= retry_after <= 3600


async def test_limits_can_be_switched_off(limit_settings) -> None:
    settings = limit_settings(rate_limits_enabled=False, rate_limit_discovery="1/minute")
    async with running_app(settings) as app, client_for(app) as client:
        answers = [await client.get("/actions", params={"domain": "a.example"}) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [404, 404, 404]
    assert "x-ratelimit-limit" not in answers[0].headers


async def test_a_trusted_proxy_forwards_the_client_address(limit_settings) -> None:
    settings = limit_settings(rate_limit_discovery="1/minute", trusted_proxies="10.0.0.0/8")
    async with running_app(settings) as app, client_for(app, "10.0.0.5") as proxy:

        async def status(forwarded: str) -> int:
            response = await proxy.get(
                "/actions", params={"domain": "a.example"}, headers={"X-Forwarded-For": forwarded}
            )
            return response.status_code

        assert await status("198.51.100.1") == 404
        assert await status("198.51.100.2") == 404
        assert await status("198.51.100.1") == 429
        assert (
            await status("203.0.113.9, 198.51.100.3, 10.0.0.7") == 404
        )  # right-most untrusted hop


async def test_an_untrusted_peer_cannot_choose_its_address(limit_settings) -> None:
    settings = limit_settings(rate_limit_discovery="1/minute", trusted_proxies="10.0.0.0/8")
    async with running_app(settings) as app, client_for(app, "198.51.100.50") as client:
        statuses = [
            (
                await client.get(
                    "/actions",
                    params={"domain": "a.example"},
                    headers={"X-Forwarded-For": f"192.0.2.{n}"},
                )
            ).status_code
            for n in range(2)
        ]
    assert statuses == [404, 429]
