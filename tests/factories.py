"""Small builders of test data, through the public API as a client would make it."""

from typing import Any

import httpx

_counter = iter(range(1, 10**9))


def action_body(action_id: str = "add-to-cart-button", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "action_id": action_id,
        "intent": "addToCart",
        "description": "Adds the current product to the shopping cart",
        "selector": f"[data-orbito-id='{action_id}']",
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
    }
    body.update(overrides)
    return body


async def register_website(client: httpx.AsyncClient, domain: str | None = None) -> dict[str, Any]:
    domain = domain or f"site{next(_counter)}.example.com"
    response = await client.post(
        "/websites/register",
        json={
            "domain": domain,
            "owner_email": "owner@example.com",
            "website_name": "Example Website",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


async def register_action(
    client: httpx.AsyncClient, api_key: str, action_id: str = "add-to-cart-button", **overrides: Any
) -> httpx.Response:
    response = await client.post(
        "/actions/register",
        json=action_body(action_id, **overrides),
        headers={"X-API-Key": api_key},
    )
    assert response.status_code == 200, response.text
    return response


def keyed(api_key: str) -> dict[str, str]:
    return {"X-API-Key": api_key}
