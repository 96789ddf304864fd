"""PostgreSQL: each unit of work runs through asyncpg on the event loop, via `run_sync`."""

from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from orbito.db.engine import JSON_CODEC, UNREACHABLE, Result, Work, raise_translated
from orbito.settings import Settings


class PostgresDatabase:
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
        except (exc.SQLAlchemyError, *UNREACHABLE) as error:
            raise_translated(error)

    async def dispose(self) -> None:
        await self.engine.dispose()
