"""PostgreSQL: each unit of work runs through asyncpg on the event loop, via `run_sync`."""

from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from orbito.db.engine import UNREACHABLE, Result, Work, raise_translated
from orbito.db.types import JSON_CODEC
from orbito.settings import Settings

# Connection failures, too many clients, a server starting or shutting down, refused
# credentials, a missing database: the SQLSTATE classes in which the server, not the statement,
# is the trouble; and one code, a missing table, which means a database not migrated (as
# `/readyz` says).
UNAVAILABLE_SQLSTATES = ("08", "53", "57", "28", "3D", "42P01")
# Failures that mean the server could not be reached, in SQLAlchemy's terms too.
UNREACHABLE_POSTGRES = (
    *UNREACHABLE,
    exc.OperationalError,
    exc.InterfaceError,
    exc.DisconnectionError,
    exc.TimeoutError,
)

# Failures of a unit of work that are answered for, rather than raised as they are.
FAILURES: tuple[type[Exception], ...] = (exc.SQLAlchemyError, *UNREACHABLE)


def unavailable(error: Exception) -> bool:
    if isinstance(error, UNREACHABLE_POSTGRES):
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


def refused(error: Exception) -> bool:
    return isinstance(error, exc.DataError)


class PostgresDatabase:
    def __init__(self, url: str, settings: Settings) -> None:
        self.engine: AsyncEngine = create_async_engine(
            make_url(url).set(drivername="postgresql+asyncpg"),
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
            **JSON_CODEC,
        )

    async def read(self, work: Work[Result], *args: Any) -> Result:
        return await self._run(work, args)

    async def write(self, work: Work[Result], *args: Any) -> Result:
        return await self._run(work, args)

    async def _run(self, work: Work[Result], args: tuple[Any, ...]) -> Result:
        try:
            async with self.engine.begin() as connection:
                return await connection.run_sync(work, *args)
        except FAILURES as error:
            raise_translated(error, unavailable, refused)

    async def dispose(self) -> None:
        await self.engine.dispose()
