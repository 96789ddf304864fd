"""Simultaneous requests through the real server, on one SQLite file shared by two processes."""

import asyncio
import random
from collections import Counter, defaultdict
from collections.abc import Awaitable
from typing import Any

import httpx
import pytest

from tests.factories import action_body, keyed, register_action, register_website
from tests.live import LiveServer

pytestmark = pytest.mark.live

IN_FLIGHT = 32
LOCKED = "database is locked"


@pytest.fixture
def server(start_live_server) -> LiveServer:
    """Two worker processes on one SQLite file, with limits off so that only contention is
    tested, and caches off: otherwise a listing right after the mix may be answered by the
    worker that cached it before the other wrote, which is the caches' documented lifetime."""
    return start_live_server(
        workers=2, rate_limits_enabled="false", cache_seconds="0", log_format="json"
    )


def api(server: LiveServer) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    return httpx.AsyncClient(base_url=server.api, limits=limits, timeout=httpx.Timeout(60.0))


def registration(domain: str) -> dict[str, str]:
    return {"domain": domain, "owner_email": "owner@example.com", "website_name": "Busy Site"}


async def details_of(client: httpx.AsyncClient, site: dict[str, Any]) -> httpx.Response:
    return await client.get(f"/websites/{site['website_id']}", headers=keyed(site["api_key"]))


async def usage_of(client: httpx.AsyncClient, site: dict[str, Any]) -> dict[str, Any]:
    path = f"/websites/{site['website_id']}/usage"
    return (await client.get(path, headers=keyed(site["api_key"]))).json()


async def listed(client: httpx.AsyncClient, domain: str) -> dict[str, dict[str, Any]]:
    """Every action of the domain, active and inactive, by action_id."""
    actions = {}
    for is_active in ("true", "false"):
        answer = await client.get("/actions", params={"domain": domain, "is_active": is_active})
        assert answer.status_code == 200, answer.text
        actions.update({action["action_id"]: action for action in answer.json()["actions"]})
    return actions


def assert_no_server_fault(server: LiveServer) -> None:
    log = server.log_text()
    assert LOCKED not in log
    assert "http.unhandled_error" not in log
    assert '"level":"ERROR"' not in log


async def test_simultaneous_usage_reports_each_get_a_distinct_count_across_two_processes(
    server: LiveServer,
) -> None:
    async with api(server) as client:
        site = await register_website(client, "usage.example.com")
        await register_action(client, site["api_key"], "buy")
        key = keyed(site["api_key"])
        reports = await asyncio.gather(
            *(client.post("/actions/buy/usage", headers=key) for _ in range(200))
        )
        actions = await listed(client, "usage.example.com")
        path = f"/websites/{site['website_id']}/usage"
        series = (await client.get(path, params={"days": 2}, headers=key)).json()

    assert Counter(report.status_code for report in reports) == {200: 200}
    assert sorted(report.json()["usage_count"] for report in reports) == list(range(1, 201))
    assert actions["buy"]["usage_count"] == 200
    # Reports sent around midnight (UTC) may fall on either day; together they are all there.
    assert sum(series["total"]) == 200
    assert len(server.worker_pids()) == 2
    assert_no_server_fault(server)


async def test_simultaneous_registrations_of_one_domain_give_one_201_and_19_409s(
    server: LiveServer,
) -> None:
    body = registration("race.example.com")
    async with api(server) as client:
        answers = await asyncio.gather(
            *(client.post("/websites/register", json=body) for _ in range(20))
        )
        assert Counter(answer.status_code for answer in answers) == {201: 1, 409: 19}
        [winner] = [answer.json() for answer in answers if answer.status_code == 201]
        details = await details_of(client, winner)
        discovery = await client.get("/actions", params={"domain": "race.example.com"})

    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["error"]["code"] == "DOMAIN_ALREADY_EXISTS"
            assert answer.json()["error"]["details"] == {"domain": "race.example.com"}
    assert details.status_code == 200
    assert details.json()["domain"] == "race.example.com"
    assert discovery.json() == {
        "domain": "race.example.com",
        "actions": [],
        "total_count": 0,
        "verified": False,
    }
    assert_no_server_fault(server)


async def test_simultaneous_first_registrations_of_one_action_leave_exactly_one(
    server: LiveServer,
) -> None:
    async with api(server) as client:
        site = await register_website(client, "first.example.com")
        key = keyed(site["api_key"])
        answers = await asyncio.gather(
            *(
                client.post("/actions/register", json=body, headers=key)
                for body in (action_body("checkout", intent=f"pay{n}") for n in range(20))
            )
        )
        discovery = await client.get("/actions", params={"domain": "first.example.com"})
        details = await details_of(client, site)

    assert Counter(answer.status_code for answer in answers) == {200: 20}
    assert all(answer.json()["action_id"] == "checkout" for answer in answers)
    assert discovery.json()["total_count"] == 1
    [action] = discovery.json()["actions"]
    assert action["action_id"] == "checkout"
    assert action["intent"] in {f"pay{n}" for n in range(20)}
    assert action["usage_count"] == 0
    assert details.json()["total_actions"] == 1
    assert_no_server_fault(server)


SITES = 5
COUNTED = ("a0", "a1", "a2")  # reported, switched and re-registered; never deleted
DOOMED = ("d0", "d1")  # deleted while usage reports for them are in flight
NEW = ("n0", "n1", "n2")  # registered for the first time during the mix
REPORTS_PER_ACTION = 12
SWITCHED_TO = {"a0": False, "a1": False, "a2": True}
EXPECTED_STATUSES = {
    "usage": {200},
    "status": {200},
    "update": {200},
    "delete": {200},
    "doomed usage": {200, 404},
    "create": {200},
    "discovery": {200},
    "duplicate website": {409},
    "website": {201},
}


Call = Awaitable[httpx.Response]
Label = tuple[str, str, str]  # kind, domain, action_id


class Plan:
    """Requests to send all at once, each labelled with what it is and whom it concerns."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.labels: list[Label] = []
        self.calls: list[Call] = []

    def add(self, kind: str, domain: str, action_id: str, call: Call) -> None:
        self.labels.append((kind, domain, action_id))
        self.calls.append(call)

    def for_site(self, site: dict[str, Any]) -> None:
        client, key, domain = self.client, keyed(site["api_key"]), site["domain"]
        for action_id in COUNTED:
            for _ in range(REPORTS_PER_ACTION):
                self.add("usage", domain, action_id, self.usage(key, action_id))
            for _ in range(2):
                switch = {"is_active": SWITCHED_TO[action_id]}
                call = client.patch(f"/actions/{action_id}/status", json=switch, headers=key)
                self.add("status", domain, action_id, call)
            update = self.register(key, action_id, intent="updated")
            self.add("update", domain, action_id, update)
        for action_id in DOOMED:
            call = client.delete(f"/actions/{action_id}", headers=key)
            self.add("delete", domain, action_id, call)
            for _ in range(2):
                self.add("doomed usage", domain, action_id, self.usage(key, action_id))
        for action_id in NEW:
            self.add("create", domain, action_id, self.register(key, action_id))
        self.add("discovery", domain, "", client.get("/actions", params={"domain": domain}))
        call = client.post("/websites/register", json=registration(domain))
        self.add("duplicate website", domain, "", call)
        for n in range(2):
            fresh = f"new{n}-{domain}"
            call = client.post("/websites/register", json=registration(fresh))
            self.add("website", fresh, "", call)

    def usage(self, key: dict[str, str], action_id: str) -> Call:
        return self.client.post(f"/actions/{action_id}/usage", headers=key)

    def register(self, key: dict[str, str], action_id: str, **fields: str) -> Call:
        body = action_body(action_id, **fields)
        return self.client.post("/actions/register", json=body, headers=key)

    async def send_shuffled(self, seed: int) -> list[tuple[Label, httpx.Response]]:
        order = list(range(len(self.calls)))
        random.Random(seed).shuffle(order)
        answers = await asyncio.gather(*(self.calls[i] for i in order))
        return [(self.labels[i], answer) for i, answer in zip(order, answers, strict=True)]


async def test_a_mix_of_concurrent_writers_never_fails_and_loses_no_usage(
    server: LiveServer,
) -> None:
    async with api(server) as client:
        sites = [await register_website(client, f"mix{n}.example.com") for n in range(SITES)]
        await asyncio.gather(
            *(
                register_action(client, site["api_key"], action_id)
                for site in sites
                for action_id in COUNTED + DOOMED
            )
        )
        plan = Plan(client)
        for site in sites:
            plan.for_site(site)
        results = await plan.send_shuffled(seed=20250115)

        stored = {site["domain"]: await listed(client, site["domain"]) for site in sites}
        details = {site["domain"]: (await details_of(client, site)).json() for site in sites}
        series = {site["domain"]: await usage_of(client, site) for site in sites}
        fresh_domains = [domain for (kind, domain, _), _ in results if kind == "website"]
        fresh_discovery = [
            await client.get("/actions", params={"domain": domain}) for domain in fresh_domains
        ]

    assert len(results) >= 280
    faults = [
        (kind, domain, action_id, answer.status_code, answer.text)
        for (kind, domain, action_id), answer in results
        if answer.status_code >= 500
        or LOCKED in answer.text
        or answer.status_code not in EXPECTED_STATUSES[kind]
    ]
    assert faults == []

    reported: dict[tuple[str, str], list[int]] = defaultdict(list)
    for (kind, domain, action_id), answer in results:
        if kind == "usage":
            reported[domain, action_id].append(answer.json()["usage_count"])

    for site in sites:
        domain, actions = site["domain"], stored[site["domain"]]
        assert set(actions) == set(COUNTED + NEW)
        by_day = {action["action_id"]: action["total"] for action in series[domain]["actions"]}
        for action_id in COUNTED:
            counts = reported[domain, action_id]
            assert len(counts) == REPORTS_PER_ACTION
            assert sorted(counts) == list(range(1, REPORTS_PER_ACTION + 1))
            assert actions[action_id]["usage_count"] == len(counts)
            assert by_day[action_id] == len(counts)
            assert actions[action_id]["is_active"] is SWITCHED_TO[action_id]
            assert actions[action_id]["intent"] == "updated"
        for action_id in NEW:
            assert actions[action_id]["usage_count"] == 0
            assert actions[action_id]["is_active"] is True
        assert details[domain]["total_actions"] == len(COUNTED) + len(NEW)
        assert details[domain]["active_actions"] == 1 + len(NEW)

    assert len(fresh_discovery) == SITES * 2
    assert all(answer.status_code == 200 for answer in fresh_discovery)
    assert_no_server_fault(server)


async def test_writes_committed_together_fail_alone(client: httpx.AsyncClient) -> None:
    """Writes arriving together share a commit; one refused write must not undo the others."""
    bodies = [
        {"domain": domain, "owner_email": "o@example.com", "website_name": "S"}
        for domain in ["same.example"] * 5 + [f"own{n}.example" for n in range(5)]
    ]
    answers = await asyncio.gather(
        *(client.post("/websites/register", json=body) for body in bodies)
    )

    statuses = [answer.status_code for answer in answers]
    assert statuses[:5].count(201) == 1 and statuses[:5].count(409) == 4
    assert statuses[5:] == [201] * 5
    for n in range(5):
        found = await client.get("/actions", params={"domain": f"own{n}.example"})
        assert found.status_code == 200
