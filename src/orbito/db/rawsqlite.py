"""Statements run on SQLite's own driver, inside a unit of work's transaction.

The busiest paths (a key's look-up, usage, re-registration) run their statements on the
driver: on SQLite the statement takes microseconds, and SQLAlchemy's execution path cost
several times as much. Values go in and come out exactly as SQLAlchemy's column types store
and read them, so that either path reads what the other wrote.
"""

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import orjson
from sqlalchemy.engine import Connection


def driver(connection: Connection) -> sqlite3.Connection:
    """The driver's own connection, in the transaction `connection` has begun."""
    return cast(sqlite3.Connection, connection.connection.driver_connection)


def stored_time(moment: datetime) -> str:
    # How SQLAlchemy stores a DateTime on SQLite: naive UTC, always with microseconds.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def read_time(stored: str | None) -> datetime | None:
    return None if stored is None else datetime.fromisoformat(stored).replace(tzinfo=UTC)


def stored_json(value: Any) -> str | None:
    # How the JSON columns store a value: orjson's text, and None as SQL NULL.
    return None if value is None else orjson.dumps(value).decode()


def read_json(stored: str | None) -> Any:
    return None if stored is None else orjson.loads(stored)


@dataclass(frozen=True, slots=True)
class Codec:
    """How a column's values go into SQLite and come out of it."""

    store: Callable[[Any], Any]
    read: Callable[[Any], Any]


TIME = Codec(stored_time, read_time)
JSON = Codec(stored_json, read_json)
