"""Fixtures: a migrated database per test, the app on it, and an HTTP client for the app."""

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from orbito.app import Orbito, create_app
from orbito.db.migrate import upgrade
from orbito.settings import Settings
from tests import chromium, servers

pytest_plugins = ["tests.live", "tests.domainservers"]

_LEFT_OUT = pytest.StashKey[int]()
_NO_BROWSER = pytest.StashKey[int]()

BASE = "http://testserver/api/v1"


def pytest_sessionstart(session: pytest.Session) -> None:
    """A server the run was pointed at must answer; a silent skip would hide a broken CI."""
    if servers.POSTGRES_URL:
        servers.check_postgres()
    if servers.REDIS_URL:
        servers.check_redis()
    if chromium.NAMED:
        chromium.check()


def _needs(item: pytest.Item) -> set[str]:
    """Which of the optional servers a collected test would talk to."""
    params = item.callspec.params if hasattr(item, "callspec") else {}
    needs = {
        marker.name
        for marker in item.iter_markers()
        if marker.name in ("postgres", "redis", "browser")
    }
    if params.get("backend") == "postgresql":
        needs.add("postgres")
    if params.get("limit_settings") == "redis":
        needs.add("redis")
    return needs


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    available = {
        "postgres": bool(servers.POSTGRES_URL),
        "redis": bool(servers.REDIS_URL),
        "browser": chromium.available(),
    }
    kept, left_out, no_browser = [], [], []
    for item in items:
        missing = {need for need in _needs(item) if not available[need]}
        if missing == {"browser"}:
            no_browser.append(item)
        elif missing:
            left_out.append(item)
        else:
            kept.append(item)
    if left_out or no_browser:
        config.hook.pytest_deselected(items=left_out + no_browser)
        items[:] = kept
    config.stash[_LEFT_OUT] = len(left_out)
    config.stash[_NO_BROWSER] = len(no_browser)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    left_out = config.stash.get(_LEFT_OUT, 0)
    if left_out:
        missing = [
            variable
            for variable, url in (
                ("ORBITO_TEST_DATABASE_URL", servers.POSTGRES_URL),
                ("ORBITO_TEST_REDIS_URL", servers.REDIS_URL),
            )
            if not url
        ]
        terminalreporter.write_line(
            f"skipped {left_out} tests that need PostgreSQL or Redis: {' and '.join(missing)} "
            "not set (see README, Testing)"
        )
    no_browser = config.stash.get(_NO_BROWSER, 0)
    if no_browser:
        terminalreporter.write_line(
            f"skipped {no_browser} browser tests: no Chromium at {chromium.PATH} "
            "(see README, Testing)"
        )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database migrated once per run; each test starts from a copy of it."""
    path = tmp_path_factory.mktemp("template") / "orbito.db"
    upgrade(Settings(_env_file=None, database_url=f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """One PostgreSQL database migrated once per run; each test's database is cloned from it."""
    name = servers.create_database()
    try:
        settings = Settings(_env_file=None, database_url=servers.database_url_named(name))
        servers.run_async(asyncio.to_thread(upgrade, settings))
        yield name
    finally:
        servers.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of this test's own, dropped afterwards."""
    if backend == "sqlite":
        path = tmp_path / "orbito.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    name = servers.create_database(template=request.getfixturevalue("postgres_template"))
    try:
        yield servers.database_url_named(name)
    finally:
        servers.drop_database(name)


@pytest.fixture
def unmigrated_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the test's backend that answers but was never migrated."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = servers.create_database()
    try:
        yield servers.database_url_named(name)
    finally:
        servers.drop_database(name)


@pytest.fixture
def unreachable_database_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/no/such/dir/orbito.db"
    return "postgresql://postgres@127.0.0.1:1/orbito"  # nothing listens on port 1


@pytest.fixture
def migrated_database(database_url: str) -> str:
    return database_url


@pytest.fixture
def make_settings(migrated_database: str) -> Callable[..., Settings]:
    """Settings for a test: its own migrated database, and any overrides the test names."""
    database_url = migrated_database

    def make(**overrides: object) -> Settings:
        return Settings(_env_file=None, **{"database_url": database_url, **overrides})

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Orbito]:
    async with running_app(settings) as application:
        yield application


@pytest.fixture
async def client(app: Orbito) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http


@pytest.fixture
def orbito_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture the service's own log records, which do not propagate to the root logger."""
    logger = logging.getLogger("orbito")
    logger.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    yield caplog
    logger.removeHandler(caplog.handler)


class running_app:
    """The app with its lifespan entered, as a server would run it."""

    def __init__(self, settings: Settings, app: Orbito | None = None) -> None:
        self.settings = settings
        self.app = app

    async def __aenter__(self) -> Orbito:
        self.app = self.app or create_app(self.settings)
        self._lifespan = self.app.lifespan()
        await self._lifespan.__aenter__()
        return self.app

    async def __aexit__(self, *exc_info: object) -> None:
        await self._lifespan.__aexit__(*exc_info)


@pytest.fixture
def chromium_path() -> str:
    return chromium.PATH


def client_for(app: Orbito, client_ip: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(client_ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE)
