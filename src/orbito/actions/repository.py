"""Every query on actions."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from orbito.db.engine import Batchable
from orbito.db.sql import Connection, Statement, is_sqlite

# What discovery lists of each action.
DISCOVERY_COLUMNS = (
    "action_id, intent, description, selector, parameters, position, meta, is_active,"
    " usage_count, last_used, failure_count, last_failure_at"
)
_ONE_ACTION = "website_id = ? AND action_id = ?"

# What the SDK describes of an action, and what registration replaces: those and its times.
DESCRIBED_FIELDS = ("intent", "description", "selector", "parameters", "position", "meta")
REGISTERED_FIELDS = (*DESCRIBED_FIELDS, "registered_at", "updated_at")

_REGISTRATION = Statement.select(
    ", ".join((*DESCRIBED_FIELDS, "registered_at")), f"FROM actions WHERE {_ONE_ACTION}"
)
_UPDATE_REGISTRATION = Statement(
    f"UPDATE actions SET {', '.join(f'{name} = ?' for name in REGISTERED_FIELDS)}"
    f" WHERE {_ONE_ACTION}"
)


def registration(connection: Connection, website_id: str, action_id: str) -> dict | None:
    """What the SDK last registered of an action, and when; None if there is no such action."""
    found = _REGISTRATION.one(connection, website_id, action_id)
    return None if found is None else found._asdict()


def update_registration(
    connection: Connection, website_id: str, action_id: str, fields: dict[str, Any]
) -> bool:
    """Replace what the SDK describes of an existing action; False if there is none."""
    values = [fields[name] for name in REGISTERED_FIELDS]
    return _UPDATE_REGISTRATION.run(connection, *values, website_id, action_id) > 0


_LOCK_WEBSITE = Statement("SELECT id FROM websites WHERE id = ? FOR UPDATE")


def lock_website(connection: Connection, website_id: str) -> None:
    """Serialise the creation of a website's actions, so that the per-website cap holds.

    SQLite needs nothing here: its write transactions already run one at a time.
    """
    if not is_sqlite(connection):
        _LOCK_WEBSITE.one(connection, website_id)


_COUNT_ACTIONS = Statement("SELECT count(*) FROM actions WHERE website_id = ?")


def count_actions(connection: Connection, website_id: str) -> int:
    return int(_COUNT_ACTIONS.one(connection, website_id)[0])


_INSERT_ACTION = Statement(
    "INSERT INTO actions (website_id, action_id, is_active, usage_count, last_used, created_at,"
    f" {', '.join(REGISTERED_FIELDS)}) VALUES (?, ?, ?, 0, NULL, ?"
    f"{', ?' * len(REGISTERED_FIELDS)})"
)


def insert_action(
    connection: Connection, website_id: str, action_id: str, fields: dict[str, Any], now: datetime
) -> None:
    values = [fields[name] for name in REGISTERED_FIELDS]
    _INSERT_ACTION.run(connection, website_id, action_id, True, now, *values)


_LIST_ACTIONS = Statement.select(
    DISCOVERY_COLUMNS,
    "FROM actions WHERE website_id = ? AND is_active = ? ORDER BY action_id",
    # Byte order, as on SQLite, whatever the database's locale.
    postgres='FROM actions WHERE website_id = ? AND is_active = ? ORDER BY action_id COLLATE "C"',
)


def list_actions(connection: Connection, website_id: str, is_active: bool) -> list[Any]:
    return _LIST_ACTIONS.all(connection, website_id, is_active)


# The owner's word starts afresh: no run of failures, no switch-off by them.
_SET_STATUS = Statement(
    "UPDATE actions SET is_active = ?, updated_at = ?, consecutive_failures = 0,"
    f" auto_disabled_at = NULL WHERE {_ONE_ACTION}"
)


def set_status(
    connection: Connection, website_id: str, action_id: str, is_active: bool, now: datetime
) -> bool:
    return _SET_STATUS.run(connection, is_active, now, website_id, action_id) > 0


_RECORD_USES = Statement(
    "UPDATE actions SET usage_count = usage_count + ?, last_used = ?, consecutive_failures = 0"
    f" WHERE {_ONE_ACTION} RETURNING id, usage_count"
)


def _counter(table: str, key: str) -> Statement:
    """Adds to an action's count under a key (its day, a reason) in a table of counts."""
    return Statement(
        f"INSERT INTO {table} (action_pk, {key}, count) VALUES (?, ?, ?)"
        f" ON CONFLICT (action_pk, {key}) DO UPDATE SET count = {table}.count + excluded.count"
    )


_COUNT_DAY = _counter("usage_days", "day")
_COUNT_REASON = _counter("action_failures", "reason")

# A use reported: the website's id, the action's, and when.
Use = tuple[str, str, datetime]


def _record_uses(connection: Connection, uses: list[Use]) -> list[int | None]:
    """Count each use, to its action's count and to its day's, as if one after another.

    Each action's uses are added in one statement, so that concurrent reports never share a
    count: the n-th of them is answered with the count it made. None for an unknown action.
    """
    by_action: dict[tuple[str, str], list[int]] = {}
    for position, (website_id, action_id, _) in enumerate(uses):
        by_action.setdefault((website_id, action_id), []).append(position)
    counts: list[int | None] = [None] * len(uses)
    for (website_id, action_id), positions in by_action.items():
        last_used = uses[positions[-1]][2]
        row = _RECORD_USES.one(connection, len(positions), last_used, website_id, action_id)
        if row is None:
            continue
        action_pk, usage_count = row
        first = int(usage_count) - len(positions)
        for made, position in enumerate(positions, 1):
            counts[position] = first + made
        days = Counter(uses[position][2].astimezone(UTC).date() for position in positions)
        for day, added in days.items():
            _COUNT_DAY.run(connection, action_pk, day, added)
    return counts


# record_usage(connection, website_id, action_id, now) -> the action's count, or None.
record_usage = Batchable(_record_uses)


# Every action of the website with its counts per day from a first day, one row per day used;
# an action never used in the span comes once, with no day.
_DAILY_USAGE = Statement.select(
    "actions.action_id, actions.intent, actions.is_active, days.day, days.count",
    "FROM actions LEFT OUTER JOIN ("
    " SELECT usage_days.action_pk, usage_days.day, usage_days.count FROM usage_days"
    " JOIN actions ON usage_days.action_pk = actions.id AND usage_days.day >= ?"
    " WHERE actions.website_id = ?"
    ") AS days ON days.action_pk = actions.id WHERE actions.website_id = ?",
)


def daily_usage(connection: Connection, website_id: str, first_day: date) -> list[Any]:
    return _DAILY_USAGE.all(connection, first_day, website_id, website_id)


_RECORD_FAILURE = Statement(
    "UPDATE actions SET failure_count = failure_count + 1,"
    " consecutive_failures = consecutive_failures + 1, last_failure_at = ?,"
    f" last_failure_reason = ?, last_failure_message = ? WHERE {_ONE_ACTION}"
    " RETURNING id, failure_count, consecutive_failures, is_active",
    columns="id failure_count consecutive_failures is_active",
)
_FAILURE_LIMIT = Statement("SELECT auto_disable_after_failures FROM websites WHERE id = ?")
_SWITCH_OFF = Statement(
    "UPDATE actions SET is_active = ?, auto_disabled_at = ?, updated_at = ? WHERE id = ?"
)


@dataclass(frozen=True, slots=True)
class FailureRecorded:
    failure_count: int
    consecutive_failures: int
    is_active: bool
    auto_disabled: bool


def record_failure(
    connection: Connection,
    website_id: str,
    action_id: str,
    reason: str,
    message: str | None,
    now: datetime,
) -> FailureRecorded | None:
    """Count one failure, in total, for its reason and in the current run; switch the action
    off when the run reaches the website's limit. None if there is no such action."""
    row = _RECORD_FAILURE.one(connection, now, reason, message, website_id, action_id)
    if row is None:
        return None
    _COUNT_REASON.run(connection, row.id, reason, 1)
    found = _FAILURE_LIMIT.one(connection, website_id)
    limit = None if found is None else found[0]
    switch_off = row.is_active and limit is not None and row.consecutive_failures >= limit
    if switch_off:
        _SWITCH_OFF.run(connection, False, now, now, row.id)
    return FailureRecorded(
        failure_count=row.failure_count,
        consecutive_failures=row.consecutive_failures,
        is_active=row.is_active and not switch_off,
        auto_disabled=switch_off,
    )


_OWNED_ACTIONS = Statement.select(
    f"{DISCOVERY_COLUMNS}, created_at, registered_at, updated_at, consecutive_failures,"
    " last_failure_reason, last_failure_message, auto_disabled_at",
    "FROM actions WHERE website_id = ?",
)
_FAILURES_BY_REASON = Statement.select(
    "actions.action_id, action_failures.reason, action_failures.count",
    "FROM actions JOIN action_failures ON action_failures.action_pk = actions.id"
    " WHERE actions.website_id = ?",
)


def owned_actions(connection: Connection, website_id: str) -> tuple[list[Any], list[Any]]:
    """Every action of the website, active or not, and its failure counts by reason."""
    listed = _OWNED_ACTIONS.all(connection, website_id)
    return listed, _FAILURES_BY_REASON.all(connection, website_id)


_DELETE_ACTION = Statement(f"DELETE FROM actions WHERE {_ONE_ACTION}")


def delete_action(connection: Connection, website_id: str, action_id: str) -> bool:
    return _DELETE_ACTION.run(connection, website_id, action_id) > 0
