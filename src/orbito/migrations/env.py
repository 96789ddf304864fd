"""Alembic's entry point: runs the migrations on the engine the service itself would use."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from orbito.db.engine import create_engine
from orbito.db.tables import metadata

config = context.config


def _migrate(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run() -> None:
    engine = create_engine(config.attributes["settings"])
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `orbito db upgrade`")
asyncio.run(_run())
