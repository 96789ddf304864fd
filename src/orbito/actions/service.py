"""Registering, discovering, switching, counting and deleting actions."""

import logging
from datetime import datetime, timedelta
from typing import Any

import orjson

from orbito.actions import repository, tools
from orbito.actions.listing import Listing, Rendered, listed_action
from orbito.actions.schemas import ActionRegistration, FailureReport
from orbito.cache import Caches
from orbito.db.engine import Database
from orbito.db.sql import Connection
from orbito.errors import ActionLimitExceeded, ActionNotFound, DomainNotFound
from orbito.timefmt import iso_utc, utc_now
from orbito.websites import repository as websites
from orbito.websites.repository import KeyHolder, Listed

log = logging.getLogger("orbito.actions")

# How stale an action's time of last registration may grow while registrations change nothing:
# within it they are answered without a write, and it is rewritten at most this often.
REGISTRATION_REFRESH = timedelta(minutes=1)


async def register_action(
    db: Database,
    caches: Caches,
    holder: KeyHolder,
    action: ActionRegistration,
    given: dict[str, Any],
    cap: int,
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
    stored = await db.read(repository.registration, holder.website_id, action.action_id)
    # The SDK sends the same registration on every page load of every visitor; when nothing
    # in it changed, a write would only move the time of the last registration.
    if stored is None or not _unchanged(stored, fields, now):
        created = await db.write(_upsert, holder.website_id, action.action_id, fields, cap, now)
        caches.actions_changed(holder.website_id)
        if created:
            extra = {"website_id": holder.website_id, "action_id": action.action_id}
            log.info("action.created", extra=extra)
    return {"success": True, "action_id": action.action_id, "registered_at": iso_utc(now)}


def _unchanged(stored: dict[str, Any], fields: dict[str, Any], now: datetime) -> bool:
    """Whether a registration would leave the action as it is, its time within the refresh."""
    if now - stored["registered_at"] >= REGISTRATION_REFRESH:
        return False
    # Compared as the JSON they are stored as, so that a change of key order or of 1 to 1.0,
    # which discovery would show, is a change.
    return all(
        orjson.dumps(stored[name]) == orjson.dumps(fields[name])
        for name in repository.DESCRIBED_FIELDS
    )


def _upsert(
    connection: Connection, website_id: str, action_id: str, fields: dict, cap: int, now: datetime
) -> bool:
    """Update the action if it exists, else create it within the cap; True when created."""
    if repository.update_registration(connection, website_id, action_id, fields):
        return False
    repository.lock_website(connection, website_id)
    # Another request may have created it while this one waited for the lock.
    if repository.update_registration(connection, website_id, action_id, fields):
        return False
    if repository.count_actions(connection, website_id) >= cap:
        raise ActionLimitExceeded(details={"limit": cap})
    repository.insert_action(connection, website_id, action_id, fields, now)
    return True


def _listing(connection: Connection, domain: str, website: Listed | None, is_active: bool):  # type: ignore[no-untyped-def]
    if website is None:
        website = websites.listed_website(connection, domain)
    if website is None:
        return None, []
    return website, repository.list_actions(connection, website.website_id, is_active)


async def listing(
    db: Database, caches: Caches, domain: str, is_active: bool, require_verified: bool
) -> Listing:
    """The domain's active or inactive actions, as discovery lists them.

    With `require_verified`, a domain whose owner has not proved it is answered as unknown.
    """
    website = caches.domains.get(domain)
    if website is not None:
        if require_verified and not website.verified:
            raise DomainNotFound(details={"domain": domain})
        cached = caches.discovery.get((website.website_id, is_active))
        if cached is not None:
            return cached

    domain_ticket = caches.domains.ticket(domain)
    # Which website the domain is, and so the listing's key, may not be known before the read.
    listing_ticket = caches.discovery.ticket(
        None if website is None else (website.website_id, is_active)
    )
    website, rows = await db.read(_listing, domain, website, is_active)
    if website is None or (require_verified and not website.verified):
        raise DomainNotFound(details={"domain": domain})
    listed = [listed_action(row) for row in rows]
    found = Listing(domain, website.verified, listed)
    caches.domains.put(domain, website, domain_ticket)
    caches.discovery.put((website.website_id, is_active), found, listing_ticket)
    return found


def discovery_answer(found: Listing, page_path: str | None) -> Rendered:
    def build() -> dict:
        listed = found.on_page(page_path)
        return {
            "domain": found.domain,
            "actions": listed,
            "total_count": len(listed),
            "verified": found.verified,
        }

    return found.rendered(("discovery", page_path), build)


def tools_answer(found: Listing, format: str, page_path: str | None) -> Rendered:
    def build() -> dict:
        exported, mapping = tools.export(found.on_page(page_path), format)
        return {
            "domain": found.domain,
            "format": format,
            "tools": exported,
            "actions": mapping,
            "total_count": len(exported),
            "verified": found.verified,
        }

    return found.rendered(("tools", format, page_path), build)


async def set_status(
    db: Database, caches: Caches, holder: KeyHolder, action_id: str, is_active: bool
) -> dict:
    now = utc_now()
    found = await db.write(repository.set_status, holder.website_id, action_id, is_active, now)
    caches.actions_changed(holder.website_id)
    if not found:
        raise ActionNotFound(details={"action_id": action_id})
    log.info("action.status_changed", extra={"action_id": action_id, "is_active": is_active})
    return {
        "success": True,
        "action_id": action_id,
        "is_active": is_active,
        "updated_at": iso_utc(now),
    }


async def record_usage(db: Database, caches: Caches, holder: KeyHolder, action_id: str) -> dict:
    usage_count = await db.write(repository.record_usage, holder.website_id, action_id, utc_now())
    caches.actions_changed(holder.website_id)
    if usage_count is None:
        raise ActionNotFound(details={"action_id": action_id})
    return {"success": True, "usage_count": usage_count}


async def delete_action(db: Database, caches: Caches, holder: KeyHolder, action_id: str) -> dict:
    now = utc_now()
    found = await db.write(repository.delete_action, holder.website_id, action_id)
    caches.actions_changed(holder.website_id)
    if not found:
        raise ActionNotFound(details={"action_id": action_id})
    log.info("action.deleted", extra={"website_id": holder.website_id, "action_id": action_id})
    return {"success": True, "action_id": action_id, "deleted_at": iso_utc(now)}


async def record_failure(
    db: Database, caches: Caches, holder: KeyHolder, action_id: str, report: FailureReport
) -> dict:
    recorded = await db.write(
        repository.record_failure,
        holder.website_id,
        action_id,
        report.reason,
        report.message,
        utc_now(),
    )
    caches.actions_changed(holder.website_id)
    if recorded is None:
        raise ActionNotFound(details={"action_id": action_id})
    if recorded.auto_disabled:
        extra = {
            "website_id": holder.website_id,
            "action_id": action_id,
            "consecutive_failures": recorded.consecutive_failures,
        }
        log.info("action.auto_disabled", extra=extra)
    return {
        "success": True,
        "action_id": action_id,
        "failure_count": recorded.failure_count,
        "consecutive_failures": recorded.consecutive_failures,
        "is_active": recorded.is_active,
        "auto_disabled": recorded.auto_disabled,
    }
