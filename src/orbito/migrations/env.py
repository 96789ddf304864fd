"""Alembic's entry point: runs the migrations in one transaction, through SQLAlchemy."""

import asyncio

from alembic import context
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool

from orbito.db.engine import open_database, sqlite_path
from orbito.db.sqlite import BEGIN_WRITE, sqlite_connection
from orbito.db.tables import metadata
from orbito.db.types import JSON_CODEC

config = context.config


def _migrate(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _migrate_sqlite(path: str, busy_timeout_ms: int) -> None:
    # The service's own connection, which leaves BEGIN to its user: here, to SQLAlchemy's
    # transaction, so that a migration is applied whole or not at all.
    engine = create_engine(
        "sqlite+pysqlite://",
        creator=lambda: sqlite_connection(path, busy_timeout_ms),
        poolclass=StaticPool,
        **JSON_CODEC,
    )

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql(BEGIN_WRITE)

    try:
        with engine.begin() as connection:
            _migrate(connection)
    finally:
        engine.dispose()


async def _migrate_postgres() -> None:
    database = open_database(config.attributes["settings"])
    try:
        await database.write(_migrate)
    finally:
        await database.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `orbito db upgrade`")
settings = config.attributes["settings"]
if (path := sqlite_path(settings.database_url)) is not None:
    _migrate_sqlite(path, settings.sqlite_busy_timeout_ms)
else:
    asyncio.run(_migrate_postgres())
