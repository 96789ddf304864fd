"""Alembic's entry point: runs the migrations through the service's own database layer."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from orbito.db.engine import open_database
from orbito.db.tables import metadata

config = context.config


def _migrate(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run() -> None:
    database = open_database(config.attributes["settings"])
    try:
        await database.write(_migrate)
    finally:
        await database.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `orbito db upgrade`")
asyncio.run(_run())
