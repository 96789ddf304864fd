"""The `orbito` command: serve the API, migrate the database, operators' commands."""

import argparse
import logging
import subprocess
import sys

from pydantic import ValidationError

from orbito import __version__, operations
from orbito.logs import configure_logging
from orbito.settings import Settings, SettingsFileError

log = logging.getLogger("orbito.cli")


def _bounded(low: int, high: int):  # type: ignore[no-untyped-def]
    def number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return number


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orbito", description="The Orbito backend.")
    parser.add_argument("--version", action="version", version=f"orbito {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_bounded(1, 65535), default=8001)
    serve.add_argument("--workers", type=_bounded(1, 64), default=1)

    db = commands.add_parser("db", help="database commands")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply every migration not yet applied")
    operations.add_commands(commands, _bounded)
    return parser


def _serve(arguments: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if arguments.workers > 1 and settings.rate_limits_enabled and not settings.redis_url:
        log.warning(
            "ratelimit.per_process",
            extra={"workers": arguments.workers, "hint": "set ORBITO_REDIS_URL to share limits"},
        )
    if settings.auto_migrate:
        # In a child process, so that the serving process never loads Alembic (about 9 MB).
        command = [sys.executable, "-m", "orbito", "db", "upgrade"]
        migration = subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
        if migration.returncode != 0:
            return migration.returncode
    log.info(
        "server.starting",
        extra={"url": f"http://{arguments.host}:{arguments.port}", "workers": arguments.workers},
    )
    uvicorn.run(
        "orbito.app:create_app",
        factory=True,
        host=arguments.host,
        port=arguments.port,
        workers=arguments.workers,
        loop="uvloop",
        http="orbito.http.protocol:EnvelopeHttpToolsProtocol",
        # The API has no WebSocket routes; with WebSockets on, an upgrade request would be
        # refused by the server in plain text, outside the envelope. Off, it is plain HTTP.
        ws="none",
        proxy_headers=False,
        # A client that stalls cannot hold the process past this after SIGTERM.
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
        server_header=False,
        access_log=False,
        log_config=None,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors(include_url=False):
            name = "ORBITO_" + "_".join(str(part) for part in problem["loc"]).upper()
            message = problem["msg"].removeprefix("Value error, ")
            print(f"orbito: {name}: {message}", file=sys.stderr)
        return 2
    except SettingsFileError as error:
        print(f"orbito: {error}", file=sys.stderr)
        return 2
    configure_logging(settings)
    if arguments.command == "serve":
        return _serve(arguments, settings)
    if arguments.command != "db":
        return operations.run(arguments, settings)
    if (failed := _migrate(settings)) is not None:
        return failed
    print("database is up to date")
    return 0


def _migrate(settings: Settings) -> int | None:
    """Bring the schema up to date; an exit status and a message if the database refused."""
    from sqlalchemy.exc import SQLAlchemyError

    from orbito.db.migrate import upgrade
    from orbito.errors import OrbitoError

    try:
        upgrade(settings)
    except (SQLAlchemyError, OSError, OrbitoError) as error:
        cause = error.__cause__ or error
        reason = str(getattr(cause, "orig", None) or cause).splitlines()[0]
        print(f"orbito: cannot migrate the database: {reason}", file=sys.stderr)
        return 1
    log.info("db.migrated")
    return None
