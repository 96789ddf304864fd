"""Reading and writing the service's database through SQLAlchemy, beside the service.

The service runs its own statements (`orbito.db.sql`); SQLAlchemy's column types, from which
the migrations were written, must read what they store. Tests read through them for that.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from orbito.db.tables import metadata
from orbito.db.types import JSON_CODEC


async def through_sqlalchemy(database_url: str, work: Callable[[Connection], Any]) -> Any:
    """Run `work` on a SQLAlchemy connection of its own, in a transaction then committed."""
    if database_url.startswith("sqlite:"):
        engine = create_engine(database_url, **JSON_CODEC)
        try:
            with engine.begin() as connection:
                return work(connection)
        finally:
            engine.dispose()
    url = make_url(database_url).set(drivername="postgresql+asyncpg")
    async_engine = create_async_engine(url, **JSON_CODEC)
    try:
        async with async_engine.begin() as async_connection:
            return await async_connection.run_sync(work)
    finally:
        await async_engine.dispose()


async def every_stored_value(database_url: str) -> str:
    """Every value in every table, as one text, to search for what must never be stored."""

    def dump(connection: Connection) -> str:
        rows = [connection.execute(select(table)).all() for table in metadata.sorted_tables]
        return "\n".join(repr(row) for table_rows in rows for row in table_rows)

    return str(await through_sqlalchemy(database_url, dump))
