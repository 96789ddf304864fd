"""Every query on actions."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.dml import Insert

from orbito.db import rawsqlite
from orbito.db.tables import action_failures, actions, usage_days, websites

DISCOVERY_COLUMNS = (
    actions.c.action_id,
    actions.c.intent,
    actions.c.description,
    actions.c.selector,
    actions.c.parameters,
    actions.c.position,
    actions.c.meta,
    actions.c.is_active,
    actions.c.usage_count,
    actions.c.last_used,
    actions.c.failure_count,
    actions.c.last_failure_at,
)


# Every statement on one action is built once around this, with `website` and `action` bound
# at each call: building a statement cost more than running it.
_ONE_ACTION = (actions.c.website_id == bindparam("website")) & (
    actions.c.action_id == bindparam("action")
)


def _of(website_id: str, action_id: str, **values: Any) -> dict[str, Any]:
    return {"website": website_id, "action": action_id, **values}


# What the SDK describes of an action, and what registration replaces: those and its times.
DESCRIBED_FIELDS = ("intent", "description", "selector", "parameters", "position", "meta")
REGISTERED_FIELDS = (*DESCRIBED_FIELDS, "registered_at", "updated_at")
_REGISTRATION_FIELDS = (*DESCRIBED_FIELDS, "registered_at")
_REGISTRATION = select(*(actions.c[name] for name in _REGISTRATION_FIELDS)).where(_ONE_ACTION)
_REGISTRATION_SQLITE = (
    f"SELECT {', '.join(_REGISTRATION_FIELDS)} FROM actions WHERE website_id = ? AND action_id = ?"
)
_UPDATE_REGISTRATION = (
    update(actions).where(_ONE_ACTION).values({name: bindparam(name) for name in REGISTERED_FIELDS})
)
# The same statement as the SQLite driver takes it (see `orbito.db.rawsqlite`), with each value
# stored as SQLAlchemy would store it.
_UPDATE_REGISTRATION_SQLITE = (
    f"UPDATE actions SET {', '.join(f'{name} = ?' for name in REGISTERED_FIELDS)}"
    " WHERE website_id = ? AND action_id = ?"
)


def registration(connection: Connection, website_id: str, action_id: str) -> dict | None:
    """What the SDK last registered of an action, and when; None if there is no such action."""
    if connection.dialect.name == "sqlite":
        statement = rawsqlite.driver(connection).execute(
            _REGISTRATION_SQLITE, (website_id, action_id)
        )
        stored = statement.fetchone()
        if stored is None:
            return None
        return {
            name: codec.read(value) if (codec := _SQLITE_CODECS.get(name)) else value
            for name, value in zip(_REGISTRATION_FIELDS, stored, strict=True)
        }
    row = connection.execute(_REGISTRATION, _of(website_id, action_id)).one_or_none()
    return None if row is None else dict(row._mapping)


def update_registration(
    connection: Connection, website_id: str, action_id: str, fields: dict[str, Any]
) -> bool:
    """Replace what the SDK describes of an existing action; False if there is none."""
    if connection.dialect.name == "sqlite":
        stored = [
            codec.store(fields[name]) if (codec := _SQLITE_CODECS.get(name)) else fields[name]
            for name in REGISTERED_FIELDS
        ]
        values = (*stored, website_id, action_id)
        updated = rawsqlite.driver(connection).execute(_UPDATE_REGISTRATION_SQLITE, values)
        return updated.rowcount > 0
    return (
        connection.execute(_UPDATE_REGISTRATION, _of(website_id, action_id, **fields)).rowcount > 0
    )


def lock_website(connection: Connection, website_id: str) -> None:
    """Serialise the creation of a website's actions, so that the per-website cap holds.

    SQLite needs nothing here: its write transactions already run one at a time.
    """
    if connection.dialect.name != "sqlite":
        connection.execute(
            select(websites.c.id).where(websites.c.id == website_id).with_for_update()
        )


def count_actions(connection: Connection, website_id: str) -> int:
    query = select(func.count()).select_from(actions).where(actions.c.website_id == website_id)
    return int((connection.execute(query)).scalar_one())


def insert_action(
    connection: Connection, website_id: str, action_id: str, fields: dict[str, Any], now: datetime
) -> None:
    connection.execute(
        insert(actions).values(
            website_id=website_id,
            action_id=action_id,
            is_active=True,
            usage_count=0,
            last_used=None,
            created_at=now,
            **fields,
        )
    )


def list_actions(connection: Connection, website_id: str, is_active: bool) -> list[Any]:
    order: ColumnElement[str] = actions.c.action_id
    if connection.dialect.name == "postgresql":
        order = order.collate("C")  # byte order, as on SQLite, whatever the database's locale
    query = (
        select(*DISCOVERY_COLUMNS)
        .where(actions.c.website_id == website_id, actions.c.is_active == is_active)
        .order_by(order)
    )
    return list((connection.execute(query)).all())


_SET_STATUS = (
    update(actions)
    .where(_ONE_ACTION)
    # The owner's word starts afresh: no run of failures, no switch-off by them.
    .values(
        is_active=bindparam("is_active"),
        updated_at=bindparam("now"),
        consecutive_failures=0,
        auto_disabled_at=None,
    )
)


def set_status(
    connection: Connection, website_id: str, action_id: str, is_active: bool, now: datetime
) -> bool:
    parameters = _of(website_id, action_id, is_active=is_active, now=now)
    return connection.execute(_SET_STATUS, parameters).rowcount > 0


_RECORD_USAGE = (
    update(actions)
    .where(_ONE_ACTION)
    .values(
        usage_count=actions.c.usage_count + 1, last_used=bindparam("now"), consecutive_failures=0
    )
    .returning(actions.c.id, actions.c.usage_count)
)
# The same statement as the SQLite driver takes it (see `orbito.db.rawsqlite`).
_RECORD_USAGE_SQLITE = (
    "UPDATE actions SET usage_count = usage_count + 1, last_used = ?, consecutive_failures = 0"
    " WHERE website_id = ? AND action_id = ? RETURNING id, usage_count"
)


class _Counter:
    """Adds one to an action's count under a key (its day, a reason) in a table of counts."""

    def __init__(self, table: Table, key: str) -> None:
        self.table = table
        self.key = key
        # The same as the SQLite driver takes it, for the usage report's sake.
        self.sqlite = (
            f"INSERT INTO {table.name} (action_pk, {key}, count) VALUES (?, ?, 1)"
            f" ON CONFLICT (action_pk, {key}) DO UPDATE SET count = count + 1"
        )

    @cached_property
    def statement(self) -> Insert:
        # Built at first use: SQLAlchemy's PostgreSQL dialect is 2 MB a SQLite server never needs.
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return (
            pg_insert(self.table)
            .values(action_pk=bindparam("pk"), **{self.key: bindparam("key")}, count=1)
            .on_conflict_do_update(
                index_elements=[self.table.c.action_pk, self.table.c[self.key]],
                set_={"count": self.table.c.count + 1},
            )
        )

    def add(self, connection: Connection, action_pk: int, key: Any) -> None:
        if connection.dialect.name == "sqlite":
            stored = key.isoformat() if isinstance(key, date) else key
            rawsqlite.driver(connection).execute(self.sqlite, (action_pk, stored))
        else:
            connection.execute(self.statement, {"pk": action_pk, "key": key})


_COUNT_DAY = _Counter(usage_days, "day")
_COUNT_REASON = _Counter(action_failures, "reason")


def record_usage(
    connection: Connection, website_id: str, action_id: str, now: datetime
) -> int | None:
    """Add one use, to the action's count and to its day's, in single statements, so that
    concurrent reports never share a count."""
    day = now.astimezone(UTC).date()
    if connection.dialect.name == "sqlite":
        values = (rawsqlite.stored_time(now), website_id, action_id)
        row = rawsqlite.driver(connection).execute(_RECORD_USAGE_SQLITE, values).fetchone()
    else:
        row = connection.execute(_RECORD_USAGE, _of(website_id, action_id, now=now)).fetchone()
    if row is None:
        return None
    action_pk, usage_count = row
    _COUNT_DAY.add(connection, action_pk, day)
    return usage_count


def daily_usage(connection: Connection, website_id: str, first_day: date) -> list[Any]:
    """Every action of the website with its counts per day from `first_day`, one row per day
    used; an action never used in the span comes once, with no day."""
    counted = usage_days.join(
        actions, (usage_days.c.action_pk == actions.c.id) & (usage_days.c.day >= first_day)
    )
    days = (
        select(usage_days.c.action_pk, usage_days.c.day, usage_days.c.count)
        .select_from(counted)
        .where(actions.c.website_id == website_id)
        .subquery()
    )
    query = (
        select(actions.c.action_id, actions.c.intent, actions.c.is_active, days.c.day, days.c.count)
        .select_from(actions.outerjoin(days, days.c.action_pk == actions.c.id))
        .where(actions.c.website_id == website_id)
    )
    return list(connection.execute(query).all())


_RECORD_FAILURE = (
    update(actions)
    .where(_ONE_ACTION)
    .values(
        failure_count=actions.c.failure_count + 1,
        consecutive_failures=actions.c.consecutive_failures + 1,
        last_failure_at=bindparam("now"),
        last_failure_reason=bindparam("reason"),
        last_failure_message=bindparam("message"),
    )
    .returning(
        actions.c.id, actions.c.failure_count, actions.c.consecutive_failures, actions.c.is_active
    )
)
_FAILURE_LIMIT = select(websites.c.auto_disable_after_failures).where(
    websites.c.id == bindparam("website")
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
    parameters = _of(website_id, action_id, now=now, reason=reason, message=message)
    row = connection.execute(_RECORD_FAILURE, parameters).one_or_none()
    if row is None:
        return None
    _COUNT_REASON.add(connection, row.id, reason)
    limit = connection.execute(_FAILURE_LIMIT, {"website": website_id}).scalar()
    switch_off = row.is_active and limit is not None and row.consecutive_failures >= limit
    if switch_off:
        connection.execute(
            update(actions)
            .where(actions.c.id == row.id)
            .values(is_active=False, auto_disabled_at=now, updated_at=now)
        )
    return FailureRecorded(
        failure_count=row.failure_count,
        consecutive_failures=row.consecutive_failures,
        is_active=row.is_active and not switch_off,
        auto_disabled=switch_off,
    )


def owned_actions(connection: Connection, website_id: str) -> tuple[list[Any], list[Any]]:
    """Every action of the website, active or not, and its failure counts by reason."""
    listed = connection.execute(
        select(
            *DISCOVERY_COLUMNS,
            actions.c.created_at,
            actions.c.registered_at,
            actions.c.updated_at,
            actions.c.consecutive_failures,
            actions.c.last_failure_reason,
            actions.c.last_failure_message,
            actions.c.auto_disabled_at,
        ).where(actions.c.website_id == website_id)
    ).all()
    by_reason = connection.execute(
        select(actions.c.action_id, action_failures.c.reason, action_failures.c.count)
        .select_from(actions.join(action_failures, action_failures.c.action_pk == actions.c.id))
        .where(actions.c.website_id == website_id)
    ).all()
    return list(listed), list(by_reason)


_DELETE_ACTION = delete(actions).where(_ONE_ACTION)


def delete_action(connection: Connection, website_id: str, action_id: str) -> bool:
    return connection.execute(_DELETE_ACTION, _of(website_id, action_id)).rowcount > 0


# How each registered field that is not plain text goes into SQLite, and comes out of it.
_SQLITE_CODECS = {
    "parameters": rawsqlite.JSON,
    "position": rawsqlite.JSON,
    "meta": rawsqlite.JSON,
    "registered_at": rawsqlite.TIME,
    "updated_at": rawsqlite.TIME,
}
