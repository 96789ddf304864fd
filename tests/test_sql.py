"""The service's own statements, and SQLite's units of work when the file or its lock fail."""

import asyncio
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import pytest
from sqlalchemy import JSON, Boolean, Date

from orbito.db import sql
from orbito.db.engine import Batchable, sqlite_path
from orbito.db.revision import SCHEMA_REVISION, schema_revision
from orbito.db.sqlite import READER, WRITER, WRITER_CACHE_KIB, SQLiteDatabase
from orbito.db.tables import metadata
from orbito.db.types import UTCDateTime
from orbito.errors import ServiceUnavailable
from orbito.settings import Settings

_VERSIONS = sql.Statement("SELECT version_num FROM alembic_version")

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


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[tuple[SQLiteDatabase, str]]:
    """The service's SQLite unit of work on the test's database, and the file's path."""
    path = str(sqlite_path(settings.database_url))
    database = SQLiteDatabase(path, settings)
    try:
        yield database, path
    finally:
        await database.dispose()


@contextmanager
def _locked(path: str) -> Iterator[sqlite3.Connection]:
    """Another process's writer, holding SQLite's write lock until it rolls back or closes."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield holder
    finally:
        holder.close()


def _add_version(connection: sqlite3.Connection, version: str) -> None:
    connection.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (version,))


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_transaction_a_failure_left_open_is_rolled_back_before_the_next(
    settings: Settings,
) -> None:
    async with _database(settings) as (database, _):
        # As if a statement and then its rollback had failed, in the middle of a write.
        stuck = database._connect(READER)
        stuck.execute("BEGIN")
        stuck.execute("INSERT INTO alembic_version (version_num) VALUES ('half-done')")

        revision = await database.read(schema_revision)
        versions = await database.read(lambda connection: _VERSIONS.all(connection))

    assert revision == SCHEMA_REVISION
    assert versions == [(SCHEMA_REVISION,)]


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_writes_queued_behind_a_lock_fail_together_after_one_busy_timeout(
    make_settings,
) -> None:
    async with _database(make_settings(sqlite_busy_timeout_ms=300)) as (database, path):
        with _locked(path):
            started = time.monotonic()
            outcomes = await asyncio.gather(
                *(database.write(_add_version, f"v{n}") for n in range(10)),
                return_exceptions=True,
            )
            took = time.monotonic() - started

    assert [type(outcome) for outcome in outcomes] == [ServiceUnavailable] * 10
    # The first write's group, then one for the other nine: two waits, not ten.
    assert took < 1.5


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_file_replaced_while_a_write_waits_for_the_lock_is_not_written_to(
    make_settings, sqlite_template, tmp_path
) -> None:
    async with _database(make_settings(sqlite_busy_timeout_ms=5000)) as (database, path):
        with _locked(path) as holder:
            assert await database.read(schema_revision) == SCHEMA_REVISION
            waiting = asyncio.create_task(database.write(_add_version, "late"))
            await asyncio.sleep(0.3)
            replacement = tmp_path / "replacement.db"
            shutil.copyfile(sqlite_template, replacement)
            replacement.replace(path)
            holder.execute("ROLLBACK")
            with pytest.raises(ServiceUnavailable):
                await waiting

    with sqlite3.connect(path) as replaced:
        assert replaced.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (SCHEMA_REVISION,)
        ]


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_malformed_database_file_is_unavailable_not_a_fault(make_settings) -> None:
    async with _database(make_settings()) as (database, path):
        with open(path, "r+b") as file:
            file.seek(4096)  # the second page onwards: the header still says SQLite
            file.write(bytes(range(256)) * 64)
        with pytest.raises(ServiceUnavailable):
            await database.read(lambda connection: _VERSIONS.all(connection))


def _batch_appending(made: list[list[str]]) -> Batchable[str]:
    """A batchable write that adds versions, noting the versions of each call it was made in."""

    def append_all(connection: sqlite3.Connection, calls: list[tuple[str, ...]]) -> list[str]:
        made.append([version for (version,) in calls])
        for (version,) in calls:
            _add_version(connection, version)
        return [version for (version,) in calls]

    return Batchable(append_all)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_groups_run_of_one_batchable_write_is_made_in_one_call(settings: Settings) -> None:
    made: list[list[str]] = []
    appended = _batch_appending(made)
    async with _database(settings) as (database, _):
        # The first write is a group of its own; the rest arrive while it commits.
        outcomes = await asyncio.gather(
            database.write(appended, "a"),
            database.write(appended, "b"),
            database.write(appended, "c"),
            database.write(_add_version, "d"),
            database.write(appended, "e"),
            database.write(appended, "f"),
        )
        versions = await database.read(lambda connection: _VERSIONS.all(connection))

    assert outcomes == ["a", "b", "c", None, "e", "f"]
    # Never across another write: the group's order is kept.
    assert made == [["a"], ["b", "c"], ["e", "f"]]
    assert sorted(version for (version,) in versions) == sorted([SCHEMA_REVISION, *"abcdef"])


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_batch_that_fails_is_made_again_one_write_at_a_time(settings: Settings) -> None:
    made: list[list[str]] = []
    appended = _batch_appending(made)
    async with _database(settings) as (database, _):
        outcomes = await asyncio.gather(
            *(database.write(appended, version) for version in ("a", "b", "b", "c")),
            return_exceptions=True,
        )

    assert outcomes[:2] == ["a", "b"] and outcomes[3] == "c"
    assert isinstance(outcomes[2], Exception)
    assert made == [["a"], ["b", "b", "c"], ["b"], ["b"], ["c"]]


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_writer_keeps_a_small_page_cache_and_the_reader_sqlites_own(
    settings: Settings,
) -> None:
    async with _database(settings) as (database, _):
        await database.write(_add_version, "cached")
        sizes = [
            database._connect(role).execute("PRAGMA cache_size").fetchone()[0]
            for role in (READER, WRITER)
        ]

    assert sizes == [-2000, -WRITER_CACHE_KIB]
