"""Every rule of action registration, each broken once, each answered 400 on the right field."""

import httpx
import pytest

from orbito.actions.schemas import ACTION_ID_RULE
from tests.factories import action_body, keyed, register_website

PARAM = {"type": "string"}

INVALID = [
    # action_id
    ({"action_id": None}, "action_id"),
    ({"action_id": ""}, "action_id"),
    ({"action_id": "a" * 129}, "action_id"),
    ({"action_id": "has space"}, "action_id"),
    ({"action_id": "slash/inside"}, "action_id"),
    ({"action_id": "ünïcode"}, "action_id"),
    ({"action_id": 12}, "action_id"),
    ({"action_id": "."}, "action_id"),
    ({"action_id": ".."}, "action_id"),
    # intent
    ({"intent": ""}, "intent"),
    ({"intent": "x" * 129}, "intent"),
    ({"intent": "tab\there"}, "intent"),
    ({"intent": "nul\u0000"}, "intent"),
    ({"intent": ["addToCart"]}, "intent"),
    # description
    ({"description": "x" * 2001}, "description"),
    ({"description": 5}, "description"),
    ({"description": "nul\u0000inside"}, "description"),
    ({"description": "bell\u0007"}, "description"),
    # selector
    ({"selector": ""}, "selector"),
    ({"selector": "#" + "a" * 1000}, "selector"),
    ({"selector": "div["}, "selector"),
    ({"selector": "[data-x='unterminated]"}, "selector"),
    ({"selector": ">>> a"}, "selector"),
    ({"selector": ":not("}, "selector"),
    ({"selector": 7}, "selector"),
    ({"selector": "#a\u0000"}, "selector"),
    ({"selector": "div:contains('x')"}, "selector"),
    ({"selector": ":-soup-contains('x')"}, "selector"),
    ({"selector": "[data-x!=y]"}, "selector"),
    ({"selector": "svg|rect"}, "selector"),
    ({"selector": "a:local-link"}, "selector"),
    # parameters
    ({"parameters": []}, "parameters"),
    ({"parameters": "qty"}, "parameters"),
    ({"parameters": {f"p{i}": PARAM for i in range(51)}}, "parameters"),
    ({"parameters": {"1st": PARAM}}, "parameters"),
    ({"parameters": {"has-dash": PARAM}}, "parameters"),
    ({"parameters": {"x" * 65: PARAM}}, "parameters"),
    ({"parameters": {"qty": "number"}}, "parameters.qty"),
    ({"parameters": {"qty": {}}}, "parameters.qty.type"),
    ({"parameters": {"qty": {"type": "float"}}}, "parameters.qty.type"),
    ({"parameters": {"qty": {"type": "number", "required": "false"}}}, "parameters.qty.required"),
    ({"parameters": {"qty": {"type": "number", "required": 0}}}, "parameters.qty.required"),
    (
        {"parameters": {"qty": {"type": "number", "description": "x" * 501}}},
        "parameters.qty.description",
    ),
    ({"parameters": {"qty": {"type": "number", "default": "1"}}}, "parameters.qty"),
    ({"parameters": {"qty": {"type": "number", "default": True}}}, "parameters.qty"),
    ({"parameters": {"qty": {"type": "integer", "default": 1.5}}}, "parameters.qty"),
    ({"parameters": {"qty": {"type": "integer", "default": 1e20}}}, "parameters.qty"),
    ({"parameters": {"qty": {"type": "integer", "default": False}}}, "parameters.qty"),
    ({"parameters": {"on": {"type": "boolean", "default": "false"}}}, "parameters.on"),
    ({"parameters": {"on": {"type": "boolean", "default": 0}}}, "parameters.on"),
    ({"parameters": {"s": {"type": "string", "default": 1}}}, "parameters.s"),
    ({"parameters": {"s": {"type": "string", "default": None}}}, "parameters.s"),
    ({"parameters": {"o": {"type": "object", "default": []}}}, "parameters.o"),
    ({"parameters": {"a": {"type": "array", "default": {}}}}, "parameters.a"),
    # position
    ({"position": {"x": 1}}, "position.y"),
    ({"position": {"x": "450", "y": 320}}, "position.x"),
    ({"position": {"x": True, "y": 320}}, "position.x"),
    ({"position": [450, 320]}, "position"),
    # metadata
    ({"metadata": []}, "metadata"),
    ({"metadata": {"component_type": 5}}, "metadata"),
    ({"metadata": {"page_path": ["/a"]}}, "metadata"),
    ({"metadata": {"blob": "x" * 4100}}, "metadata"),
]


@pytest.mark.parametrize(("change", "field"), INVALID)
async def test_each_broken_rule_is_a_400_on_its_field(
    client: httpx.AsyncClient, change: dict, field: str
) -> None:
    site = await register_website(client)

    response = await client.post(
        "/actions/register", json=action_body(**change), headers=keyed(site["api_key"])
    )

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "INVALID_SCHEMA"
    assert field in [item["field"] for item in error["details"]["fields"]], error


@pytest.mark.parametrize("missing", ["action_id", "intent", "selector"])
async def test_required_fields_are_required(client: httpx.AsyncClient, missing: str) -> None:
    site = await register_website(client)
    body = action_body()
    del body[missing]

    response = await client.post("/actions/register", json=body, headers=keyed(site["api_key"]))

    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"][0]["field"] == missing


VALID = [
    {"action_id": "A-z_0.9:x"},
    {"action_id": "a" * 128},
    {"intent": "x" * 128},
    {"description": "x" * 2000},
    {"description": None},
    {"selector": "#a" + "b" * 998},
    {"selector": "form#checkout > button.primary:not([disabled]):nth-child(2n+1)"},
    {"selector": "a[href^='https'], input[type=\"text\"]"},
    {"selector": "a::before"},
    {"selector": "p:first-line"},
    {"selector": "[lang|=en] > a[title='x:contains(y) a|b']"},
    {"selector": "li:is(.a, .b):has(> img):hover"},
    {"description": "two lines\nand\ta tab"},
    {"action_id": "..."},
    {"parameters": {f"p{i}": PARAM for i in range(50)}},
    {"parameters": {"_x" + "y" * 62: PARAM}},
    {"parameters": {"n": {"type": "integer", "default": 3}}},
    {"parameters": {"n": {"type": "integer", "default": 3.0}}},
    {"parameters": {"n": {"type": "number", "default": -0.5}}},
    {"parameters": {"b": {"type": "boolean", "default": False}}},
    {"parameters": {"o": {"type": "object", "default": {"a": [1]}}}},
    {"parameters": {"a": {"type": "array", "default": [1, "x"]}}},
    {"parameters": None},
    {"position": None},
    {"position": {"x": -1e300, "y": 0}},
    {"metadata": None},
    {"metadata": {"nested": {"deep": [1, 2, {"x": None}]}}},
]


@pytest.mark.parametrize("change", VALID)
async def test_values_at_the_edges_are_accepted(client: httpx.AsyncClient, change: dict) -> None:
    site = await register_website(client)
    response = await client.post(
        "/actions/register", json=action_body(**change), headers=keyed(site["api_key"])
    )
    assert response.status_code == 200, response.text


async def test_unknown_top_level_fields_are_ignored(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "shop.example")
    body = action_body(sdk_version="9.9", framework={"name": "react"})
    response = await client.post("/actions/register", json=body, headers=keyed(site["api_key"]))

    listed = (await client.get("/actions", params={"domain": "shop.example"})).json()["actions"][0]

    assert response.status_code == 200
    assert "sdk_version" not in listed and "framework" not in listed


async def test_every_broken_field_is_listed_at_once(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    body = {"action_id": "", "intent": "", "selector": "div["}

    response = await client.post("/actions/register", json=body, headers=keyed(site["api_key"]))

    fields = [item["field"] for item in response.json()["error"]["details"]["fields"]]
    assert fields == ["action_id", "intent", "selector"]


async def test_control_characters_inside_json_values_round_trip(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "shop.example")
    metadata = {"note": "nul\u0000and\nnewline", "page_path": "/p"}
    response = await client.post(
        "/actions/register", json=action_body(metadata=metadata), headers=keyed(site["api_key"])
    )

    listed = (await client.get("/actions", params={"domain": "shop.example"})).json()

    assert response.status_code == 200
    assert listed["actions"][0]["metadata"] == metadata


@pytest.mark.parametrize("action_id", [".", "..", "x" * 129, "has space"])
async def test_a_refused_action_id_is_told_the_rule_not_a_pattern(
    client: httpx.AsyncClient, action_id: str
) -> None:
    site = await register_website(client)
    response = await client.post(
        "/actions/register", json=action_body(action_id), headers=keyed(site["api_key"])
    )

    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"] == [
        {"field": "action_id", "message": ACTION_ID_RULE}
    ]


async def test_parameters_are_at_most_8_kib_as_json(client: httpx.AsyncClient) -> None:
    site = await register_website(client)
    big = {"p": {"type": "string", "default": "x" * 8200}}
    just = {"p": {"type": "string", "default": "x" * 8000}}

    refused = await client.post(
        "/actions/register", json=action_body("big", parameters=big), headers=keyed(site["api_key"])
    )
    accepted = await client.post(
        "/actions/register",
        json=action_body("just", parameters=just),
        headers=keyed(site["api_key"]),
    )

    assert refused.status_code == 400
    assert refused.json()["error"]["details"]["fields"] == [
        {"field": "parameters", "message": "parameters must be at most 8192 bytes as JSON"}
    ]
    assert accepted.status_code == 200
