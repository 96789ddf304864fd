"""A website's daily usage: per action and in total, one count per UTC day, zeros included."""

from datetime import timedelta

from orbito.actions import repository
from orbito.db.engine import Database
from orbito.timefmt import utc_now
from orbito.websites.repository import KeyHolder
from orbito.websites.service import own_website

DEFAULT_DAYS = 30
MAX_DAYS = 365


async def usage_series(db: Database, holder: KeyHolder, website_id: str, days: int) -> dict:
    """The last `days` days up to today (UTC), oldest first."""
    website_id = own_website(holder, website_id)
    today = utc_now().date()
    first_day = today - timedelta(days=days - 1)
    dates = [first_day + timedelta(days=offset) for offset in range(days)]
    rows = await db.read(repository.daily_usage, website_id, first_day)

    by_action: dict[str, dict] = {}
    for row in rows:
        action = by_action.setdefault(
            row.action_id,
            {
                "action_id": row.action_id,
                "intent": row.intent,
                "is_active": row.is_active,
                "counts": [0] * days,
            },
        )
        if row.day is not None and row.day <= today:
            action["counts"][(row.day - first_day).days] = int(row.count)
    listed = sorted(by_action.values(), key=lambda action: action["action_id"])
    for action in listed:
        action["total"] = sum(action["counts"])
    return {
        "website_id": website_id,
        "days": days,
        "dates": [day.isoformat() for day in dates],
        "total": [sum(action["counts"][index] for action in listed) for index in range(days)],
        "actions": listed,
    }
