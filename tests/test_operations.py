"""The operators' commands, run as a separate process on the database a server uses."""

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from orbito.settings import Settings
from tests.conftest import client_for, running_app
from tests.factories import keyed, register_action, register_website

ORBITO = Path(sys.executable).parent / "orbito"


@pytest.fixture
def orbito(migrated_database: str) -> Callable[..., subprocess.CompletedProcess]:
    """Run `orbito <arguments>` on the test's database."""

    def run(*arguments: str) -> subprocess.CompletedProcess:
        environment = {**os.environ, "ORBITO_DATABASE_URL": migrated_database}
        return subprocess.run(
            [str(ORBITO), *arguments], capture_output=True, text=True, timeout=60, env=environment
        )

    return run


@pytest.fixture
async def client(make_settings: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
    # Caches off, so each request sees what the command just changed; the bound that caches
    # put on it is tested apart.
    async with running_app(make_settings(cache_seconds=0)) as app, client_for(app) as http:
        yield http


async def in_thread(run: Callable[..., subprocess.CompletedProcess], *arguments: str):  # type: ignore[no-untyped-def]
    """Run a command without blocking the event loop the app under test runs on."""
    return await asyncio.to_thread(run, *arguments)


async def test_websites_list_shows_every_website(client: httpx.AsyncClient, orbito) -> None:  # type: ignore[no-untyped-def]
    shop = await register_website(client, "shop.example")
    blog = await register_website(client, "blog.example")
    await register_action(client, shop["api_key"], "a")
    await register_action(client, shop["api_key"], "b")
    await client.patch(
        "/actions/b/status", json={"is_active": False}, headers=keyed(shop["api_key"])
    )

    table = await in_thread(orbito, "websites", "list")
    as_json = await in_thread(orbito, "websites", "list", "--json")

    assert table.returncode == 0, table.stderr
    header, first, second = table.stdout.splitlines()
    assert header.split() == [
        "DOMAIN",
        "WEBSITE",
        "ID",
        "WEBSITE",
        "NAME",
        "ACTIONS",
        "VERIFIED",
        "STATUS",
        "CREATED",
        "AT",
    ]
    assert first.split()[:2] == ["blog.example", blog["website_id"]]
    assert second.split()[:2] == ["shop.example", shop["website_id"]]
    assert second.split()[-4:-1] == ["1/2", "no", "active"]
    listed = json.loads(as_json.stdout)
    assert [site["domain"] for site in listed] == ["blog.example", "shop.example"]
    assert listed[1] == {
        "website_id": shop["website_id"],
        "domain": "shop.example",
        "website_name": "Example Website",
        "total_actions": 2,
        "active_actions": 1,
        "verified": False,
        "status": "active",
        "disabled_at": None,
        "created_at": shop["created_at"],
    }


async def test_websites_show_finds_a_website_by_domain_or_id(
    client: httpx.AsyncClient, orbito
) -> None:  # type: ignore[no-untyped-def]
    site = await register_website(client, "shop.example")

    by_domain = await in_thread(orbito, "websites", "show", "SHOP.Example.", "--json")
    by_id = await in_thread(orbito, "websites", "show", site["website_id"].upper())
    table = dict(line.split(None, 1) for line in by_id.stdout.splitlines())

    assert by_domain.returncode == 0, by_domain.stderr
    shown = json.loads(by_domain.stdout)
    assert shown["website_id"] == site["website_id"]
    assert shown["owner_email"] == "owner@example.com"
    assert (shown["keys"], shown["keys_expiring"]) == (1, 0)
    assert (shown["verified"], shown["verified_at"], shown["verified_by"]) == (False, None, None)
    assert table["domain"] == "shop.example"
    assert table["status"] == "active"
    assert table["verified"] == "no"


async def test_a_disabled_website_is_not_discovered_and_its_key_refused(
    client: httpx.AsyncClient, orbito
) -> None:  # type: ignore[no-untyped-def]
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "a")

    disabled = await in_thread(orbito, "websites", "disable", "shop.example")
    discovery = await client.get("/actions", params={"domain": "shop.example"})
    details = await client.get(f"/websites/{site['website_id']}", headers=keyed(site["api_key"]))
    again = await in_thread(orbito, "websites", "disable", "shop.example")
    actions = await in_thread(orbito, "actions", "list", "shop.example", "--json")

    assert disabled.returncode == 0, disabled.stderr
    assert disabled.stdout.strip() == "shop.example is disabled"
    assert again.stdout.strip() == "shop.example is disabled (unchanged)"
    assert discovery.status_code == 404
    assert discovery.json()["error"]["code"] == "DOMAIN_NOT_FOUND"
    assert details.status_code == 401
    assert details.json()["error"]["code"] == "INVALID_API_KEY"
    assert [action["action_id"] for action in json.loads(actions.stdout)] == ["a"]

    enabled = await in_thread(orbito, "websites", "enable", "shop.example")
    assert enabled.stdout.strip() == "shop.example is active"
    assert (await client.get("/actions", params={"domain": "shop.example"})).status_code == 200
    assert (
        await client.get(f"/websites/{site['website_id']}", headers=keyed(site["api_key"]))
    ).status_code == 200


async def test_a_running_server_sees_a_disable_within_its_cache_lifetime(
    make_settings: Callable[..., Settings],
    orbito,  # type: ignore[no-untyped-def]
) -> None:
    async with running_app(make_settings(cache_seconds=1.0)) as app, client_for(app) as client:
        site = await register_website(client, "shop.example")
        path = f"/websites/{site['website_id']}"
        assert (await client.get(path, headers=keyed(site["api_key"]))).status_code == 200
        assert (await client.get("/actions", params={"domain": "shop.example"})).status_code == 200

        await in_thread(orbito, "websites", "disable", "shop.example")
        disabled_at = time.monotonic()
        while (await client.get(path, headers=keyed(site["api_key"]))).status_code != 401:
            assert time.monotonic() - disabled_at < 1.5, "the key still works past the bound"
            await asyncio.sleep(0.05)
        while (await client.get("/actions", params={"domain": "shop.example"})).status_code != 404:
            assert time.monotonic() - disabled_at < 1.5, "discovery still answers past the bound"
            await asyncio.sleep(0.05)


async def test_delete_needs_yes_then_removes_the_website_and_its_actions(
    client: httpx.AsyncClient, orbito
) -> None:  # type: ignore[no-untyped-def]
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "a")

    refused = await in_thread(orbito, "websites", "delete", "shop.example")
    still_there = await client.get("/actions", params={"domain": "shop.example"})
    deleted = await in_thread(orbito, "websites", "delete", "shop.example", "--yes")
    gone = await in_thread(orbito, "websites", "show", "shop.example")

    assert refused.returncode == 1
    assert "run again with --yes" in refused.stderr
    assert still_there.status_code == 200
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.strip() == "deleted shop.example and its 1 actions"
    assert gone.returncode == 1
    assert gone.stderr.strip() == "orbito: no website has the domain or id 'shop.example'"
    assert (await client.get("/actions", params={"domain": "shop.example"})).status_code == 404
    assert (
        await client.get(f"/websites/{site['website_id']}", headers=keyed(site["api_key"]))
    ).status_code == 401
    # The domain is free for a new registration.
    assert (await register_website(client, "shop.example"))["domain"] == "shop.example"


async def test_keys_rotate_prints_a_new_key_once(client: httpx.AsyncClient, orbito) -> None:  # type: ignore[no-untyped-def]
    site = await register_website(client, "shop.example")
    path = f"/websites/{site['website_id']}"

    rotated = await in_thread(orbito, "keys", "rotate", "shop.example", "--grace-seconds", "0")

    assert rotated.returncode == 0, rotated.stderr
    first, second = rotated.stdout.splitlines()
    new_key = first.rsplit(" ", 1)[1]
    assert first == f"new key for shop.example (shown only now): {new_key}"
    assert second.startswith("its previous keys stop working at ")
    assert (await client.get(path, headers=keyed(new_key))).status_code == 200
    assert (await client.get(path, headers=keyed(site["api_key"]))).status_code == 401

    graced = json.loads(
        (await in_thread(orbito, "keys", "rotate", site["website_id"], "--json")).stdout
    )
    assert (await client.get(path, headers=keyed(new_key))).status_code == 200
    assert (await client.get(path, headers=keyed(graced["api_key"]))).status_code == 200
    shown = json.loads(
        (await in_thread(orbito, "websites", "show", "shop.example", "--json")).stdout
    )
    assert (shown["keys"], shown["keys_expiring"]) == (1, 1)


async def test_actions_list_shows_active_and_inactive_actions(
    client: httpx.AsyncClient, orbito
) -> None:  # type: ignore[no-untyped-def]
    site = await register_website(client, "shop.example")
    for action_id in ("b", "a"):
        await register_action(client, site["api_key"], action_id)
    await client.patch(
        "/actions/b/status", json={"is_active": False}, headers=keyed(site["api_key"])
    )
    await client.post("/actions/a/usage", headers=keyed(site["api_key"]))

    table = await in_thread(orbito, "actions", "list", "shop.example")
    listed = json.loads(
        (await in_thread(orbito, "actions", "list", "shop.example", "--json")).stdout
    )

    header, first, second = table.stdout.splitlines()
    assert header.split()[:4] == ["ACTION", "ID", "INTENT", "IS"]
    assert first.split()[:4] == ["a", "addToCart", "yes", "1"]
    assert second.split()[:5] == ["b", "addToCart", "no", "0", "-"]
    assert [(a["action_id"], a["is_active"], a["usage_count"]) for a in listed] == [
        ("a", True, 1),
        ("b", False, 0),
    ]
    assert listed[0]["selector"] == "[data-orbito-id='a']"


def test_commands_on_an_empty_or_unmigrated_database(orbito, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert orbito("websites", "list").stdout.strip() == "no websites"
    assert orbito("websites", "list", "--json").stdout.strip() == "[]"

    (tmp_path / "new.db").touch()  # an empty SQLite database, never migrated
    environment = {**os.environ, "ORBITO_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    result = subprocess.run(
        [str(ORBITO), "websites", "list"], capture_output=True, text=True, env=environment
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "orbito: the database is not up to date; run `orbito db upgrade` first"
    )


def test_a_grace_outside_the_range_is_a_usage_error(orbito) -> None:  # type: ignore[no-untyped-def]
    result = orbito("keys", "rotate", "shop.example", "--grace-seconds", "604801")
    assert result.returncode == 2
    assert "604801 is not between 0 and 604800" in result.stderr


async def test_tables_show_format_characters_as_escapes(client: httpx.AsyncClient, orbito) -> None:  # type: ignore[no-untyped-def]
    registration = {
        "domain": "shop.example",
        "owner_email": "owner@shop.example",
        "website_name": "\u202eevil",
    }
    assert (await client.post("/websites/register", json=registration)).status_code == 201

    table = await in_thread(orbito, "websites", "list")
    as_json = await in_thread(orbito, "websites", "list", "--json")

    assert "\u202e" not in table.stdout
    assert "\\u202eevil" in table.stdout
    assert json.loads(as_json.stdout)[0]["website_name"] == "\u202eevil"


def test_a_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    environment = {**os.environ, "ORBITO_DATABASE_URL": f"sqlite:///{missing}"}
    result = subprocess.run(
        [str(ORBITO), "websites", "list"], capture_output=True, text=True, env=environment
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"orbito: there is no database file at {missing};")
    assert not missing.exists()


def test_a_file_that_is_no_database_is_named_so(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    environment = {**os.environ, "ORBITO_DATABASE_URL": f"sqlite:///{junk}"}
    result = subprocess.run(
        [str(ORBITO), "websites", "list"], capture_output=True, text=True, env=environment
    )
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == "orbito: cannot use the database: file is not a database"


def test_a_reader_that_stops_early_gets_no_traceback(orbito, migrated_database: str) -> None:  # type: ignore[no-untyped-def]
    environment = {**os.environ, "ORBITO_DATABASE_URL": migrated_database}
    process = subprocess.Popen(
        [str(ORBITO), "websites", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    assert process.stdout is not None
    process.stdout.close()
    _, errors = process.communicate(timeout=60)
    assert b"Traceback" not in errors
    assert process.returncode == 1  # what was not read may have been a new key


def test_a_full_disk_is_reported_without_a_traceback(orbito, migrated_database: str) -> None:  # type: ignore[no-untyped-def]
    environment = {**os.environ, "ORBITO_DATABASE_URL": migrated_database}
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [str(ORBITO), "websites", "list"], stdout=full, stderr=subprocess.PIPE, env=environment
        )
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    assert b"orbito: could not write the answer out (No space left on device)" in result.stderr
