"""What a server on SQLite keeps out of its memory until a request needs it."""

import json
import subprocess
import sys
from pathlib import Path

# Each costs megabytes in every worker; the comment where each is imported says when it is.
NOT_LOADED = (
    "limits",  # counting in Redis
    "sqlalchemy",  # a PostgreSQL database, and migrations, which run in a child process
    "asyncpg",
    "redis",
    "alembic",  # migrations run in a child process
    "dns",  # a domain verification
    "fastapi",  # the OpenAPI document and the documentation page
    "email_validator",  # website registration
    "brotli",  # a large answer asked for with brotli
)

# Requests go straight to the ASGI app: an HTTP client would load brotli for itself.
SERVE_ONCE = """
import asyncio, json, sys
from orbito.app import create_app
from orbito.settings import Settings

async def call(app, method, path, query=b"", body=b""):
    sent = []
    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}
    async def send(message):
        sent.append(message)
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "query_string": query, "headers": [(b"host", b"t")], "client": ("127.0.0.1", 1),
             "server": ("t", 80), "scheme": "http", "http_version": "1.1", "root_path": ""}
    await app(scope, receive, send)
    return sent[0]["status"]

async def main():
    app = create_app(Settings(_env_file=None, database_url=sys.argv[1]))
    async with app.lifespan():
        body = json.dumps({"domain": "a.example", "owner_email": "o@a.example",
                           "website_name": "A"}).encode()
        statuses = [
            await call(app, "GET", "/api/v1/actions", query=b"domain=a.example"),
            await call(app, "POST", "/api/v1/actions/a/usage"),
        ]
        before = sorted(sys.modules)
        statuses.append(await call(app, "POST", "/api/v1/websites/register", body=body))
        statuses.append(await call(app, "GET", "/api/v1/actions", query=b"domain=a.example"))
    print(json.dumps({"statuses": statuses, "before": before, "after": sorted(sys.modules)}))

asyncio.run(main())
"""


def test_a_sqlite_server_loads_none_of_what_only_other_setups_need(tmp_path: Path) -> None:
    database = tmp_path / "imports.db"
    migrate = [sys.executable, "-m", "orbito", "db", "upgrade"]
    environment = {"ORBITO_DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"}
    subprocess.run(migrate, env=environment, check=True, capture_output=True)
    run = [sys.executable, "-c", SERVE_ONCE, f"sqlite:///{database}"]
    seen = json.loads(subprocess.run(run, check=True, capture_output=True).stdout)
    loaded, after_registration = set(seen["before"]), set(seen["after"])

    assert seen["statuses"] == [404, 401, 201, 200]
    assert "orbito.app" in loaded and "orbito.db.sqlite" in loaded
    assert [name for name in NOT_LOADED if name in loaded] == []
    assert "email_validator" in after_registration
