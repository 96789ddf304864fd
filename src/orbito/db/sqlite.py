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
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import StaticPool

from orbito.db.engine import JSON_CODEC, UNREACHABLE, Result, Work, raise_translated, translated
from orbito.errors import ServiceUnavailable
from orbito.settings import Settings

log = logging.getLogger("orbito.db")

Pending = tuple[Work[Any], tuple[Any, ...], "asyncio.Future[Any]"]
Outcome = tuple[Any, BaseException | None]
Outcomes = list[Outcome]


class SQLiteDatabase:
    def __init__(self, url: URL, settings: Settings) -> None:
        # One connection for the loop's reads and one for the writer thread's writes.
        self.engine = _engine(url, settings)
        # Writes take the write lock at BEGIN (see `_take_over_transactions`).
        self.writer_engine = _engine(url, settings).execution_options(sqlite_immediate=True)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="orbito-sqlite-writer")
        self._path = url.database if url.database and url.database != ":memory:" else None
        # The file each engine's connection opened, to notice it being deleted or replaced.
        self._files: dict[int, tuple[int, int] | None] = {}
        # Each engine's one connection, kept open: taking it from the pool and giving it back
        # around every unit of work cost more than a key look-up's query.
        self._open: dict[int, Connection] = {}
        self._file_lost = False
        self._pending: list[Pending] = []
        self._committing = False

    async def read(self, work: Work[Result], *args: Any) -> Result:
        try:
            connection = self._connect(self.engine)
            with connection.begin():
                return work(connection, *args)
        except (exc.SQLAlchemyError, *UNREACHABLE) as error:
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
        run again in a transaction of its own, so that one failure costs no other write.
        """
        try:
            connection = self._connect(self.writer_engine)
            with connection.begin():
                results = [work(connection, *args) for work, args, _ in group]
            return [(result, None) for result in results]
        except Exception as error:
            if len(group) == 1:
                return [(None, translated(error))]
        return [self._commit_one(work, args) for work, args, _ in group]

    def _commit_one(self, work: Work[Any], args: tuple[Any, ...]) -> Outcome:
        try:
            connection = self._connect(self.writer_engine)
            with connection.begin():
                return work(connection, *args), None
        except Exception as error:
            return None, translated(error)

    def _connect(self, engine: Engine) -> Connection:
        self._check_file(engine)
        connection = self._open.get(id(engine))
        if connection is None or connection.closed or connection.invalidated:
            connection = engine.connect()
            self._open[id(engine)] = connection
        if self._path and id(engine) not in self._files:
            self._files[id(engine)] = _identity(self._path)
        return connection

    def _check_file(self, engine: Engine) -> None:
        """Refuse to go on, until restarted, once the database file was deleted or replaced.

        The open connection would keep writing to the deleted file, answering writes as
        committed that would be gone after a restart; and a new file at the same path can be
        mixed with the old one's write-ahead log. Only the operator can tell which file is right.
        """
        opened = self._files.get(id(engine))
        if not self._file_lost and (opened is None or _identity(self._path) == opened):
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
        self.engine.dispose()
        self.writer_engine.dispose()


def _engine(url: URL, settings: Settings) -> Engine:
    engine = create_engine(
        url.set(drivername="sqlite+pysqlite"),
        poolclass=StaticPool,
        connect_args={
            "timeout": settings.sqlite_busy_timeout_ms / 1000,
            # The writer's connection is made on the loop's thread and used on its own.
            "check_same_thread": False,
        },
        **JSON_CODEC,
    )
    _take_over_transactions(engine, settings.sqlite_busy_timeout_ms)
    return engine


def _identity(path: str | None) -> tuple[int, int] | None:
    try:
        stat = os.stat(path) if path else None
    except FileNotFoundError:
        return None
    return None if stat is None else (stat.st_dev, stat.st_ino)


def _take_over_transactions(engine: Engine, busy_timeout_ms: int) -> None:
    """Let us issue BEGIN ourselves, so that writers can take the write lock up front.

    A deferred transaction that reads and then writes can fail at once with "database is
    locked" when another writer got there first; BEGIN IMMEDIATE waits for the lock instead.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # In WAL mode, FULL syncs the log at every commit: a 2xx survives a power cut too.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        # Straight to the driver: SQLAlchemy's execution path cost more than the statement, on
        # every read and write.
        driver = connection.connection.driver_connection
        driver.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
