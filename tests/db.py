"""Reading what the service stored, straight from its database."""

from sqlalchemy import select

from orbito.db.engine import open_database
from orbito.db.tables import metadata
from orbito.settings import Settings


async def every_stored_value(database_url: str) -> str:
    """Every value in every table, as one text, to search for what must never be stored."""

    def dump(connection) -> str:  # type: ignore[no-untyped-def]
        rows = [connection.execute(select(table)).all() for table in metadata.sorted_tables]
        return "\n".join(repr(row) for table_rows in rows for row in table_rows)

    database = open_database(Settings(_env_file=None, database_url=database_url))
    try:
        return await database.read(dump)
    finally:
        await database.dispose()
