"""Every query on websites and their API keys."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from orbito.db.tables import actions, api_keys, websites
from orbito.errors import DomainAlreadyExists


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """The website an API key belongs to, and which key it was."""

    website_id: str
    key_digest: str


def insert_website(
    connection: Connection,
    *,
    website_id: str,
    domain: str,
    website_name: str,
    owner_email: str,
    key_digest: str,
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
            )
        )
    except IntegrityError:
        raise DomainAlreadyExists(details={"domain": domain}) from None
    connection.execute(
        insert(api_keys).values(key_digest=key_digest, website_id=website_id, created_at=now)
    )


# Built once: every keyed request whose key is not cached runs it.
_KEY_HOLDER = select(api_keys.c.website_id).where(
    api_keys.c.key_digest == bindparam("digest"),
    or_(api_keys.c.expires_at.is_(None), api_keys.c.expires_at > bindparam("now")),
)


def key_holder(connection: Connection, key_digest: str, now: datetime) -> KeyHolder | None:
    parameters = {"digest": key_digest, "now": now}
    website_id = connection.execute(_KEY_HOLDER, parameters).scalar_one_or_none()
    return None if website_id is None else KeyHolder(website_id, key_digest)


def website_with_counts(connection: Connection, website_id: str) -> dict | None:
    of_website = actions.c.website_id == websites.c.id
    total = select(func.count()).where(of_website).scalar_subquery()
    active = select(func.count()).where(of_website, actions.c.is_active).scalar_subquery()
    query = select(websites, total.label("total_actions"), active.label("active_actions")).where(
        websites.c.id == website_id
    )
    row = (connection.execute(query)).mappings().one_or_none()
    return None if row is None else dict(row)


# Built once: discovery runs it whenever a domain's answer is not cached.
_WEBSITE_FOR_DOMAIN = select(websites.c.id).where(websites.c.domain == bindparam("domain"))


def website_id_for_domain(connection: Connection, domain: str) -> str | None:
    return connection.execute(_WEBSITE_FOR_DOMAIN, {"domain": domain}).scalar_one_or_none()
