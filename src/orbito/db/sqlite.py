"""SQLite: reads run on the event loop; writes are committed in groups by one writer thread.

Statements take microseconds here, so reads run inline on a connection of their own: handing
each to another thread would cost more in waits for the interpreter lock than the read itself.
A commit, though, syncs the log to disk (`synchronous=FULL`, so that an answered write survives
a power cut), which takes far longer than the statements. So writes go to one writer thread,
with its own connection: while it commits one group, the event loop goes on serving and the
writes that arrive meanwhile form the next group, committed in one transaction. None is
answered before its group's commit returns.
"""

import asyncio
import itertools
import logging
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from operator import itemgetter
from typing import Any

from orbito.db.engine import (
    Batchable,
    Result,
    Work,
    raise_translated,
    translated,
    unreachable,
)
from orbito.errors import ServiceUnavailable
from orbito.settings import Settings

log = logging.getLogger("orbito.db")

Pending = tuple[Work[Any], tuple[Any, ...], "asyncio.Future[Any]"]
Outcome = tuple[Any, BaseException | None]
Outcomes = list[Outcome]

# Failures of a unit of work that are answered for, rather than raised as they are.
FAILURES = (sqlite3.Error, OSError)


class SQLiteDatabase:
    def __init__(self, path: str, settings: Settings) -> None:
        self._path = path
        self._busy_timeout_ms = settings.sqlite_busy_timeout_ms
        # One connection for the loop's reads and one for the writer thread's writes, each
        # kept open: opening one costs more than a key look-up's query.
        self._open: dict[str, sqlite3.Connection] = {}
        # The file the first connection opened: every connection must stay with it, so that a
        # file deleted or replaced is noticed, whichever connection is opened after.
        self._file: tuple[int, int] | None = None
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="orbito-sqlite-writer")
        self._file_lost = False
        self._pending: list[Pending] = []
        self._committing = False

    async def read(self, work: Work[Result], *args: Any) -> Result:
        try:
            return _in_transaction(self._connect(READER), "BEGIN", work, args)
        except FAILURES as error:
            raise_translated(error)

    async def write(self, work: Work[Result], *args: Any) -> Result:
        """Run `work` in the next group of writes; return once that group has committed."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((work, args, future))
        if not self._committing:
            self._start_group()
        return await future

    def _start_group(self) -> None:
        group, self._pending = self._pending, []
        self._committing = True
        loop = asyncio.get_running_loop()
        done = loop.run_in_executor(self._writer, self._commit_group, group)
        done.add_done_callback(lambda finished: self._group_done(group, finished))

    def _group_done(self, group: list[Pending], finished: "asyncio.Future[Outcomes]") -> None:
        self._committing = False
        error = finished.exception()
        outcomes = [(None, error)] * len(group) if error else finished.result()
        for (_, _, future), (result, failure) in zip(group, outcomes, strict=True):
            if future.done():
                continue
            if failure is None:
                future.set_result(result)
            else:
                future.set_exception(failure)
        if self._pending:
            self._start_group()

    def _commit_group(self, group: list[Pending]) -> Outcomes:
        """On the writer thread: the whole group in one transaction, committed once.

        Should one write fail, the group's transaction is rolled back and every write of it is
        run again in a transaction of its own, so that one failure costs no other write. Not
        when the database itself failed (a lock not had within the busy timeout, say): each
        write would wait that long again, one after another.
        """
        try:
            results = self._write(_each, (group,))
            return [(result, None) for result in results]
        except Exception as error:
            if len(group) == 1 or unreachable(error) or isinstance(error, ServiceUnavailable):
                return [(None, translated(error)) for _ in group]
        return [self._commit_one(work, args) for work, args, _ in group]

    def _commit_one(self, work: Work[Any], args: tuple[Any, ...]) -> Outcome:
        try:
            return self._write(work, args), None
        except Exception as error:
            return None, translated(error)

    def _write(self, work: Work[Result], args: tuple[Any, ...]) -> Result:
        connection = self._connect(WRITER)
        # The file is looked at again once the write lock is had: it may have been replaced
        # while this writer waited for it.
        return _in_transaction(connection, BEGIN_WRITE, work, args, self._check_file)

    def _connect(self, role: str) -> sqlite3.Connection:
        self._check_file()
        connection = self._open.get(role)
        if connection is None:
            try:
                cache = WRITER_CACHE_KIB if role == WRITER else None
                connection = sqlite_connection(self._path, self._busy_timeout_ms, cache)
            except sqlite3.DatabaseError as error:
                # Whatever stops the file being opened as a database (a file that is not one,
                # say) makes it unreachable, like a server that cannot be connected to.
                raise CannotOpen(str(error)) from error
            if self._file is None:
                self._file = _identity(self._path)
            elif _identity(self._path) != self._file:
                connection.close()  # the file was replaced while it was being opened
                self._check_file()
            self._open[role] = connection
        return connection

    def _check_file(self) -> None:
        """Refuse to go on, until restarted, once the database file was deleted or replaced.

        The open connection would keep writing to the deleted file, answering writes as
        committed that would be gone after a restart; and a new file at the same path can be
        mixed with the old one's write-ahead log. Only the operator can tell which file is right.
        """
        if not self._file_lost and (self._file is None or _identity(self._path) == self._file):
            return
        if not self._file_lost:
            log.error("db.file_replaced", extra={"path": self._path, "hint": "restart orbito"})
            self._file_lost = True
        raise ServiceUnavailable(
            "The database file was replaced while running; restart the service"
        )

    async def dispose(self) -> None:
        self._writer.shutdown(wait=True)
        for connection in self._open.values():
            connection.close()
        self._open.clear()


class CannotOpen(OSError):
    """The database file could not be opened as a database."""


READER, WRITER = "reader", "writer"
# A writer takes the write lock at BEGIN: a deferred transaction that reads and then writes can
# fail at once with "database is locked" when another writer got there first, where BEGIN
# IMMEDIATE waits for the lock.
BEGIN_WRITE = "BEGIN IMMEDIATE"
# The writer's page cache, where SQLite's default is 2 MB. A write touches a few pages: the
# upper levels of the indexes it goes through stay cached in this much, while the rows it
# changes are scattered over the file and would fill a larger cache with pages read once.
WRITER_CACHE_KIB = 256


def _each(connection: sqlite3.Connection, group: list[Pending]) -> list[Any]:
    """The group's writes in order; each run of one batchable write is made in one call."""
    results: list[Any] = []
    for work, run in itertools.groupby(group, key=itemgetter(0)):
        calls = [args for _, args, _ in run]
        if isinstance(work, Batchable) and len(calls) > 1:
            results += work.batch(connection, calls)
        else:
            results += [work(connection, *args) for args in calls]
    return results


def _in_transaction(
    connection: sqlite3.Connection,
    begin: str,
    work: Work[Result],
    args: tuple[Any, ...],
    check: Callable[[], None] | None = None,
) -> Result:
    """Run `work` in a transaction of its own; committed when this returns, else rolled back.

    `check`, when given, runs once the transaction has begun, and may refuse to go on.
    """
    if connection.in_transaction:
        # Left open by a failure whose rollback failed too: nothing of it was committed.
        connection.execute("ROLLBACK")
    connection.execute(begin)
    try:
        if check is not None:
            check()
        result = work(connection, *args)
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return result


def sqlite_connection(
    path: str, busy_timeout_ms: int, cache_kib: int | None = None
) -> sqlite3.Connection:
    """A connection as the service uses one; with a page cache of `cache_kib`, else SQLite's."""
    connection = sqlite3.connect(
        path,
        timeout=busy_timeout_ms / 1000,
        # Transactions are begun here, not by the driver (see BEGIN_WRITE).
        isolation_level=None,
        # The writer's connection is made on the loop's thread and used on its own.
        check_same_thread=False,
    )
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        connection.execute("PRAGMA foreign_keys=ON")
        # In WAL mode, FULL syncs the log at every commit: a 2xx survives a power cut too.
        connection.execute("PRAGMA synchronous=FULL")
        if cache_kib is not None:
            connection.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
    except BaseException:
        connection.close()
        raise
    return connection


def _identity(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino
