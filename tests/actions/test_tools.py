"""Tool export: the active actions as MCP tools or OpenAI functions with JSON Schema inputs."""

import httpx
import pytest
from jsonschema import Draft202012Validator

from orbito.actions.tools import tool_names
from tests.factories import keyed, register_action, register_website

DOMAIN = "shop.example"


async def export(client: httpx.AsyncClient, **params: str) -> httpx.Response:
    return await client.get("/actions/tools", params={"domain": DOMAIN, **params})


@pytest.fixture
async def site(client: httpx.AsyncClient) -> dict:
    site = await register_website(client, DOMAIN)
    await register_action(client, site["api_key"], "add-to-cart")
    await register_action(
        client,
        site["api_key"],
        "search",
        intent="search",
        description="",
        parameters={
            "query": {"type": "string", "required": True},
            "limit": {"type": "integer", "default": 10, "description": "At most this many"},
            "exact": {"type": "boolean", "default": False},
            "filters": {"type": "object"},
            "tags": {"type": "array", "default": ["new"]},
            "price": {"type": "number", "x-unit": "EUR"},
        },
    )
    await register_action(client, site["api_key"], "off", parameters={})
    await client.patch(
        "/actions/off/status", json={"is_active": False}, headers=keyed(site["api_key"])
    )
    return site


async def test_mcp_tools_list_the_active_actions(client: httpx.AsyncClient, site: dict) -> None:
    response = await export(client)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["domain"], body["format"], body["total_count"]) == (DOMAIN, "mcp", 2)
    cart, search = body["tools"]
    assert cart == {
        "name": "add-to-cart",
        "title": "addToCart",
        "description": "Adds the current product to the shopping cart",
        "inputSchema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "quantity": {
                    "type": "number",
                    "description": "Number of items to add",
                    "default": 1,
                },
                "productId": {"type": "string", "description": "Product identifier"},
            },
            "required": ["productId"],
            "additionalProperties": False,
        },
    }
    assert search["description"] == "search"  # no description: the intent stands in
    assert search["inputSchema"]["properties"]["limit"] == {
        "type": "integer",
        "description": "At most this many",
        "default": 10,
    }
    assert search["inputSchema"]["required"] == ["query"]
    assert body["actions"] == {
        "add-to-cart": {
            "action_id": "add-to-cart",
            "intent": "addToCart",
            "selector": "[data-orbito-id='add-to-cart']",
        },
        "search": {
            "action_id": "search",
            "intent": "search",
            "selector": "[data-orbito-id='search']",
        },
    }
    for tool in body["tools"]:
        Draft202012Validator.check_schema(tool["inputSchema"])
    Draft202012Validator(search["inputSchema"]).validate({"query": "socks", "limit": 3})


async def test_openai_functions_carry_the_same_schemas(
    client: httpx.AsyncClient, site: dict
) -> None:
    mcp = (await export(client)).json()
    openai = (await export(client, format="OpenAI")).json()

    assert openai["format"] == "openai"
    assert [tool["type"] for tool in openai["tools"]] == ["function", "function"]
    for function, tool in zip(openai["tools"], mcp["tools"], strict=True):
        function = function["function"]
        assert set(function) == {"name", "description", "parameters"}
        assert function["name"] == tool["name"]
        expected = {k: v for k, v in tool["inputSchema"].items() if k != "$schema"}
        assert function["parameters"] == expected
        Draft202012Validator.check_schema(function["parameters"])
    assert openai["actions"] == mcp["actions"]


def test_tool_names_are_unique_and_valid_whatever_the_ids() -> None:
    ids = ["a.b", "a:b", "a_b", "a-b", "x" * 128, "x" * 127 + "y", "...", "a_b_" + "0" * 8]
    names = tool_names(ids)

    assert len(set(names.values())) == len(ids)
    for name in names.values():
        assert 1 <= len(name) <= 64
        assert all(
            character.isascii() and (character.isalnum() or character in "_-") for character in name
        )
    assert names["a_b"] == "a_b"
    assert names["a-b"] == "a-b"
    assert names == tool_names(ids)


def test_a_valid_id_keeps_its_own_name_even_when_another_would_change_into_it() -> None:
    changed = tool_names(["x.y"])["x.y"]
    names = tool_names(["x.y", changed])
    assert names[changed] == changed
    assert names["x.y"] not in (changed, "x.y")
    assert tool_names([changed]) == {changed: changed}


async def test_ids_that_are_not_valid_names_map_back_to_their_actions(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client, DOMAIN)
    for action_id in ("cart.add", "cart:add", "cart_add"):
        await register_action(client, site["api_key"], action_id)

    body = (await export(client)).json()

    names = [tool["name"] for tool in body["tools"]]
    assert len(set(names)) == 3
    assert "cart_add" in names
    assert sorted(entry["action_id"] for entry in body["actions"].values()) == [
        "cart.add",
        "cart:add",
        "cart_add",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "yaml"}, "format"),
        ({"domain": "not a domain"}, "domain"),
        ({"page_path": "/" + "x" * 4096}, "page_path"),
    ],
)
async def test_bad_queries_are_refused(
    client: httpx.AsyncClient, site: dict, params: dict, field: str
) -> None:
    response = await export(client, **params)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"][0]["field"] == field


async def test_an_unknown_domain_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/actions/tools", params={"domain": "nowhere.example"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "DOMAIN_NOT_FOUND"
