"""Which migration a database was brought to, read without loading Alembic."""

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection


def schema_revision(connection: Connection) -> str | None:
    """The revision recorded in the database; None for a database never migrated."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
