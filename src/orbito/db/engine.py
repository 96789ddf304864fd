"""The database: one way to run a unit of work, whichever server is behind it.

Repositories are plain synchronous SQLAlchemy Core functions taking a Connection. A unit of
work runs in one transaction and is committed before `read` or `write` returns. How that
happens on each server is in `orbito.db.sqlite` and `orbito.db.postgres`.
"""

import logging
import sqlite3
from collections.abc import Callable
from typing import Any, NoReturn, Protocol, TypeVar

import orjson
from sqlalchemy import exc
from sqlalchemy.engine import make_url

from orbito.errors import InvalidSchema, ServiceUnavailable
from orbito.logs import Throttle
from orbito.settings import Settings

log = logging.getLogger("orbito.db")

Result = TypeVar("Result")
Work = Callable[..., Result]

# Failures that mean the database could not be reached or did not answer in time, as opposed
# to a fault in a query: these become 503 SERVICE_UNAVAILABLE rather than 500.
UNREACHABLE = (
    exc.OperationalError,
    # The same failures from statements run on SQLite's own driver (see orbito.db.rawsqlite):
    # a file that cannot be opened, a lock not had within the busy timeout, a missing table.
    sqlite3.OperationalError,
    exc.InterfaceError,
    exc.DisconnectionError,
    exc.TimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)

# An outage fails every request; one line a minute says so without flooding the log.
_outage_log = Throttle(60.0)

JSON_CODEC = {
    "json_serializer": lambda value: orjson.dumps(value).decode(),
    "json_deserializer": orjson.loads,
}


class Database(Protocol):
    async def read(self, work: Work[Result], *args: Any) -> Result: ...

    async def write(self, work: Work[Result], *args: Any) -> Result: ...

    async def dispose(self) -> None: ...


def open_database(settings: Settings) -> Database:
    url = make_url(settings.database_url)
    # Each module is imported only when used: the PostgreSQL driver and SQLAlchemy's asyncio
    # layer alone add about 12 MB to a process that serves SQLite.
    if url.get_backend_name() == "sqlite":
        from orbito.db.sqlite import SQLiteDatabase

        return SQLiteDatabase(url, settings)
    if url.get_backend_name() == "postgresql":
        from orbito.db.postgres import PostgresDatabase

        return PostgresDatabase(url, settings)
    raise ValueError(
        f"unsupported database {url.get_backend_name()!r}: use sqlite:// or postgresql://"
    )


# SQLSTATE classes in which the server, not the statement, is the trouble: connection failures,
# too many clients, a server starting or shutting down, refused credentials, a missing database;
# and one code, a missing table, which means a database not migrated (as `/readyz` says).
UNAVAILABLE_SQLSTATES = ("08", "53", "57", "28", "3D", "42P01")


def _unavailable(error: Exception) -> bool:
    if isinstance(error, UNREACHABLE):
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    sqlstate = str(getattr(error.orig, "sqlstate", None) or "")
    # A failure with no statement happened while connecting, before any query ran.
    return (
        error.connection_invalidated
        or error.statement is None
        or sqlstate.startswith(UNAVAILABLE_SQLSTATES)
    )


def translated(error: Exception) -> Exception:
    """The error a failed unit of work is answered with, caused by the original."""
    answer = _answer_for(error)
    if answer is not error:
        answer.__cause__ = error
    return answer


def _answer_for(error: Exception) -> Exception:
    if _unavailable(error):
        if _outage_log.due():
            log.warning("db.unavailable", extra={"error": type(error).__name__})
        return ServiceUnavailable()
    if isinstance(error, exc.DataError):
        # Validation keeps such values out; should one slip through, it is still the client's.
        log.warning("db.value_refused", extra={"error": type(error).__name__})
        return InvalidSchema.single("body", "a value could not be stored")
    return error


def raise_translated(error: Exception) -> NoReturn:
    """Raise what a failed unit of work is answered with, keeping the original as its cause."""
    answer = translated(error)
    if answer is error:
        raise error
    raise answer from error
