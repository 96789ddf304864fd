"""Statements written once, run on SQLite's own driver or, through SQLAlchemy, on PostgreSQL.

A unit of work gets the connection of whichever database is configured: SQLite's `sqlite3`
connection, or SQLAlchemy's on PostgreSQL. A server on SQLite never loads SQLAlchemy (about
15 MB in every worker); PostgreSQL is reached through SQLAlchemy's pool and asyncio layer.

Values go in and come out as the service uses them: aware UTC datetimes, dates, booleans, and
JSON documents as Python values. SQLite keeps them as text and integers, exactly as
SQLAlchemy's column types do (the migrations build the schema with them), so that a database
reads the same whichever wrote it.
"""

import itertools
import re
import sqlite3
from collections import namedtuple
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeAlias

import orjson

# sqlite3.Connection on SQLite, SQLAlchemy's Connection on PostgreSQL.
Connection: TypeAlias = Any


class IntegrityViolation(Exception):
    """A constraint refused a write: on our schema, a value that must be unique is taken."""


def is_sqlite(connection: Connection) -> bool:
    return isinstance(connection, sqlite3.Connection)


def stored_time(moment: datetime) -> str:
    # How SQLAlchemy stores a DateTime on SQLite: naive UTC, always with microseconds.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _read_time(stored: str | None) -> datetime | None:
    return None if stored is None else datetime.fromisoformat(stored).replace(tzinfo=UTC)


def _read_json(stored: str | None) -> Any:
    return None if stored is None else orjson.loads(stored)


def _read_bool(stored: int | None) -> bool | None:
    return None if stored is None else bool(stored)


def _read_day(stored: str | None) -> date | None:
    return None if stored is None else date.fromisoformat(stored)


# How SQLite gives back each column that it does not keep as the service uses it, by the
# column's name: the schema gives each of these names one meaning. A test holds this to the
# tables' own column types.
SQLITE_READERS: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(
        (
            "created_at",
            "registered_at",
            "updated_at",
            "last_used",
            "last_failure_at",
            "auto_disabled_at",
            "expires_at",
            "verified_at",
            "verification_checked_at",
            "disabled_at",
        ),
        _read_time,
    ),
    **dict.fromkeys(("parameters", "position", "meta", "verification_results"), _read_json),
    "is_active": _read_bool,
    "day": _read_day,
}


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return stored_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return _json_text(value)
    return value


def _postgres_value(value: Any) -> Any:
    # The driver's codec for `json` takes the document's text (see SQLAlchemy's asyncpg dialect).
    return _json_text(value) if isinstance(value, dict | list) else value


class Statement:
    """One statement, with `?` for each value, and the names of the columns it answers with."""

    __slots__ = ("sqlite", "postgres", "row", "readers")

    def __init__(self, text: str, *, postgres: str | None = None, columns: str = "") -> None:
        self.sqlite = text
        numbers = itertools.count(1)
        self.postgres = re.sub(r"\?", lambda _: f"${next(numbers)}", postgres or text)
        names = columns.split()
        self.row: Any = namedtuple("Row", names) if names else None  # type: ignore[misc]
        readers = [SQLITE_READERS.get(name) for name in names]
        self.readers = readers if any(readers) else None

    @classmethod
    def select(cls, columns: str, rest: str, *, postgres: str | None = None) -> "Statement":
        """SELECT the given columns (`name`, `table.name` or `expression AS name`), then `rest`."""
        listed = [column.strip() for column in columns.split(",")]
        names = " ".join(_name(column) for column in listed)
        text = f"SELECT {', '.join(listed)} {rest}"
        return cls(
            text, postgres=postgres and f"SELECT {', '.join(listed)} {postgres}", columns=names
        )

    def _rows(self, connection: Connection, values: tuple[Any, ...]) -> Any:
        if isinstance(connection, sqlite3.Connection):
            try:
                return connection.execute(self.sqlite, tuple(map(_sqlite_value, values)))
            except sqlite3.IntegrityError as error:
                raise IntegrityViolation(str(error)) from error
        from sqlalchemy.exc import IntegrityError  # loaded already where PostgreSQL is used

        try:
            return connection.exec_driver_sql(self.postgres, tuple(map(_postgres_value, values)))
        except IntegrityError as error:
            raise IntegrityViolation(str(error.orig)) from error

    def run(self, connection: Connection, *values: Any) -> int:
        """Run it; how many rows it changed."""
        return int(self._rows(connection, values).rowcount)

    def one(self, connection: Connection, *values: Any) -> Any:
        """The first row of its answer, or None."""
        found = self._rows(connection, values).fetchone()
        return None if found is None else self._reader(connection)(found)

    def all(self, connection: Connection, *values: Any) -> list[Any]:
        rows = self._rows(connection, values).fetchall()
        return list(map(self._reader(connection), rows))

    def _reader(self, connection: Connection) -> Callable[[Any], Any]:
        """What makes one row of the answer, as the service uses it, from the driver's."""
        if self.row is None:
            return tuple
        make, readers = self.row._make, self.readers
        if readers is None or not isinstance(connection, sqlite3.Connection):
            return make  # type: ignore[no-any-return]
        return lambda row: make(
            [
                value if reader is None else reader(value)
                for reader, value in zip(readers, row, strict=True)
            ]
        )


def _name(column: str) -> str:
    expression, _, alias = column.rpartition(" AS ")
    return alias if expression else column.rpartition(".")[2]
