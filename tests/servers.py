"""The real PostgreSQL and Redis servers the suite may run against, named by environment.

`ORBITO_TEST_DATABASE_URL` names a PostgreSQL server (any database on it; the suite creates
and drops its own) and `ORBITO_TEST_REDIS_URL` a Redis server. When a variable is set, the
server must answer: the run fails rather than quietly skipping what it was asked to test.
"""

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
import redis
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("ORBITO_TEST_DATABASE_URL") or None
REDIS_URL = os.environ.get("ORBITO_TEST_REDIS_URL") or None


def run_async(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to completion on a thread of its own, away from the tests' event loop."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def database_url_named(name: str) -> str:
    assert POSTGRES_URL is not None
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _admin_dsn() -> str:
    assert POSTGRES_URL is not None
    url = make_url(POSTGRES_URL).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def _admin(*statements: str) -> None:
    connection = await asyncpg.connect(_admin_dsn(), timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def create_database(template: str | None = None) -> str:
    name = f"orbito_test_{uuid.uuid4().hex[:16]}"
    suffix = f" TEMPLATE {template}" if template else ""
    run_async(_admin(f"CREATE DATABASE {name}{suffix}"))
    return name


def drop_database(name: str) -> None:
    run_async(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def check_postgres() -> None:
    run_async(_admin("SELECT 1"))


def check_redis() -> None:
    assert REDIS_URL is not None
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    finally:
        client.close()


def unique_redis_prefix() -> str:
    return f"orbito-test-{uuid.uuid4().hex[:12]}"


def delete_redis_prefix(prefix: str) -> None:
    """Remove the counters a test left in the shared Redis server."""
    assert REDIS_URL is not None
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


class ThrowawayRedis:
    """A redis-server of the test's own on a free port, which the test may stop and start."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None
