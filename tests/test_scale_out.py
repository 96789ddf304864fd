"""Two `orbito serve` processes sharing one PostgreSQL database and one Redis server."""

import asyncio
import itertools
from collections.abc import Iterator

import httpx
import pytest

from tests import servers
from tests.factories import action_body, keyed
from tests.live import LiveServer

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.live]


@pytest.fixture
def shared_database(postgres_template: str) -> Iterator[str]:
    name = servers.create_database(template=postgres_template)
    yield servers.database_url_named(name)
    servers.drop_database(name)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = servers.unique_redis_prefix()
    yield prefix
    servers.delete_redis_prefix(prefix)


@pytest.fixture
def pair(shared_database: str, redis_prefix: str, start_live_server) -> list[LiveServer]:
    """Two processes behind a notional load balancer on 127.0.0.1, which they trust."""
    shared = {
        "database_url": shared_database,
        "redis_url": servers.REDIS_URL,
        "redis_key_prefix": redis_prefix,
        "trusted_proxies": "127.0.0.1",
        "rate_limit_usage": "1000000/minute",
        "auto_migrate": "false",
    }
    return [start_live_server(**shared), start_live_server(**shared)]


def spread(pair: list[LiveServer]) -> Iterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=16)
    return itertools.cycle(
        [httpx.AsyncClient(base_url=server.api, timeout=60, limits=limits) for server in pair]
    )


def from_client(number: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"198.51.{number // 250}.{number % 250 + 1}"}


async def register_site(client: httpx.AsyncClient, domain: str) -> dict:
    response = await client.post(
        "/websites/register",
        json={"domain": domain, "owner_email": "o@example.com", "website_name": "Site"},
        headers=from_client(9999),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def close(clients: Iterator[httpx.AsyncClient], count: int = 2) -> None:
    for _ in range(count):
        await next(clients).aclose()


async def test_thousands_of_usage_reports_across_processes_count_exactly(pair) -> None:
    clients = spread(pair)
    site = await register_site(next(clients), "shop.example")
    key = keyed(site["api_key"])
    assert (
        await next(clients).post("/actions/register", json=action_body("buy"), headers=key)
    ).status_code == 200

    reports = 2000
    answers = await asyncio.gather(
        *(
            next(clients).post("/actions/buy/usage", headers={**key, **from_client(n)})
            for n in range(reports)
        )
    )
    listed = (await next(clients).get("/actions", params={"domain": "shop.example"})).json()
    await close(clients)

    assert [answer.status_code for answer in answers] == [200] * reports
    assert sorted(answer.json()["usage_count"] for answer in answers) == list(range(1, reports + 1))
    assert listed["actions"][0]["usage_count"] == reports


async def test_one_keys_registration_budget_is_shared_by_both_processes(pair) -> None:
    clients = spread(pair)
    site = await register_site(next(clients), "shop.example")
    key = keyed(site["api_key"])

    answers = await asyncio.gather(
        *(
            next(clients).post("/actions/register", json=action_body(f"a{n % 10}"), headers=key)
            for n in range(150)
        )
    )
    await close(clients)

    statuses = [answer.status_code for answer in answers]
    assert statuses.count(200) == 100
    assert statuses.count(429) == 50


async def test_one_domain_registered_through_both_at_once_has_one_owner(pair) -> None:
    clients = spread(pair)

    answers = await asyncio.gather(
        *(
            next(clients).post(
                "/websites/register",
                json={
                    "domain": "contested.example",
                    "owner_email": "o@x.example",
                    "website_name": "C",
                },
                headers=from_client(n),
            )
            for n in range(20)
        )
    )
    await close(clients)

    statuses = [answer.status_code for answer in answers]
    assert statuses.count(201) == 1
    assert statuses.count(409) == 19
    assert {answer.json()["error"]["code"] for answer in answers if answer.status_code == 409} == {
        "DOMAIN_ALREADY_EXISTS"
    }
