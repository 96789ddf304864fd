"""Registering websites, looking them up, and telling which website an API key belongs to."""

import logging
import time
import uuid
from datetime import timedelta
from functools import partial

from orbito.cache import Caches
from orbito.db.engine import Database
from orbito.errors import InvalidApiKey, WebsiteNotFound
from orbito.timefmt import iso_utc, utc_now
from orbito.websites import repository
from orbito.websites.keys import key_digest, new_api_key, new_verification_token
from orbito.websites.repository import KeyHolder
from orbito.websites.schemas import WebsiteRegistration

log = logging.getLogger("orbito.websites")


async def register_website(db: Database, caches: Caches, registration: WebsiteRegistration) -> dict:
    website_id = str(uuid.uuid4())
    api_key = new_api_key()
    now = utc_now()

    await db.write(
        partial(
            repository.insert_website,
            website_id=website_id,
            domain=registration.domain,
            website_name=registration.website_name,
            owner_email=registration.owner_email,
            key_digest=key_digest(api_key),
            verification_token=new_verification_token(),
            now=now,
        )
    )

    caches.website_registered(registration.domain)
    log.info("website.registered", extra={"website_id": website_id, "domain": registration.domain})
    return {
        "website_id": website_id,
        "domain": registration.domain,
        "api_key": api_key,
        "created_at": iso_utc(now),
    }


async def authenticate(db: Database, caches: Caches, api_key: str | None) -> KeyHolder:
    if not api_key:
        raise InvalidApiKey("The X-API-Key header is missing")
    digest = key_digest(api_key)
    holder = caches.keys.get(digest)
    # A key being rotated out stops at its time, whatever the cache says.
    if holder is not None and holder.expires_at is not None and holder.expires_at <= time.time():
        holder = None
    if holder is None:
        ticket = caches.keys.ticket(digest)
        holder = await db.read(repository.key_holder, digest, utc_now())
        if holder is None:
            raise InvalidApiKey()
        caches.keys.put(digest, holder, ticket)
    return holder


def own_website(holder: KeyHolder, website_id: str) -> str:
    """The key's website id, if `website_id` names it; a foreign website is answered exactly
    like a missing one, so that a key learns nothing of others."""
    if website_id.lower() != holder.website_id:
        raise WebsiteNotFound(details={"website_id": website_id})
    return holder.website_id


async def website_details(db: Database, holder: KeyHolder, website_id: str) -> dict:
    row = await db.read(repository.website_with_counts, own_website(holder, website_id))
    if row is None:
        raise WebsiteNotFound(details={"website_id": website_id})
    return describe(row)


def describe(row: dict) -> dict:
    """A website as its details route shows it."""
    return {
        "website_id": row["id"],
        "domain": row["domain"],
        "website_name": row["website_name"],
        "owner_email": row["owner_email"],
        "created_at": iso_utc(row["created_at"]),
        "total_actions": int(row["total_actions"]),
        "active_actions": int(row["active_actions"]),
        "verified": row["verified_at"] is not None,
        "auto_disable_after_failures": row["auto_disable_after_failures"],
    }


async def change_settings(
    db: Database, holder: KeyHolder, website_id: str, auto_disable_after_failures: int | None
) -> dict:
    own_website(holder, website_id)
    row = await db.write(repository.change_settings, holder.website_id, auto_disable_after_failures)
    if row is None:
        raise WebsiteNotFound(details={"website_id": website_id})
    log.info(
        "website.settings_changed",
        extra={"website_id": holder.website_id, "auto_disable": auto_disable_after_failures},
    )
    return describe(row)


async def rotate_key(
    db: Database, caches: Caches, holder: KeyHolder, website_id: str, grace: timedelta
) -> dict:
    """A new key for the website; its other keys keep working for `grace`, then stop."""
    own_website(holder, website_id)
    issued = await issue_key(db, holder.website_id, holder.key_digest, grace)
    if issued is None:
        caches.keys.pop(holder.key_digest)
        raise InvalidApiKey(
            "This key is being rotated out or no longer works; rotate with the newest key"
        )
    # This process drops the old keys' entries at once; others do so within the cache's life.
    caches.keys.clear()
    return issued


async def issue_key(
    db: Database, website_id: str, rotating_digest: str | None, grace: timedelta
) -> dict | None:
    """A new key for the website, the others retired after `grace`; for the key `rotating_digest`
    (None for an operator). None, and nothing done, when that key may not rotate."""
    api_key = new_api_key()
    now = utc_now()
    retire_at = now + grace
    rotated = await db.write(
        repository.rotate_keys, website_id, rotating_digest, key_digest(api_key), retire_at, now
    )
    if not rotated:
        return None
    log.info(
        "key.rotated",
        extra={"website_id": website_id, "grace_seconds": int(grace.total_seconds())},
    )
    return {
        "website_id": website_id,
        "api_key": api_key,
        "created_at": iso_utc(now),
        "previous_keys_expire_at": iso_utc(retire_at),
    }
