import shutil
import sqlite3
from pathlib import Path

import httpx

from orbito.settings import Settings
from tests.conftest import client_for, running_app
from tests.factories import register_website


async def test_healthz_answers_while_the_process_runs(client: httpx.AsyncClient) -> None:
    response = await client.get("http://testserver/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_is_200_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("http://testserver/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}}


async def test_readyz_is_503_naming_the_database_when_it_cannot_be_reached(
    make_settings, unreachable_database_url
) -> None:
    settings = make_settings(database_url=unreachable_database_url)
    async with running_app(settings) as app, client_for(app) as client:
        response = await client.get("http://testserver/readyz")
        health = await client.get("http://testserver/healthz")

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE"
    assert error["details"]["checks"] == {"database": "unavailable"}
    assert health.status_code == 200


async def test_readyz_is_503_when_the_database_was_never_migrated(tmp_path) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    async with running_app(settings) as app, client_for(app) as client:
        response = await client.get("http://testserver/readyz")
        discovery = await client.get("/actions", params={"domain": "a.example"})

    assert response.status_code == 503
    assert response.json()["error"]["details"]["checks"] == {"database": "not migrated"}
    assert discovery.status_code == 503


async def test_a_deleted_database_file_is_never_written_to(sqlite_template, tmp_path) -> None:
    path, settings = _own_sqlite_database(sqlite_template, tmp_path)
    async with running_app(settings) as app, client_for(app) as client:
        before = await register_website(client, "before.example")
        for leftover in tmp_path.glob(f"{path.name}*"):
            leftover.unlink()

        after = await client.post(
            "/websites/register",
            json={"domain": "after.example", "owner_email": "o@x.example", "website_name": "A"},
        )
        ready = await client.get("http://testserver/readyz")

    assert before["domain"] == "before.example"
    assert after.status_code == 503
    assert after.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert ready.status_code == 503


async def test_a_replaced_database_file_stops_the_service_until_restarted(
    sqlite_template, tmp_path
) -> None:
    path, settings = _own_sqlite_database(sqlite_template, tmp_path)
    async with running_app(settings) as app, client_for(app) as client:
        await register_website(client, "before.example")
        _replace(path, sqlite_template)

        answers = [
            await client.post(
                "/websites/register",
                json={
                    "domain": f"after{n}.example",
                    "owner_email": "o@x.example",
                    "website_name": "A",
                },
            )
            for n in range(3)
        ]
        ready = await client.get("http://testserver/readyz")

    assert [answer.status_code for answer in answers] == [503, 503, 503]
    assert "restart" in answers[-1].json()["error"]["message"]
    assert ready.status_code == 503


async def test_a_file_replaced_before_the_first_write_is_not_written_to_either(
    sqlite_template, tmp_path
) -> None:
    path, settings = _own_sqlite_database(sqlite_template, tmp_path)
    async with running_app(settings) as app, client_for(app) as client:
        # Only the reading connection is open: nothing has been written yet.
        assert (await client.get("/actions", params={"domain": "a.example"})).status_code == 404
        _replace(path, sqlite_template)

        after = await client.post(
            "/websites/register",
            json={"domain": "after.example", "owner_email": "o@x.example", "website_name": "A"},
        )

    assert after.status_code == 503
    assert "restart" in after.json()["error"]["message"]
    with sqlite3.connect(path) as replaced:
        assert replaced.execute("SELECT count(*) FROM websites").fetchone() == (0,)


def _own_sqlite_database(template: Path, directory: Path) -> tuple[Path, Settings]:
    path = directory / "orbito.db"
    shutil.copyfile(template, path)
    return path, Settings(_env_file=None, database_url=f"sqlite:///{path}")


def _replace(path: Path, template: Path) -> None:
    """Put another migrated database where `path` is, as a file of its own."""
    replacement = path.with_name("replacement.db")
    shutil.copyfile(template, replacement)
    replacement.replace(path)
