"""What a website's owner sees of its verification, and checking it on request."""

import logging
from typing import Any

from orbito.cache import Caches
from orbito.db.engine import Database
from orbito.errors import WebsiteNotFound
from orbito.settings import Settings
from orbito.timefmt import iso_utc, utc_now
from orbito.verification.checks import Verifier
from orbito.websites import repository
from orbito.websites.repository import KeyHolder
from orbito.websites.service import own_website

log = logging.getLogger("orbito.verification")


async def verification_state(
    db: Database, settings: Settings, holder: KeyHolder, website_id: str
) -> dict:
    return _state(await _record(db, holder, website_id), Verifier(settings))


async def check_now(
    db: Database,
    caches: Caches,
    settings: Settings,
    holder: KeyHolder,
    website_id: str,
    methods: tuple[str, ...],
) -> dict:
    """Run the methods now, store what they found, and answer with the state that results."""
    row = await _record(db, holder, website_id)
    verifier = Verifier(settings)
    outcomes = await verifier.check(row.domain, row.verification_token, methods)
    verified_by = next((outcome.method for outcome in outcomes if outcome.verified), None)
    results = [outcome.as_json() for outcome in outcomes]
    await db.write(
        repository.record_verification, holder.website_id, results, verified_by, utc_now()
    )
    caches.website_changed(holder.website_id, row.domain)
    log.info(
        "website.verification_checked",
        extra={"website_id": holder.website_id, "verified_by": verified_by, "methods": methods},
    )
    # Read again: the record as stored, which a concurrent check may also have written.
    return _state(await _record(db, holder, website_id), verifier)


async def _record(db: Database, holder: KeyHolder, website_id: str) -> Any:
    row = await db.read(repository.verification, own_website(holder, website_id))
    if row is None:  # an operator deleted it after the key was checked
        raise WebsiteNotFound(details={"website_id": website_id})
    return row


def _state(row: Any, verifier: Verifier) -> dict:
    last_check = None
    if row.verification_checked_at is not None:
        last_check = {
            "checked_at": iso_utc(row.verification_checked_at),
            "results": row.verification_results,
        }
    return {
        "website_id": row.id,
        "domain": row.domain,
        "verified": row.verified_at is not None,
        "verified_at": iso_utc(row.verified_at),
        "verified_by": row.verified_by,
        "token": row.verification_token,
        "methods": verifier.instructions(row.domain, row.verification_token),
        "last_check": last_check,
    }
