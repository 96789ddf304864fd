import httpx
import pytest

from tests.factories import keyed, register_action, register_website


async def test_discovery_lists_active_actions_sorted_by_id(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "shop.example")
    for action_id in ("b", "a", "C", "c-2"):
        await register_action(client, site["api_key"], action_id)
    await client.patch(
        "/actions/b/status", json={"is_active": False}, headers=keyed(site["api_key"])
    )

    response = await client.get("/actions", params={"domain": "shop.example"})

    body = response.json()
    assert response.status_code == 200
    assert body["domain"] == "shop.example"
    assert [action["action_id"] for action in body["actions"]] == ["C", "a", "c-2"]
    assert body["total_count"] == 3


@pytest.mark.parametrize(
    ("flag", "expected"), [("false", ["b"]), ("FALSE", ["b"]), ("True", ["a"]), ("true", ["a"])]
)
async def test_is_active_selects_which_actions_are_listed(
    client: httpx.AsyncClient, flag: str, expected: list[str]
) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "a")
    await register_action(client, site["api_key"], "b")
    await client.patch(
        "/actions/b/status", json={"is_active": False}, headers=keyed(site["api_key"])
    )

    body = (
        await client.get("/actions", params={"domain": "shop.example", "is_active": flag})
    ).json()

    assert [action["action_id"] for action in body["actions"]] == expected
    assert body["total_count"] == len(expected)


@pytest.mark.parametrize("flag", ["1", "0", "yes", "", "truee", "null"])
async def test_other_is_active_values_are_400(client: httpx.AsyncClient, flag: str) -> None:
    await register_website(client, "shop.example")
    response = await client.get("/actions", params={"domain": "shop.example", "is_active": flag})
    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"][0]["field"] == "is_active"


async def test_discovery_normalises_the_domain_as_registration_did(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client, "bücher.example")
    await register_action(client, site["api_key"], "a")

    for spelling in ("BÜCHER.example.", "xn--bcher-kva.example", " bücher.example "):
        body = (await client.get("/actions", params={"domain": spelling})).json()
        assert body["domain"] == "xn--bcher-kva.example"
        assert body["total_count"] == 1


async def test_an_unregistered_domain_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/actions", params={"domain": "nobody.example"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "DOMAIN_NOT_FOUND"


@pytest.mark.parametrize(
    "domain", ["https://shop.example", "shop.example:80", "shop.example/x", "1.2.3.4", ""]
)
async def test_an_invalid_domain_is_400(client: httpx.AsyncClient, domain: str) -> None:
    response = await client.get("/actions", params={"domain": domain})
    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"][0]["field"] == "domain"


async def test_the_domain_is_required(client: httpx.AsyncClient) -> None:
    response = await client.get("/actions")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_SCHEMA"


async def test_a_registered_domain_without_actions_lists_none(client: httpx.AsyncClient) -> None:
    await register_website(client, "empty.example")
    body = (await client.get("/actions", params={"domain": "empty.example"})).json()
    assert body == {
        "domain": "empty.example",
        "actions": [],
        "total_count": 0,
        "verified": False,
    }


async def test_discovery_ignores_any_key_sent(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "a")
    response = await client.get(
        "/actions", params={"domain": "shop.example"}, headers={"X-API-Key": "bogus"}
    )
    assert response.status_code == 200
    assert response.json()["total_count"] == 1


async def test_discovery_shows_only_the_domains_own_actions(client: httpx.AsyncClient) -> None:
    one = await register_website(client, "one.example")
    two = await register_website(client, "two.example")
    await register_action(client, one["api_key"], "mine")
    await register_action(client, two["api_key"], "theirs")

    body = (await client.get("/actions", params={"domain": "one.example"})).json()

    assert [action["action_id"] for action in body["actions"]] == ["mine"]
