import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection

from orbito import __version__
from orbito.db.migrate import head_revision, upgrade
from orbito.db.revision import SCHEMA_REVISION
from orbito.settings import Settings
from tests import servers
from tests.db import through_sqlalchemy

ORBITO = Path(sys.executable).parent / "orbito"


def run(*arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ORBITO), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_version_is_printed() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"orbito {__version__}"


def test_db_upgrade_creates_the_schema_and_can_run_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    for _ in range(2):
        result = run("db", "upgrade", env={"ORBITO_DATABASE_URL": url})
        assert result.returncode == 0, result.stderr

    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"websites", "api_keys", "actions", "alembic_version"} <= tables


def test_an_unknown_command_fails_with_usage() -> None:
    result = run("fly")
    assert result.returncode == 2
    assert "usage: orbito" in result.stderr


def test_an_unsupported_database_url_stops_with_a_message() -> None:
    result = run("db", "upgrade", env={"ORBITO_DATABASE_URL": "mysql://localhost/orbito"})
    assert result.returncode == 2
    assert result.stderr.startswith("orbito: ORBITO_DATABASE_URL: must be a sqlite")
    assert "Traceback" not in result.stderr


def test_out_of_range_ports_and_workers_are_refused() -> None:
    for arguments in (["--port", "99999"], ["--port", "-1"], ["--workers", "0"], ["--port", "x"]):
        result = run("serve", *arguments)
        assert result.returncode == 2
        assert "orbito serve: error: argument" in result.stderr


def test_a_database_that_cannot_be_opened_stops_migration_with_a_message(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/no/such/dir/orbito.db"
    result = run("db", "upgrade", env={"ORBITO_DATABASE_URL": url})
    assert result.returncode == 1
    assert "orbito: cannot migrate the database: unable to open database file" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_schema_revision_readiness_expects_is_the_newest_migration() -> None:
    assert SCHEMA_REVISION == head_revision()


_OLD_ROWS = (
    "INSERT INTO websites (id, domain, website_name, owner_email, created_at)"
    " VALUES (:id, :domain, 'Old', 'owner@example.com', :now)",
    "INSERT INTO api_keys (key_digest, website_id, created_at) VALUES (:digest, :id, :now)",
    "INSERT INTO actions (website_id, action_id, intent, description, selector, parameters,"
    " position, meta, is_active, usage_count, created_at, registered_at, updated_at)"
    " VALUES (:id, 'buy', 'buy', '', 'button', '{}', NULL, '{}', :active, 7, :now, :now, :now)",
)


def test_upgrading_from_the_first_schema_keeps_every_row_and_gives_tokens(
    unmigrated_database: str,
) -> None:
    settings = Settings(_env_file=None, database_url=unmigrated_database)
    upgrade(settings, "0001")
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def fill(connection: Connection) -> None:
        for number in (1, 2):
            values = {
                "id": f"00000000-0000-4000-8000-00000000000{number}",
                "domain": f"old{number}.example",
                "digest": f"{number:064d}",
                "now": now,
                "active": True,
            }
            for statement in _OLD_ROWS:
                connection.execute(text(statement), values)

    def read(connection: Connection) -> tuple:
        tokens = list(connection.execute(text("SELECT verification_token FROM websites")).scalars())
        keys = connection.execute(text("SELECT count(*) FROM api_keys")).scalar()
        actions = connection.execute(
            text("SELECT usage_count, failure_count, consecutive_failures FROM actions")
        ).all()
        return tokens, keys, [tuple(row) for row in actions]

    servers.run_async(through_sqlalchemy(settings.database_url, fill))
    upgrade(settings)
    tokens, keys, actions = servers.run_async(through_sqlalchemy(settings.database_url, read))

    assert len(set(tokens)) == 2
    assert all(len(token) == 32 for token in tokens)
    assert keys == 2
    assert actions == [(7, 0, 0), (7, 0, 0)]
