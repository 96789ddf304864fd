"""The database: one way to run a unit of work, whichever server is behind it.

Repositories are plain synchronous functions taking a connection, on which they run the
statements of `orbito.db.sql`. A unit of work runs in one transaction and is committed before
`read` or `write` returns. How that happens on each server is in `orbito.db.sqlite` and
`orbito.db.postgres`.
"""

import logging
import sqlite3
from collections.abc import Callable
from typing import Any, Generic, NoReturn, Protocol, TypeVar

from orbito.errors import InvalidSchema, ServiceUnavailable
from orbito.logs import Throttle
from orbito.settings import Settings

log = logging.getLogger("orbito.db")

Result = TypeVar("Result")
Work = Callable[..., Result]


class Batchable(Generic[Result]):
    """A write that can be made for several callers at once, as if each had made it in turn.

    Called with one caller's arguments, it is the write; `batch` takes the arguments of several
    callers, in order, and gives each its result. The SQLite writer, which commits the writes
    that arrive together in one transaction, makes each run of these in the group with one
    call: a popular action's usage reports become one statement rather than one each.
    """

    def __init__(self, batch: Callable[[Any, list[tuple[Any, ...]]], list[Result]]) -> None:
        self.batch = batch

    def __call__(self, connection: Any, *args: Any) -> Result:
        return self.batch(connection, [args])[0]


# Failures that mean the database could not be reached or did not answer in time, as opposed
# to a fault in a query: these become 503 SERVICE_UNAVAILABLE rather than 500. On SQLite: a
# file that cannot be opened, a lock not had within the busy timeout, a missing table.
# `orbito.db.postgres` adds SQLAlchemy's own.
UNREACHABLE: tuple[type[Exception], ...] = (sqlite3.OperationalError, OSError)
# A value the database refused to store.
REFUSED_VALUES: tuple[type[Exception], ...] = (sqlite3.DataError,)

# An outage fails every request; one line a minute says so without flooding the log.
_outage_log = Throttle(60.0)


class Database(Protocol):
    async def read(self, work: Work[Result], *args: Any) -> Result: ...

    async def write(self, work: Work[Result], *args: Any) -> Result: ...

    async def dispose(self) -> None: ...


def sqlite_path(database_url: str) -> str | None:
    """The file a `sqlite:///path` URL names (checked by Settings); None for another database."""
    if not database_url.startswith("sqlite:"):
        return None
    return database_url.removeprefix("sqlite:///")


def open_database(settings: Settings) -> Database:
    # Each module is imported only when used: SQLAlchemy, the PostgreSQL driver and its
    # asyncio layer add about 30 MB to a process that serves SQLite.
    path = sqlite_path(settings.database_url)
    if path is not None:
        from orbito.db.sqlite import SQLiteDatabase

        return SQLiteDatabase(path, settings)
    if settings.database_url.startswith("postgresql://"):
        from orbito.db.postgres import PostgresDatabase

        return PostgresDatabase(settings.database_url, settings)
    raise ValueError("unsupported database: use sqlite:///path or postgresql://")


def unreachable(error: Exception) -> bool:
    # SQLite raises its DatabaseError itself, not a subclass, for a file it cannot use (one
    # malformed, one that is not a database); a subclass is a fault of a statement.
    return isinstance(error, UNREACHABLE) or type(error) is sqlite3.DatabaseError


def refused_value(error: Exception) -> bool:
    return isinstance(error, REFUSED_VALUES)


def translated(
    error: Exception,
    unavailable: Callable[[Exception], bool] = unreachable,
    refused: Callable[[Exception], bool] = refused_value,
) -> Exception:
    """The error a failed unit of work is answered with, caused by the original.

    `unavailable` tells a database that cannot be reached, and `refused` a value it would not
    store, each in the errors of the server in use.
    """
    answer = error
    if unavailable(error):
        if _outage_log.due():
            log.warning("db.unavailable", extra={"error": type(error).__name__})
        answer = ServiceUnavailable()
    elif refused(error):
        # Validation keeps such values out; should one slip through, it is still the client's.
        log.warning("db.value_refused", extra={"error": type(error).__name__})
        answer = InvalidSchema.single("body", "a value could not be stored")
    if answer is not error:
        answer.__cause__ = error
    return answer


def raise_translated(error: Exception, *checks: Callable[[Exception], bool]) -> NoReturn:
    """Raise what a failed unit of work is answered with, keeping the original as its cause."""
    answer = translated(error, *checks)
    if answer is error:
        raise error
    raise answer from error
