"""Benchmark data, written through the service's own code before the server starts."""

import asyncio
from dataclasses import dataclass, field

from orbito.actions import service as actions
from orbito.actions.schemas import ActionRegistration
from orbito.cache import Caches
from orbito.db.engine import open_database
from orbito.db.migrate import upgrade
from orbito.settings import Settings
from orbito.websites import service as websites
from orbito.websites.repository import KeyHolder
from orbito.websites.schemas import WebsiteRegistration

DISCOVERY_SIZES = (1, 20, 100, 1000)
NO_CACHE = Caches(0)
# Re-registration rotates over these websites' keys. Enough that at up to 4,000 requests a
# second no key reaches its 100 a minute; few enough that at 2,400 or more each key comes back
# within the key cache's default second, as a real site's one key does.
ROTATED_WEBSITES = 2400


def action_body(action_id: str) -> dict:
    return {
        "action_id": action_id,
        "intent": "addToCart",
        "description": "Adds the current product to the shopping cart",
        "selector": f"[data-orbito-id='{action_id}']",
        "parameters": {
            "quantity": {"type": "number", "required": False, "default": 1, "description": "Items"},
            "productId": {"type": "string", "required": True, "description": "Product identifier"},
        },
        "position": {"x": 450, "y": 320},
        "metadata": {"component_type": "button", "page_path": "/product/123"},
    }


@dataclass
class Seeded:
    domains: dict[int, str] = field(default_factory=dict)
    usage_key: str = ""
    rotated_keys: list[str] = field(default_factory=list)


async def _website(db, domain: str) -> tuple[KeyHolder, str]:  # type: ignore[no-untyped-def]
    registration = WebsiteRegistration.model_validate(
        {"domain": domain, "owner_email": "bench@example.com", "website_name": "Bench"}
    )
    answer = await websites.register_website(db, NO_CACHE, registration)
    holder = await websites.authenticate(db, NO_CACHE, answer["api_key"])
    return holder, answer["api_key"]


async def _action(db, holder: KeyHolder, action_id: str) -> None:  # type: ignore[no-untyped-def]
    body = action_body(action_id)
    action = ActionRegistration.model_validate(body)
    await actions.register_action(db, NO_CACHE, holder, action, body, 10_000)


async def _seed(settings: Settings) -> Seeded:
    seeded = Seeded()
    db = open_database(settings)
    try:
        for size in DISCOVERY_SIZES:
            domain = f"discovery-{size}.example"
            holder, key = await _website(db, domain)
            for number in range(size):
                await _action(db, holder, f"action-{number:04d}")
            seeded.domains[size] = domain
            if size == 1:
                seeded.usage_key = key
        for number in range(ROTATED_WEBSITES):
            holder, key = await _website(db, f"rotated-{number}.example")
            await _action(db, holder, "add-to-cart-button")
            seeded.rotated_keys.append(key)
    finally:
        await db.dispose()
    return seeded


def seed(database_url: str) -> Seeded:
    settings = Settings(_env_file=None, database_url=database_url)
    upgrade(settings)
    return asyncio.run(_seed(settings))


def stored_usage(database_url: str, domain: str) -> int:
    async def read() -> int:
        db = open_database(Settings(_env_file=None, database_url=database_url))
        try:
            found = await actions.listing(db, NO_CACHE, domain, True, False)
        finally:
            await db.dispose()
        return found.actions[0]["usage_count"]

    return asyncio.run(read())
