import httpx
import pytest

from tests.factories import keyed, register_action, register_website


async def test_details_count_all_and_active_actions(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "example.com")
    for action_id in ("a", "b", "c"):
        await register_action(client, site["api_key"], action_id)
    await client.patch(
        "/actions/b/status", json={"is_active": False}, headers=keyed(site["api_key"])
    )

    response = await client.get(f"/websites/{site['website_id']}", headers=keyed(site["api_key"]))

    assert response.status_code == 200
    assert response.json() == {
        "website_id": site["website_id"],
        "domain": "example.com",
        "website_name": "Example Website",
        "owner_email": "owner@example.com",
        "created_at": site["created_at"],
        "total_actions": 3,
        "active_actions": 2,
        "verified": False,
        "auto_disable_after_failures": None,
    }


async def test_a_new_website_has_zero_actions(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    body = (
        await client.get(f"/websites/{site['website_id']}", headers=keyed(site["api_key"]))
    ).json()
    assert (body["total_actions"], body["active_actions"]) == (0, 0)


async def test_another_websites_details_are_not_found(client: httpx.AsyncClient) -> None:
    mine = await register_website(client)
    theirs = await register_website(client)

    response = await client.get(f"/websites/{theirs['website_id']}", headers=keyed(mine["api_key"]))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "WEBSITE_NOT_FOUND"


@pytest.mark.parametrize(
    "website_id", ["not-a-uuid", "550e8400-e29b-41d4-a716-446655440000", "x" * 300]
)
async def test_unknown_or_malformed_website_ids_are_not_found(
    client: httpx.AsyncClient, website_id: str
) -> None:
    site = await register_website(client)
    response = await client.get(f"/websites/{website_id}", headers=keyed(site["api_key"]))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "WEBSITE_NOT_FOUND"


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": ""}, {"X-API-Key": "orbito_key_wrong"}])
async def test_details_need_a_valid_key(client: httpx.AsyncClient, headers: dict) -> None:
    site = await register_website(client)
    response = await client.get(f"/websites/{site['website_id']}", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_API_KEY"


async def test_the_key_is_checked_before_the_website_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/websites/not-a-uuid", headers={"X-API-Key": "nope"})
    assert response.status_code == 401
