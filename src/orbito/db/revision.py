"""Which migration a database was brought to, read without loading Alembic."""

from orbito.db.sql import Connection, Statement

# The migration that brings a database to the schema this code queries; readiness compares the
# database's own record with it. A test checks it against the newest migration shipped.
SCHEMA_REVISION = "0004"

_HAS_TABLE = Statement(
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'",
    postgres="SELECT count(*) FROM information_schema.tables"
    " WHERE table_schema = current_schema() AND table_name = 'alembic_version'",
)
_REVISION = Statement("SELECT version_num FROM alembic_version")


def schema_revision(connection: Connection) -> str | None:
    """The revision recorded in the database; None for a database never migrated."""
    (tables,) = _HAS_TABLE.one(connection)
    if not tables:
        return None
    found = _REVISION.one(connection)
    return None if found is None else found[0]
