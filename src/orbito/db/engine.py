"""The database: one way to run a unit of work, whichever server is behind it.

Repositories are plain synchronous SQLAlchemy Core functions taking a Connection. A unit of
work runs in one transaction and commits when it returns. On PostgreSQL it runs through
asyncpg on the event loop, via SQLAlchemy's `run_sync`. On SQLite it runs right on the event
loop with the standard driver: its statements take microseconds, while handing them to other
threads cost milliseconds in waits for the interpreter lock under load.
"""

import logging
import os
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import orjson
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

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
    exc.InterfaceError,
    exc.DisconnectionError,
    exc.TimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)

# An outage fails every request; one line a minute says so without flooding the log.
_outage_log = Throttle(60.0)

_JSON = {
    "json_serializer": lambda value: orjson.dumps(value).decode(),
    "json_deserializer": orjson.loads,
}


class Database(Protocol):
    dialect: str

    async def read(self, work: Work[Result], *args: Any) -> Result: ...

    async def write(self, work: Work[Result], *args: Any) -> Result: ...

    async def dispose(self) -> None: ...


def open_database(settings: Settings) -> "SQLiteDatabase | PostgresDatabase":
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return SQLiteDatabase(url, settings)
    if url.get_backend_name() == "postgresql":
        return PostgresDatabase(url, settings)
    raise ValueError(
        f"unsupported database {url.get_backend_name()!r}: use sqlite:// or postgresql://"
    )


# SQLSTATE classes in which the server, not the statement, is the trouble: connection failures,
# too many clients, a server starting or shutting down, refused credentials, a missing database.
UNAVAILABLE_SQLSTATES = ("08", "53", "57", "28", "3D")


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


def _translated(error: Exception) -> Exception:
    """The error a failed unit of work is answered with."""
    if _unavailable(error):
        if _outage_log.due():
            log.warning("db.unavailable", extra={"error": type(error).__name__})
        return ServiceUnavailable()
    if isinstance(error, exc.DataError):
        # Validation keeps such values out; should one slip through, it is still the client's.
        log.warning("db.value_refused", extra={"error": type(error).__name__})
        return InvalidSchema.single("body", "a value could not be stored")
    return error


def _identity(path: str | None) -> tuple[int, int] | None:
    try:
        stat = os.stat(path) if path else None
    except FileNotFoundError:
        return None
    return None if stat is None else (stat.st_dev, stat.st_ino)


class SQLiteDatabase:
    dialect = "sqlite"

    def __init__(self, url: URL, settings: Settings) -> None:
        # Units of work run one at a time on the event loop, so one connection is all they use.
        self.engine: Engine = create_sync_engine(
            url.set(drivername="sqlite+pysqlite"),
            poolclass=StaticPool,
            connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
            **_JSON,
        )
        _take_over_sqlite_transactions(self.engine, settings.sqlite_busy_timeout_ms)
        self._path = url.database if url.database and url.database != ":memory:" else None
        self._file: tuple[int, int] | None = None

    async def read(self, work: Work[Result], *args: Any) -> Result:
        return self._run(False, work, args)

    async def write(self, work: Work[Result], *args: Any) -> Result:
        """Run `work` in a transaction that holds the write lock from its start, and commit."""
        return self._run(True, work, args)

    def _run(self, immediate: bool, work: Work[Result], args: tuple[Any, ...]) -> Result:
        self._check_file()
        try:
            with self.engine.connect() as connection:
                if self._path and self._file is None:
                    self._file = _identity(self._path)
                if immediate:
                    connection = connection.execution_options(sqlite_immediate=True)
                with connection.begin():
                    return work(connection, *args)
        except (exc.SQLAlchemyError, *UNREACHABLE) as error:
            translated = _translated(error)
            if translated is error:
                raise
            raise translated from error

    def _check_file(self) -> None:
        """Refuse to go on with a database file that was deleted or replaced under us.

        The open connection would keep writing to the deleted file, and every write would be
        answered as committed while nothing of it would be there after a restart.
        """
        if self._file is None or _identity(self._path) == self._file:
            return
        log.error("db.file_replaced", extra={"path": self._path})
        self.engine.dispose()
        self._file = None
        raise ServiceUnavailable()

    async def dispose(self) -> None:
        self.engine.dispose()


def _take_over_sqlite_transactions(engine: Engine, busy_timeout_ms: int) -> None:
    """Let us issue BEGIN ourselves, so that writers can take the write lock up front.

    A deferred transaction that reads and then writes can fail at once with "database is
    locked" when another writer got there first; BEGIN IMMEDIATE waits for the lock instead.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # In WAL mode, FULL syncs the log at every commit: a 2xx survives a power cut too.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, url: URL, settings: Settings) -> None:
        self.engine: AsyncEngine = create_async_engine(
            url.set(drivername="postgresql+asyncpg"),
            pool_size=settings.database_pool_size,
            max_overflow=0,
            pool_timeout=settings.database_pool_timeout_seconds,
            pool_pre_ping=True,
            connect_args={
                "timeout": settings.database_connect_timeout_seconds,
                # Bounds a statement on a connection whose peer went silent, which would
                # otherwise wait for the operating system to give up, many minutes later.
                "command_timeout": settings.database_statement_timeout_seconds,
            },
            **_JSON,
        )

    async def read(self, work: Work[Result], *args: Any) -> Result:
        return await self._run(work, args)

    async def write(self, work: Work[Result], *args: Any) -> Result:
        return await self._run(work, args)

    async def _run(self, work: Work[Result], args: tuple[Any, ...]) -> Result:
        try:
            async with self.engine.begin() as connection:
                return await connection.run_sync(work, *args)
        except (exc.SQLAlchemyError, *UNREACHABLE) as error:
            translated = _translated(error)
            if translated is error:
                raise
            raise translated from error

    async def dispose(self) -> None:
        await self.engine.dispose()
