"""Operators' commands on the database itself, with no server running.

`orbito websites list|show|disable|enable|delete`, `orbito keys rotate` and `orbito actions
list` work on the same database the service uses. Running servers see a change within their
cache's lifetime (`ORBITO_CACHE_SECONDS`).
"""

import argparse
import asyncio
import json
import logging
import os
import sys
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from orbito.actions import repository as actions
from orbito.db.engine import Database, open_database, sqlite_path
from orbito.db.revision import SCHEMA_REVISION, schema_revision
from orbito.errors import OrbitoError
from orbito.settings import Settings
from orbito.timefmt import iso_utc, utc_now
from orbito.websites import repository as websites
from orbito.websites.domains import InvalidDomain, normalise_domain
from orbito.websites.schemas import DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS
from orbito.websites.service import issue_key

log = logging.getLogger("orbito.operations")


class CommandFailed(Exception):
    """Stops a command with a message for the operator and exit status 1."""


def add_commands(commands: Any, bounded: Callable[[int, int], Any]) -> None:
    """The operators' subcommands, on the `orbito` parser's subcommands."""
    site = commands.add_parser("websites", help="list, inspect, disable, enable or delete websites")
    site_commands = site.add_subparsers(dest="operation", required=True)
    _with_json(site_commands.add_parser("list", help="every website, by domain"))
    for name, text in (
        ("show", "one website's details, keys and verification"),
        ("disable", "stop a website: discovery answers 404 and its keys 401; nothing is deleted"),
        ("enable", "serve a disabled website again"),
        ("delete", "delete a website with its actions and keys"),
    ):
        command = _with_json(site_commands.add_parser(name, help=text))
        command.add_argument("website", help="the website's domain or id")
        if name == "delete":
            command.add_argument("--yes", action="store_true", help="confirm the deletion")

    keys = commands.add_parser("keys", help="API keys")
    rotate = _with_json(
        keys.add_subparsers(dest="operation", required=True).add_parser(
            "rotate", help="give a website a new key; the old ones stop after a grace period"
        )
    )
    rotate.add_argument("website", help="the website's domain or id")
    rotate.add_argument(
        "--grace-seconds",
        type=bounded(0, MAX_GRACE_SECONDS),
        default=DEFAULT_GRACE_SECONDS,
        help="how long the old keys keep working (default 86400; 0 revokes them at once)",
    )

    listing = commands.add_parser("actions", help="a website's actions")
    action_list = _with_json(
        listing.add_subparsers(dest="operation", required=True).add_parser(
            "list", help="every action of a website, active or not"
        )
    )
    action_list.add_argument("website", help="the website's domain or id")


def _with_json(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def run(arguments: argparse.Namespace, settings: Settings) -> int:
    try:
        text = asyncio.run(_run(arguments, settings))
    except CommandFailed as failure:
        print(f"orbito: {failure}", file=sys.stderr)
        return 1
    except OrbitoError as error:  # the database could not be reached or refused the work
        cause = error.__cause__ or error
        reason = str(getattr(cause, "orig", None) or cause).splitlines()[0]
        print(f"orbito: cannot use the database: {reason}", file=sys.stderr)
        return 1
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # The reader stopped early (`| head`). Not a success: a rotated key may be unseen.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as error:
        print(f"orbito: could not write the answer out ({error.strerror})", file=sys.stderr)
        return 1
    return 0


async def _run(arguments: argparse.Namespace, settings: Settings) -> str:
    path = sqlite_path(settings.database_url)
    # SQLite would create a missing file, and the command would then speak of an empty one.
    if path is not None and not path:
        raise CommandFailed("ORBITO_DATABASE_URL names no database file")
    if path is not None and not Path(path).is_file():
        raise CommandFailed(
            f"there is no database file at {path}; ORBITO_DATABASE_URL names the"
            " server's database (relative paths start from the current directory)"
        )
    db = open_database(settings)
    try:
        if await db.read(schema_revision) != SCHEMA_REVISION:
            raise CommandFailed("the database is not up to date; run `orbito db upgrade` first")
        command = _COMMANDS[(arguments.command, arguments.operation)]
        return await command(db, arguments)
    finally:
        await db.dispose()


async def _list_websites(db: Database, arguments: argparse.Namespace) -> str:
    rows = await db.read(websites.all_websites)
    summaries = [_summary(row) for row in rows]
    if arguments.json:
        return _json(summaries)
    columns = (
        "domain",
        "website_id",
        "website_name",
        "actions",
        "verified",
        "status",
        "created_at",
    )
    table = [
        {**summary, "actions": f"{summary['active_actions']}/{summary['total_actions']}"}
        for summary in summaries
    ]
    return _table(table, columns) if table else "no websites"


async def _show_website(db: Database, arguments: argparse.Namespace) -> str:
    row = await _website(db, arguments.website)
    summary = {
        **_summary(row),
        "owner_email": row["owner_email"],
        "verified_at": iso_utc(row["verified_at"]),
        "verified_by": row["verified_by"],
        **await db.read(websites.key_counts, row["id"], utc_now()),
    }
    if arguments.json:
        return _json(summary)
    width = max(len(name) for name in summary)
    return "\n".join(f"{name:<{width}}  {_cell(value)}" for name, value in summary.items())


async def _disable(db: Database, arguments: argparse.Namespace) -> str:
    return await _switch(db, arguments, disable=True)


async def _enable(db: Database, arguments: argparse.Namespace) -> str:
    return await _switch(db, arguments, disable=False)


async def _switch(db: Database, arguments: argparse.Namespace, disable: bool) -> str:
    row = await _website(db, arguments.website)
    already = (row["disabled_at"] is not None) == disable
    if not already:
        await db.write(websites.set_disabled, row["id"], utc_now() if disable else None)
        extra = {"website_id": row["id"], "domain": row["domain"]}
        log.info("website.disabled" if disable else "website.enabled", extra=extra)
    state = "disabled" if disable else "active"
    if arguments.json:
        return _json({"website_id": row["id"], "domain": row["domain"], "status": state})
    return f"{row['domain']} is {state}" + (" (unchanged)" if already else "")


async def _delete(db: Database, arguments: argparse.Namespace) -> str:
    row = await _website(db, arguments.website)
    if not arguments.yes:
        raise CommandFailed(
            f"this deletes {row['domain']} with its {row['total_actions']} actions and its keys;"
            " run again with --yes to do it"
        )
    await db.write(websites.delete_website, row["id"])
    log.info("website.deleted", extra={"website_id": row["id"], "domain": row["domain"]})
    if arguments.json:
        return _json({"website_id": row["id"], "domain": row["domain"], "deleted": True})
    return f"deleted {row['domain']} and its {row['total_actions']} actions"


async def _rotate_key(db: Database, arguments: argparse.Namespace) -> str:
    row = await _website(db, arguments.website)
    grace = timedelta(seconds=arguments.grace_seconds)
    issued = await issue_key(db, row["id"], None, grace)
    assert issued is not None  # an operator may always rotate
    answer = {"website_id": row["id"], "domain": row["domain"], **issued}
    if arguments.json:
        return _json(answer)
    return (
        f"new key for {row['domain']} (shown only now): {answer['api_key']}\n"
        f"its previous keys stop working at {answer['previous_keys_expire_at']}"
    )


async def _list_actions(db: Database, arguments: argparse.Namespace) -> str:
    row = await _website(db, arguments.website)
    listed = [
        {
            "action_id": action.action_id,
            "intent": action.intent,
            "selector": action.selector,
            "is_active": action.is_active,
            "usage_count": action.usage_count,
            "last_used": iso_utc(action.last_used),
        }
        for is_active in (True, False)
        for action in await db.read(actions.list_actions, row["id"], is_active)
    ]
    listed.sort(key=lambda action: action["action_id"])
    if arguments.json:
        return _json(listed)
    columns = ("action_id", "intent", "is_active", "usage_count", "last_used", "selector")
    return _table(listed, columns) if listed else f"{row['domain']} has no actions"


async def _website(db: Database, given: str) -> dict:
    """The website a command names, by domain (in any form discovery accepts) or by id."""
    try:
        wanted = normalise_domain(given)
    except InvalidDomain:
        wanted = given.strip()
    row = await db.read(websites.find_website, wanted)
    if row is None:
        raise CommandFailed(f"no website has the domain or id {given!r}")
    return row


def _summary(row: dict) -> dict:
    return {
        "website_id": row["id"],
        "domain": row["domain"],
        "website_name": row["website_name"],
        "total_actions": int(row["total_actions"]),
        "active_actions": int(row["active_actions"]),
        "verified": row["verified_at"] is not None,
        "status": "active" if row["disabled_at"] is None else "disabled",
        "disabled_at": iso_utc(row["disabled_at"]),
        "created_at": iso_utc(row["created_at"]),
    }


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    # Stored text may hold format characters (right-to-left overrides, say) that would
    # rearrange a terminal's line; they are shown as escapes instead.
    return "".join(
        f"\\u{ord(character):04x}" if unicodedata.category(character) in ("Cc", "Cf") else character
        for character in str(value)
    )


def _table(rows: list[dict], columns: tuple[str, ...]) -> str:
    cells = [[_cell(row[column]) for column in columns] for row in rows]
    header = [column.upper().replace("_", " ") for column in columns]
    widths = [max(len(text) for text in column) for column in zip(header, *cells, strict=True)]
    lines = [header, *cells]
    return "\n".join(
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


_COMMANDS = {
    ("websites", "list"): _list_websites,
    ("websites", "show"): _show_website,
    ("websites", "disable"): _disable,
    ("websites", "enable"): _enable,
    ("websites", "delete"): _delete,
    ("keys", "rotate"): _rotate_key,
    ("actions", "list"): _list_actions,
}
