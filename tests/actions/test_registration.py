import re

import httpx
import pytest

from tests.conftest import client_for, running_app
from tests.factories import action_body, keyed, register_action, register_website


async def discovered(client: httpx.AsyncClient, domain: str, is_active: str = "true") -> dict:
    response = await client.get("/actions", params={"domain": domain, "is_active": is_active})
    assert response.status_code == 200, response.text
    return {action["action_id"]: action for action in response.json()["actions"]}


async def test_registration_answers_the_contract_shape(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    response = await client.post(
        "/actions/register", json=action_body(), headers=keyed(site["api_key"])
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"success", "action_id", "registered_at"}
    assert body["success"] is True
    assert body["action_id"] == "add-to-cart-button"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["registered_at"])


async def test_a_new_action_starts_active_and_unused(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"])

    action = (await discovered(client, "shop.example"))["add-to-cart-button"]

    assert action == {
        "action_id": "add-to-cart-button",
        "intent": "addToCart",
        "description": "Adds the current product to the shopping cart",
        "selector": "[data-orbito-id='add-to-cart-button']",
        "parameters": {
            "quantity": {
                "type": "number",
                "required": False,
                "default": 1,
                "description": "Number of items to add",
            },
            "productId": {"type": "string", "required": True, "description": "Product identifier"},
        },
        "position": {"x": 450, "y": 320},
        "metadata": {"component_type": "button", "page_path": "/product/123"},
        "is_active": True,
        "usage_count": 0,
        "last_used": None,
        "failure_count": 0,
        "last_failure_at": None,
    }


async def test_optional_fields_take_their_defaults(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "shop.example")
    body = {"action_id": "buy", "intent": "buy", "selector": "#buy"}
    response = await client.post("/actions/register", json=body, headers=keyed(site["api_key"]))
    assert response.status_code == 200

    action = (await discovered(client, "shop.example"))["buy"]

    assert action["description"] == ""
    assert action["parameters"] == {}
    assert action["position"] is None
    assert action["metadata"] == {}


async def test_parameter_specs_keep_extra_keys_and_make_required_explicit(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client, "shop.example")
    parameters = {"size": {"type": "string", "enum": ["S", "M"], "x-ui": {"widget": "select"}}}
    await register_action(client, site["api_key"], parameters=parameters)

    action = (await discovered(client, "shop.example"))["add-to-cart-button"]

    assert action["parameters"] == {
        "size": {
            "type": "string",
            "enum": ["S", "M"],
            "x-ui": {"widget": "select"},
            "required": False,
        }
    }


async def test_null_description_and_required_in_a_spec_mean_not_given(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client, "shop.example")
    parameters = {"size": {"type": "string", "description": None, "required": None}}
    await register_action(client, site["api_key"], parameters=parameters)

    action = (await discovered(client, "shop.example"))["add-to-cart-button"]

    assert action["parameters"] == {"size": {"type": "string", "required": False}}


async def test_reregistration_replaces_the_description_but_keeps_state(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client, "shop.example")
    key = keyed(site["api_key"])
    await register_action(client, site["api_key"])
    await client.post("/actions/add-to-cart-button/usage", headers=key)
    await client.patch("/actions/add-to-cart-button/status", json={"is_active": False}, headers=key)
    before = (await discovered(client, "shop.example", "false"))["add-to-cart-button"]

    await register_action(
        client,
        site["api_key"],
        intent="addToBasket",
        description="new",
        selector="#basket",
        parameters={},
        position={"x": 1.5, "y": -2},
        metadata={"page_path": "/p/2"},
    )
    after = (await discovered(client, "shop.example", "false"))["add-to-cart-button"]

    assert after["intent"] == "addToBasket"
    assert after["description"] == "new"
    assert after["selector"] == "#basket"
    assert after["parameters"] == {}
    assert after["position"] == {"x": 1.5, "y": -2}
    assert after["metadata"] == {"page_path": "/p/2"}
    assert after["is_active"] is False
    assert after["usage_count"] == 1
    assert after["last_used"] == before["last_used"] is not None


async def test_reregistration_without_position_clears_it(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"])
    body = action_body()
    del body["position"]
    await client.post("/actions/register", json=body, headers=keyed(site["api_key"]))

    assert (await discovered(client, "shop.example"))["add-to-cart-button"]["position"] is None


async def test_action_ids_are_case_sensitive_and_per_website(client: httpx.AsyncClient) -> None:
    one = await register_website(client, "one.example")
    two = await register_website(client, "two.example")
    await register_action(client, one["api_key"], "Buy")
    await register_action(client, one["api_key"], "buy")
    await register_action(client, two["api_key"], "buy")

    assert sorted(await discovered(client, "one.example")) == ["Buy", "buy"]
    assert sorted(await discovered(client, "two.example")) == ["buy"]


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": ""}, {"X-API-Key": "orbito_key_unknown"}])
async def test_registration_needs_a_valid_key(client: httpx.AsyncClient, headers: dict) -> None:
    response = await client.post("/actions/register", json=action_body(), headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_API_KEY"


async def test_the_key_is_checked_before_the_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/actions/register", content=b"not json", headers={"X-API-Key": "x"}
    )
    assert response.status_code == 401


async def test_the_cap_refuses_a_new_action_but_never_an_update(make_settings) -> None:
    async with (
        running_app(make_settings(max_actions_per_website=2)) as app,
        client_for(app) as client,
    ):
        site = await register_website(client, "shop.example")
        await register_action(client, site["api_key"], "a")
        await register_action(client, site["api_key"], "b")

        refused = await client.post(
            "/actions/register", json=action_body("c"), headers=keyed(site["api_key"])
        )
        updated = await client.post(
            "/actions/register",
            json=action_body("a", intent="changed"),
            headers=keyed(site["api_key"]),
        )

        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "ACTION_LIMIT_EXCEEDED"
        assert updated.status_code == 200
        assert sorted(await discovered(client, "shop.example")) == ["a", "b"]
        assert (await discovered(client, "shop.example"))["a"]["intent"] == "changed"


async def test_a_deleted_action_frees_its_place_under_the_cap(make_settings) -> None:
    async with (
        running_app(make_settings(max_actions_per_website=1)) as app,
        client_for(app) as client,
    ):
        site = await register_website(client)
        await register_action(client, site["api_key"], "a")
        await client.delete("/actions/a", headers=keyed(site["api_key"]))

        response = await client.post(
            "/actions/register", json=action_body("b"), headers=keyed(site["api_key"])
        )

        assert response.status_code == 200


async def _stored_registration_time(settings, action_id: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from orbito.db.tables import actions
    from tests.db import through_sqlalchemy

    return await through_sqlalchemy(
        settings.database_url,
        lambda connection: connection.execute(
            select(actions.c.registered_at).where(actions.c.action_id == action_id)
        ).scalar_one(),
    )


async def test_an_unchanged_reregistration_is_answered_without_a_write(
    client: httpx.AsyncClient, settings
) -> None:
    site = await register_website(client)
    first = (await register_action(client, site["api_key"])).json()
    stored_after_first = await _stored_registration_time(settings, "add-to-cart-button")

    again = (await register_action(client, site["api_key"])).json()
    stored_after_again = await _stored_registration_time(settings, "add-to-cart-button")

    assert again["registered_at"] >= first["registered_at"]
    assert stored_after_again == stored_after_first


@pytest.mark.parametrize(
    "change",
    [
        {"intent": "addToBasket"},
        {"description": "Puts the product in the cart"},
        {"selector": "#add-to-cart"},
        {"position": None},
        {"metadata": {"page_path": "/other"}},
        # Discovery shows parameters as given: their order and 1.0 for 1 are changes too.
        {"parameters": {"productId": {"type": "string"}, "quantity": {"type": "number"}}},
        {"parameters": {"quantity": {"type": "number"}, "productId": {"type": "string"}}},
        {"parameters": {"quantity": {"type": "number", "default": 1.0}}},
    ],
)
async def test_any_change_to_a_registration_is_written(
    client: httpx.AsyncClient, change: dict
) -> None:
    site = await register_website(client, "shop.example")
    base = {"parameters": {"quantity": {"type": "number", "default": 1}}}
    await register_action(client, site["api_key"], **base)
    await register_action(client, site["api_key"], **change)

    shown = (await discovered(client, "shop.example"))["add-to-cart-button"]
    field, value = next(iter(change.items()))
    if field == "parameters":
        assert list(shown["parameters"]) == list(value)
        assert [type(spec.get("default")) for spec in shown["parameters"].values()] == [
            type(spec.get("default")) for spec in value.values()
        ]
    else:
        assert shown[field] == value


async def test_an_unchanged_registration_refreshes_its_time_after_the_interval(
    client: httpx.AsyncClient, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from orbito.actions import service

    site = await register_website(client)
    await register_action(client, site["api_key"])
    stored_after_first = await _stored_registration_time(settings, "add-to-cart-button")
    monkeypatch.setattr(service, "REGISTRATION_REFRESH", timedelta(0))

    await register_action(client, site["api_key"])

    assert await _stored_registration_time(settings, "add-to-cart-button") > stored_after_first
