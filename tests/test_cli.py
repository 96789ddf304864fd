import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect

from orbito import __version__
from orbito.db.migrate import head_revision
from orbito.db.tables import SCHEMA_REVISION

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
