"""A website's actions as their owner sees them: all of them, with their failure records.

Discovery is the extension's view: public, one state at a time, and hidden altogether for an
unproved domain when the operator requires proof. The owner's tools need every action whatever
the setting, and why an action was switched off, under the key's own limit.
"""

from orbito.actions import repository
from orbito.actions.listing import listed_action
from orbito.db.engine import Database
from orbito.timefmt import iso_utc
from orbito.websites.repository import KeyHolder
from orbito.websites.service import own_website


async def owned_actions(db: Database, holder: KeyHolder, website_id: str) -> dict:
    website_id = own_website(holder, website_id)
    rows, by_reason = await db.read(repository.owned_actions, website_id)
    reasons: dict[str, dict[str, int]] = {}
    for action_id, reason, count in by_reason:
        reasons.setdefault(action_id, {})[reason] = int(count)
    listed = [
        {
            **listed_action(row),
            "created_at": iso_utc(row.created_at),
            "registered_at": iso_utc(row.registered_at),
            "updated_at": iso_utc(row.updated_at),
            "consecutive_failures": row.consecutive_failures,
            "failures_by_reason": reasons.get(row.action_id, {}),
            "last_failure": None
            if row.last_failure_at is None
            else {
                "at": iso_utc(row.last_failure_at),
                "reason": row.last_failure_reason,
                "message": row.last_failure_message,
            },
            "auto_disabled_at": iso_utc(row.auto_disabled_at),
        }
        for row in sorted(rows, key=lambda row: row.action_id)
    ]
    return {"website_id": website_id, "actions": listed, "total_count": len(listed)}
