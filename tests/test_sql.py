"""The service's own statements: how they are numbered, and how SQLite's values are read."""

from sqlalchemy import JSON, Boolean, Date

from orbito.db import sql
from orbito.db.tables import metadata
from orbito.db.types import UTCDateTime

READER_FOR_TYPE = {
    UTCDateTime: "_read_time",
    JSON: "_read_json",
    Boolean: "_read_bool",
    Date: "_read_day",
}


def test_every_column_sqlite_keeps_otherwise_is_read_back_by_its_type() -> None:
    expected: dict[str, str] = {}
    for table in metadata.tables.values():
        for column in table.columns:
            for kind, reader in READER_FOR_TYPE.items():
                if isinstance(column.type, kind):
                    assert expected.setdefault(column.name, reader) == reader, column.name
    readers = {name: reader.__name__ for name, reader in sql.SQLITE_READERS.items()}
    assert readers == expected


def test_postgresql_is_given_numbered_values() -> None:
    statement = sql.Statement(
        "SELECT a FROM t WHERE b = ? AND c > ?", postgres="SELECT a FROM t WHERE b = ? FOR UPDATE"
    )
    assert statement.sqlite == "SELECT a FROM t WHERE b = ? AND c > ?"
    assert statement.postgres == "SELECT a FROM t WHERE b = $1 FOR UPDATE"
    assert sql.Statement("UPDATE t SET a = ?, b = ? WHERE c = ?").postgres == (
        "UPDATE t SET a = $1, b = $2 WHERE c = $3"
    )


def test_selected_columns_are_named_by_their_last_part_or_alias() -> None:
    statement = sql.Statement.select(
        "t.a, b, (SELECT count(*) FROM u WHERE u.t = t.id) AS total", "FROM t"
    )
    assert statement.row is not None
    assert statement.row._fields == ("a", "b", "total")
    assert statement.sqlite == (
        "SELECT t.a, b, (SELECT count(*) FROM u WHERE u.t = t.id) AS total FROM t"
    )
