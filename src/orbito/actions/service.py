"""Registering, discovering, switching, counting and deleting actions."""

import logging
from typing import Any

from orbito.actions import repository
from orbito.actions.schemas import ActionRegistration
from orbito.db.engine import Database
from orbito.errors import ActionLimitExceeded, ActionNotFound, DomainNotFound
from orbito.timefmt import iso_utc, utc_now
from orbito.websites import repository as websites
from orbito.websites.repository import KeyHolder

log = logging.getLogger("orbito.actions")


async def register_action(
    db: Database, holder: KeyHolder, action: ActionRegistration, given: dict[str, Any], cap: int
) -> dict:
    now = utc_now()
    fields = {
        "intent": action.intent,
        "description": action.description or "",
        "selector": action.selector,
        "parameters": action.stored_parameters(given.get("parameters") or {}),
        "position": action.stored_position(),
        "meta": action.metadata or {},
        "registered_at": now,
        "updated_at": now,
    }

    async with db.write() as connection:
        if not await repository.update_registration(connection, holder.website_id, action.action_id, fields):
            await repository.lock_website(connection, holder.website_id)
            # Another request may have created it while this one waited for the lock.
            if not await repository.update_registration(
                connection, holder.website_id, action.action_id, fields
            ):
                if await repository.count_actions(connection, holder.website_id) >= cap:
                    raise ActionLimitExceeded(details={"limit": cap})
                await repository.insert_action(connection, holder.website_id, action.action_id, fields, now)
                log.info("action.created", extra={"website_id": holder.website_id, "action_id": action.action_id})

    return {"success": True, "action_id": action.action_id, "registered_at": iso_utc(now)}


async def discover_actions(db: Database, domain: str, is_active: bool) -> dict:
    async with db.read() as connection:
        website_id = await websites.website_id_for_domain(connection, domain)
        if website_id is None:
            raise DomainNotFound(details={"domain": domain})
        rows = await repository.list_actions(connection, website_id, is_active)

    listed = [
        {
            "action_id": row.action_id,
            "intent": row.intent,
            "description": row.description,
            "selector": row.selector,
            "parameters": row.parameters,
            "position": row.position,
            "metadata": row.meta,
            "is_active": row.is_active,
            "usage_count": row.usage_count,
            "last_used": iso_utc(row.last_used),
        }
        for row in rows
    ]
    return {"domain": domain, "actions": listed, "total_count": len(listed)}


async def set_status(db: Database, holder: KeyHolder, action_id: str, is_active: bool) -> dict:
    now = utc_now()
    async with db.write() as connection:
        found = await repository.set_status(connection, holder.website_id, action_id, is_active, now)
    if not found:
        raise ActionNotFound(details={"action_id": action_id})
    log.info("action.status_changed", extra={"action_id": action_id, "is_active": is_active})
    return {"success": True, "action_id": action_id, "is_active": is_active, "updated_at": iso_utc(now)}


async def record_usage(db: Database, holder: KeyHolder, action_id: str) -> dict:
    async with db.write() as connection:
        usage_count = await repository.record_usage(connection, holder.website_id, action_id, utc_now())
    if usage_count is None:
        raise ActionNotFound(details={"action_id": action_id})
    return {"success": True, "usage_count": usage_count}


async def delete_action(db: Database, holder: KeyHolder, action_id: str) -> dict:
    now = utc_now()
    async with db.write() as connection:
        found = await repository.delete_action(connection, holder.website_id, action_id)
    if not found:
        raise ActionNotFound(details={"action_id": action_id})
    log.info("action.deleted", extra={"website_id": holder.website_id, "action_id": action_id})
    return {"success": True, "action_id": action_id, "deleted_at": iso_utc(now)}
