"""Every query on actions."""

import sqlite3
from datetime import UTC, datetime
from typing import Any, cast

import orjson
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from orbito.db.tables import actions, websites

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
)


def _one_action(website_id: str, action_id: str):  # type: ignore[no-untyped-def]
    return (actions.c.website_id == website_id) & (actions.c.action_id == action_id)


# What the SDK describes of an action, and what registration replaces: those and its times.
DESCRIBED_FIELDS = ("intent", "description", "selector", "parameters", "position", "meta")
REGISTERED_FIELDS = (*DESCRIBED_FIELDS, "registered_at", "updated_at")
# Built once, as the SDK sends the same registration on every page load: building the
# statement for each cost four times running it.
_UPDATE_REGISTRATION = (
    update(actions)
    .where(actions.c.website_id == bindparam("website"), actions.c.action_id == bindparam("action"))
    .values({name: bindparam(name) for name in REGISTERED_FIELDS})
)


_REGISTRATION = select(*(actions.c[name] for name in (*DESCRIBED_FIELDS, "registered_at"))).where(
    actions.c.website_id == bindparam("website"), actions.c.action_id == bindparam("action")
)


def registration(connection: Connection, website_id: str, action_id: str) -> Any:
    """What the SDK last registered of an action, and when; None if there is no such action."""
    parameters = {"website": website_id, "action": action_id}
    return connection.execute(_REGISTRATION, parameters).one_or_none()


# The same statement as the SQLite driver takes it (see `_sqlite_driver`).
_UPDATE_REGISTRATION_SQLITE = (
    "UPDATE actions SET intent = ?, description = ?, selector = ?, parameters = ?,"
    " position = ?, meta = ?, registered_at = ?, updated_at = ?"
    " WHERE website_id = ? AND action_id = ?"
)


def update_registration(
    connection: Connection, website_id: str, action_id: str, fields: dict[str, Any]
) -> bool:
    """Replace what the SDK describes of an existing action; False if there is none."""
    if connection.dialect.name == "sqlite":
        values = (
            fields["intent"],
            fields["description"],
            fields["selector"],
            _sqlite_json(fields["parameters"]),
            _sqlite_json(fields["position"]),
            _sqlite_json(fields["meta"]),
            _sqlite_time(fields["registered_at"]),
            _sqlite_time(fields["updated_at"]),
            website_id,
            action_id,
        )
        return _sqlite_driver(connection).execute(_UPDATE_REGISTRATION_SQLITE, values).rowcount > 0
    parameters = {"website": website_id, "action": action_id, **fields}
    return connection.execute(_UPDATE_REGISTRATION, parameters).rowcount > 0


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


def set_status(
    connection: Connection, website_id: str, action_id: str, is_active: bool, now: datetime
) -> bool:
    result = connection.execute(
        update(actions)
        .where(_one_action(website_id, action_id))
        .values(is_active=is_active, updated_at=now)
    )
    return result.rowcount > 0


# Built once: usage is the busiest write, and building the statement cost more than running it.
_RECORD_USAGE = (
    update(actions)
    .where(actions.c.website_id == bindparam("website"), actions.c.action_id == bindparam("action"))
    .values(usage_count=actions.c.usage_count + 1, last_used=bindparam("now"))
    .returning(actions.c.usage_count)
)


# The same statement as the SQLite driver takes it (see `_sqlite_driver`).
_RECORD_USAGE_SQLITE = (
    "UPDATE actions SET usage_count = usage_count + 1, last_used = ?"
    " WHERE website_id = ? AND action_id = ? RETURNING usage_count"
)


def record_usage(
    connection: Connection, website_id: str, action_id: str, now: datetime
) -> int | None:
    """Add one use in a single statement, so that concurrent reports never share a count."""
    if connection.dialect.name == "sqlite":
        values = (_sqlite_time(now), website_id, action_id)
        row = _sqlite_driver(connection).execute(_RECORD_USAGE_SQLITE, values).fetchone()
        return None if row is None else row[0]
    parameters = {"website": website_id, "action": action_id, "now": now}
    return connection.execute(_RECORD_USAGE, parameters).scalar_one_or_none()


def delete_action(connection: Connection, website_id: str, action_id: str) -> bool:
    result = connection.execute(delete(actions).where(_one_action(website_id, action_id)))
    return result.rowcount > 0


def _sqlite_driver(connection: Connection) -> sqlite3.Connection:
    """The driver's own connection, inside the unit of work's transaction.

    The busiest writes, usage and re-registration, run their statements on it: on SQLite the
    writer thread shares a core with the event loop, and SQLAlchemy's execution path cost
    several times the statement. Values go in as SQLAlchemy would store them.
    """
    return cast(sqlite3.Connection, connection.connection.driver_connection)


def _sqlite_time(moment: datetime) -> str:
    # How SQLAlchemy stores a DateTime on SQLite: naive UTC, always with microseconds.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_json(value: Any) -> str | None:
    # How the JSON columns store a value: orjson's text, and None as SQL NULL.
    return None if value is None else orjson.dumps(value).decode()
