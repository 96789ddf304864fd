"""Every query on websites and their API keys."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orbito.db.sql import Connection, IntegrityViolation, Statement
from orbito.errors import DomainAlreadyExists


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """The website an API key belongs to, and which key it was."""

    website_id: str
    key_digest: str
    # When the key stops working (Unix seconds), if it is being rotated out.
    expires_at: float | None = None


def insert_website(
    connection: Connection,
    *,
    website_id: str,
    domain: str,
    website_name: str,
    owner_email: str,
    key_digest: str,
    verification_token: str,
    now: datetime,
) -> None:
    try:
        _INSERT_WEBSITE.run(
            connection, website_id, domain, website_name, owner_email, now, verification_token
        )
    except IntegrityViolation:
        raise DomainAlreadyExists(details={"domain": domain}) from None
    _INSERT_KEY.run(connection, key_digest, website_id, now)


_INSERT_WEBSITE = Statement(
    "INSERT INTO websites (id, domain, website_name, owner_email, created_at,"
    " verification_token) VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_KEY = Statement(
    "INSERT INTO api_keys (key_digest, website_id, created_at) VALUES (?, ?, ?)"
)
# A key that has not expired.
_USABLE = "(api_keys.expires_at IS NULL OR api_keys.expires_at > ?)"

# Every keyed request whose key is not cached runs it. A disabled website's keys are refused
# like unknown ones.
_KEY_HOLDER = Statement.select(
    "api_keys.website_id, api_keys.expires_at",
    "FROM api_keys JOIN websites ON websites.id = api_keys.website_id"
    f" WHERE api_keys.key_digest = ? AND {_USABLE} AND websites.disabled_at IS NULL",
)


def key_holder(connection: Connection, key_digest: str, now: datetime) -> KeyHolder | None:
    found = _KEY_HOLDER.one(connection, key_digest, now)
    if found is None:
        return None
    expires_at = found.expires_at
    return KeyHolder(
        found.website_id, key_digest, None if expires_at is None else expires_at.timestamp()
    )


_ASKING_KEY = Statement(
    "SELECT expires_at FROM api_keys WHERE key_digest = ? AND website_id = ?",
    # SQLite's writers already run one at a time.
    postgres="SELECT expires_at FROM api_keys WHERE key_digest = ? AND website_id = ? FOR UPDATE",
)
_DELETE_EXPIRED_KEYS = Statement("DELETE FROM api_keys WHERE website_id = ? AND expires_at <= ?")
_RETIRE_KEYS = Statement(f"UPDATE api_keys SET expires_at = ? WHERE website_id = ? AND {_USABLE}")


def rotate_keys(
    connection: Connection,
    website_id: str,
    rotating_digest: str | None,
    new_digest: str,
    retire_at: datetime,
    now: datetime,
) -> bool:
    """Add a key, and have the website's other keys stop working at `retire_at` at the latest.

    `rotating_digest` is the key asking, read again here rather than from any cache: only a
    key that is not itself being rotated out may rotate, so a retiring key (perhaps the leaked
    one) cannot cut the owner off from the new one. None is an operator, who may always rotate.
    False, and nothing done, when the asking key may not.
    """
    if rotating_digest is not None:
        found = _ASKING_KEY.one(connection, rotating_digest, website_id)
        if found is None or found[0] is not None:
            return False
    # Keys past their time are of no more use to anyone.
    _DELETE_EXPIRED_KEYS.run(connection, website_id, now)
    _RETIRE_KEYS.run(connection, retire_at, website_id, retire_at)
    _INSERT_KEY.run(connection, new_digest, website_id, now)
    return True


_CHANGE_SETTINGS = Statement("UPDATE websites SET auto_disable_after_failures = ? WHERE id = ?")


def change_settings(
    connection: Connection, website_id: str, auto_disable_after_failures: int | None
) -> dict | None:
    """Set the owner's settings; the website's details after, or None if there is none."""
    _CHANGE_SETTINGS.run(connection, auto_disable_after_failures, website_id)
    return website_with_counts(connection, website_id)


_WEBSITE_COLUMNS = (
    "id, domain, website_name, owner_email, created_at, verification_token, verified_at,"
    " verified_by, verification_checked_at, verification_results, disabled_at,"
    " auto_disable_after_failures"
)


def _with_counts(where: str) -> Statement:
    """Websites' every column, and how many actions each has, and how many of them are active."""
    counted = "SELECT count(*) FROM actions WHERE actions.website_id = websites.id"
    return Statement.select(
        f"{_WEBSITE_COLUMNS}, ({counted}) AS total_actions,"
        f" ({counted} AND actions.is_active) AS active_actions",
        f"FROM websites {where}",
    )


_WEBSITE_WITH_COUNTS = _with_counts("WHERE id = ?")


def website_with_counts(connection: Connection, website_id: str) -> dict | None:
    found = _WEBSITE_WITH_COUNTS.one(connection, website_id)
    return None if found is None else found._asdict()


@dataclass(frozen=True, slots=True)
class Listed:
    """A website as discovery sees it."""

    website_id: str
    verified: bool


# Discovery runs it whenever a domain's answer is not cached. A disabled website is not found.
_WEBSITE_FOR_DOMAIN = Statement.select(
    "id, verified_at", "FROM websites WHERE domain = ? AND disabled_at IS NULL"
)


def listed_website(connection: Connection, domain: str) -> Listed | None:
    found = _WEBSITE_FOR_DOMAIN.one(connection, domain)
    return None if found is None else Listed(found.id, found.verified_at is not None)


_VERIFICATION = Statement.select(
    "id, domain, verification_token, verified_at, verified_by, verification_checked_at,"
    " verification_results",
    "FROM websites WHERE id = ?",
)


def verification(connection: Connection, website_id: str) -> Any:
    """The website's domain, token and verification record; None if there is no such website."""
    return _VERIFICATION.one(connection, website_id)


_RECORD_CHECK = Statement(
    "UPDATE websites SET verification_checked_at = ?, verification_results = ? WHERE id = ?"
)
_RECORD_VERIFIED = Statement(
    "UPDATE websites SET verified_at = ?, verified_by = ? WHERE id = ? AND verified_at IS NULL"
)


def record_verification(
    connection: Connection,
    website_id: str,
    results: list[dict],
    verified_by: str | None,
    now: datetime,
) -> None:
    """Store a check's results; a method that found the token verifies a website not yet verified.

    A failed check later leaves an earlier verification standing: it proved ownership then.
    """
    _RECORD_CHECK.run(connection, now, results, website_id)
    if verified_by is not None:
        _RECORD_VERIFIED.run(connection, now, verified_by, website_id)


# What operators see of websites.

_ALL_WEBSITES = _with_counts("ORDER BY domain")
_FIND_WEBSITE = _with_counts("WHERE domain = ? OR id = ?")


def all_websites(connection: Connection) -> list[dict]:
    return [row._asdict() for row in _ALL_WEBSITES.all(connection)]


def find_website(connection: Connection, domain_or_id: str) -> dict | None:
    """A website by its domain or its id, with its action and key counts."""
    found = _FIND_WEBSITE.one(connection, domain_or_id, domain_or_id.lower())
    return None if found is None else found._asdict()


_KEY_COUNTS = Statement(
    f"SELECT count(CASE WHEN {_USABLE} AND expires_at IS NULL THEN 1 END),"
    f" count(CASE WHEN {_USABLE} AND expires_at IS NOT NULL THEN 1 END)"
    " FROM api_keys WHERE website_id = ?"
)


def key_counts(connection: Connection, website_id: str, now: datetime) -> dict[str, int]:
    permanent, expiring = _KEY_COUNTS.one(connection, now, now, website_id)
    return {"keys": int(permanent), "keys_expiring": int(expiring)}


_SET_DISABLED = Statement("UPDATE websites SET disabled_at = ? WHERE id = ?")


def set_disabled(connection: Connection, website_id: str, disabled_at: datetime | None) -> None:
    _SET_DISABLED.run(connection, disabled_at, website_id)


# Explicitly, rather than by cascade alone: SQLite enforces foreign keys only when asked.
_DELETE_WEBSITE = (
    Statement("DELETE FROM actions WHERE website_id = ?"),
    Statement("DELETE FROM api_keys WHERE website_id = ?"),
    Statement("DELETE FROM websites WHERE id = ?"),
)


def delete_website(connection: Connection, website_id: str) -> None:
    for statement in _DELETE_WEBSITE:
        statement.run(connection, website_id)
