"""Fixtures: a migrated database per test, the app on it, and an HTTP client for the app."""

import logging
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from orbito.app import create_app
from orbito.db.migrate import upgrade
from orbito.settings import Settings

pytest_plugins = ["tests.live"]

BASE = "http://testserver/api/v1"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated once per run; each test starts from a copy of it."""
    path = tmp_path_factory.mktemp("template") / "orbito.db"
    upgrade(Settings(_env_file=None, database_url=f"sqlite:///{path}"))
    return path


@pytest.fixture
def database_url(tmp_path: Path, migrated_template: Path) -> str:
    path = tmp_path / "orbito.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


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
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
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

    def __init__(self, settings: Settings, app: FastAPI | None = None) -> None:
        self.settings = settings
        self.app = app

    async def __aenter__(self) -> FastAPI:
        self.app = self.app or create_app(self.settings)
        self._lifespan = self.app.router.lifespan_context(self.app)
        await self._lifespan.__aenter__()
        return self.app

    async def __aexit__(self, *exc_info: object) -> None:
        await self._lifespan.__aexit__(*exc_info)


def client_for(app: FastAPI, client_ip: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(client_ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE)
