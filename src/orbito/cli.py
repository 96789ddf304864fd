"""The `orbito` command: serve the API, migrate the database, print the version."""

import argparse
import logging

from orbito import __version__
from orbito.settings import Settings

log = logging.getLogger("orbito.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orbito", description="The Orbito backend.")
    parser.add_argument("--version", action="version", version=f"orbito {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    serve.add_argument("--workers", type=int, default=1)

    db = commands.add_parser("db", help="database commands")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply every migration not yet applied")
    return parser


def _serve(arguments: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from orbito.db.migrate import upgrade
    from orbito.logs import configure_logging

    configure_logging(settings)
    if settings.auto_migrate:
        upgrade(settings)
        log.info("db.migrated")
    uvicorn.run(
        "orbito.app:create_app",
        factory=True,
        host=arguments.host,
        port=arguments.port,
        workers=arguments.workers,
        loop="uvloop",
        http="httptools",
        proxy_headers=False,
        server_header=False,
        access_log=False,
        log_config=None,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    settings = Settings()
    if arguments.command == "serve":
        return _serve(arguments, settings)
    from orbito.db.migrate import upgrade

    upgrade(settings)
    print("database is up to date")
    return 0
