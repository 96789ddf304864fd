"""The database engine, and the two kinds of transaction every request uses."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from sqlalchemy import event, exc, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from orbito.errors import ServiceUnavailable
from orbito.settings import Settings

log = logging.getLogger("orbito.db")

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


def async_url(database_url: str) -> URL:
    url = make_url(database_url)
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        return url.set(drivername="sqlite+aiosqlite")
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        return url.set(drivername="postgresql+asyncpg")
    return url


def create_engine(settings: Settings) -> AsyncEngine:
    url = async_url(settings.database_url)
    common = {
        "json_serializer": lambda value: orjson.dumps(value).decode(),
        "json_deserializer": orjson.loads,
        "pool_size": settings.database_pool_size,
        "max_overflow": 0,
        "pool_timeout": settings.database_pool_timeout_seconds,
        "pool_pre_ping": url.get_backend_name() != "sqlite",
    }
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000}, **common)
        _take_over_sqlite_transactions(engine, settings.sqlite_busy_timeout_ms)
        return engine
    return create_async_engine(
        url,
        connect_args={"timeout": settings.database_connect_timeout_seconds},
        **common,
    )


def _take_over_sqlite_transactions(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    """Let us issue BEGIN ourselves, so that writers can take the write lock up front.

    A deferred transaction that reads and then writes can fail at once with "database is
    locked" when another writer got there first; BEGIN IMMEDIATE waits for the lock instead.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Hands out transactions; the one place where work is committed or rolled back."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self._transaction(immediate=False) as connection:
            yield connection

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits when the block ends without an error."""
        async with self._transaction(immediate=self.is_sqlite) as connection:
            yield connection

    @asynccontextmanager
    async def _transaction(self, *, immediate: bool) -> AsyncIterator[AsyncConnection]:
        try:
            async with self.engine.connect() as connection:
                if immediate:
                    await connection.execution_options(sqlite_immediate=True)
                async with connection.begin():
                    yield connection
        except UNREACHABLE as error:
            log.warning("db.unavailable", extra={"error": type(error).__name__})
            raise ServiceUnavailable() from error

    async def ping(self) -> None:
        async with self.read() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
