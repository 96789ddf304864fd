"""Every query on websites and their API keys."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from orbito.db import rawsqlite
from orbito.db.tables import actions, api_keys, websites
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
        connection.execute(
            insert(websites).values(
                id=website_id,
                domain=domain,
                website_name=website_name,
                owner_email=owner_email,
                created_at=now,
                verification_token=verification_token,
            )
        )
    except IntegrityError:
        raise DomainAlreadyExists(details={"domain": domain}) from None
    connection.execute(
        insert(api_keys).values(key_digest=key_digest, website_id=website_id, created_at=now)
    )


def _usable(now: Any) -> Any:
    return or_(api_keys.c.expires_at.is_(None), api_keys.c.expires_at > now)


# Built once: every keyed request whose key is not cached runs it. A disabled website's keys
# are refused like unknown ones.
_KEY_HOLDER = (
    select(api_keys.c.website_id, api_keys.c.expires_at)
    .join(websites, websites.c.id == api_keys.c.website_id)
    .where(
        api_keys.c.key_digest == bindparam("digest"),
        _usable(bindparam("now")),
        websites.c.disabled_at.is_(None),
    )
)


# The same as SQLite's driver takes it (see `orbito.db.rawsqlite`).
_KEY_HOLDER_SQLITE = (
    "SELECT api_keys.website_id, api_keys.expires_at FROM api_keys"
    " JOIN websites ON websites.id = api_keys.website_id"
    " WHERE api_keys.key_digest = ?"
    " AND (api_keys.expires_at IS NULL OR api_keys.expires_at > ?)"
    " AND websites.disabled_at IS NULL"
)


def key_holder(connection: Connection, key_digest: str, now: datetime) -> KeyHolder | None:
    if connection.dialect.name == "sqlite":
        parameters = (key_digest, rawsqlite.stored_time(now))
        found = rawsqlite.driver(connection).execute(_KEY_HOLDER_SQLITE, parameters).fetchone()
        website_id, expires_at = (None, None) if found is None else found
        expires_at = rawsqlite.read_time(expires_at)
    else:
        row = connection.execute(_KEY_HOLDER, {"digest": key_digest, "now": now}).one_or_none()
        website_id, expires_at = (None, None) if row is None else row
    if website_id is None:
        return None
    return KeyHolder(website_id, key_digest, None if expires_at is None else expires_at.timestamp())


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
        asking = select(api_keys.c.expires_at).where(
            api_keys.c.key_digest == rotating_digest, api_keys.c.website_id == website_id
        )
        if connection.dialect.name != "sqlite":  # SQLite's writers already run one at a time
            asking = asking.with_for_update()
        found = connection.execute(asking).one_or_none()
        if found is None or found.expires_at is not None:
            return False
    # Keys past their time are of no more use to anyone.
    connection.execute(
        delete(api_keys).where(api_keys.c.website_id == website_id, api_keys.c.expires_at <= now)
    )
    connection.execute(
        update(api_keys)
        .where(api_keys.c.website_id == website_id, _usable(retire_at))
        .values(expires_at=retire_at)
    )
    connection.execute(
        insert(api_keys).values(key_digest=new_digest, website_id=website_id, created_at=now)
    )
    return True


def change_settings(
    connection: Connection, website_id: str, auto_disable_after_failures: int | None
) -> dict | None:
    """Set the owner's settings; the website's details after, or None if there is none."""
    connection.execute(
        update(websites)
        .where(websites.c.id == website_id)
        .values(auto_disable_after_failures=auto_disable_after_failures)
    )
    return website_with_counts(connection, website_id)


def website_with_counts(connection: Connection, website_id: str) -> dict | None:
    query = _with_counts(select(websites)).where(websites.c.id == website_id)
    row = connection.execute(query).mappings().one_or_none()
    return None if row is None else dict(row)


@dataclass(frozen=True, slots=True)
class Listed:
    """A website as discovery sees it."""

    website_id: str
    verified: bool


# Built once: discovery runs it whenever a domain's answer is not cached. A disabled website is
# not found.
_WEBSITE_FOR_DOMAIN = select(websites.c.id, websites.c.verified_at).where(
    websites.c.domain == bindparam("domain"), websites.c.disabled_at.is_(None)
)


def listed_website(connection: Connection, domain: str) -> Listed | None:
    row = connection.execute(_WEBSITE_FOR_DOMAIN, {"domain": domain}).one_or_none()
    return None if row is None else Listed(row.id, row.verified_at is not None)


def verification(connection: Connection, website_id: str) -> Any:
    """The website's domain, token and verification record; None if there is no such website."""
    query = select(
        websites.c.id,
        websites.c.domain,
        websites.c.verification_token,
        websites.c.verified_at,
        websites.c.verified_by,
        websites.c.verification_checked_at,
        websites.c.verification_results,
    ).where(websites.c.id == website_id)
    return connection.execute(query).one_or_none()


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
    connection.execute(
        update(websites)
        .where(websites.c.id == website_id)
        .values(verification_checked_at=now, verification_results=results)
    )
    if verified_by is not None:
        connection.execute(
            update(websites)
            .where(websites.c.id == website_id, websites.c.verified_at.is_(None))
            .values(verified_at=now, verified_by=verified_by)
        )


# What operators see of websites.


def all_websites(connection: Connection) -> list[dict]:
    query = _with_counts(select(websites)).order_by(websites.c.domain)
    return [dict(row) for row in connection.execute(query).mappings()]


def find_website(connection: Connection, domain_or_id: str) -> dict | None:
    """A website by its domain or its id, with its action and key counts."""
    match = or_(websites.c.domain == domain_or_id, websites.c.id == domain_or_id.lower())
    row = connection.execute(_with_counts(select(websites)).where(match)).mappings().first()
    return None if row is None else dict(row)


def key_counts(connection: Connection, website_id: str, now: datetime) -> dict[str, int]:
    usable = _usable(now)
    counted = select(
        func.count().filter(usable & api_keys.c.expires_at.is_(None)),
        func.count().filter(usable & api_keys.c.expires_at.is_not(None)),
    ).where(api_keys.c.website_id == website_id)
    permanent, expiring = connection.execute(counted).one()
    return {"keys": int(permanent), "keys_expiring": int(expiring)}


def set_disabled(connection: Connection, website_id: str, disabled_at: datetime | None) -> None:
    connection.execute(
        update(websites).where(websites.c.id == website_id).values(disabled_at=disabled_at)
    )


def delete_website(connection: Connection, website_id: str) -> None:
    # Explicitly, rather than by cascade alone: SQLite enforces foreign keys only when asked.
    connection.execute(delete(actions).where(actions.c.website_id == website_id))
    connection.execute(delete(api_keys).where(api_keys.c.website_id == website_id))
    connection.execute(delete(websites).where(websites.c.id == website_id))


def _with_counts(query: Any) -> Any:
    of_website = actions.c.website_id == websites.c.id
    total = select(func.count()).where(of_website).scalar_subquery()
    active = select(func.count()).where(of_website, actions.c.is_active).scalar_subquery()
    return query.add_columns(total.label("total_actions"), active.label("active_actions"))
