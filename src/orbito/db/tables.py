"""The schema, as SQLAlchemy Core tables, from which the migrations were written."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from orbito.db.types import JSONDocument, UTCDateTime

metadata = MetaData()

websites = Table(
    "websites",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("domain", String(253), nullable=False, unique=True),
    Column("website_name", String(200), nullable=False),
    Column("owner_email", String(254), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Published by the owner on the domain, over HTTP or in DNS, to prove they hold it.
    # Every website has one; nullable only for the reason migration 0002 gives.
    Column("verification_token", String(64), nullable=True),
    Column("verified_at", UTCDateTime, nullable=True),
    Column("verified_by", String(8), nullable=True),
    Column("verification_checked_at", UTCDateTime, nullable=True),
    Column("verification_results", JSONDocument, nullable=True),
    # Set by an operator: the website's key and discovery stop answering, nothing is deleted.
    Column("disabled_at", UTCDateTime, nullable=True),
    # Set by the owner: an action that fails this many times in a row is switched off.
    Column("auto_disable_after_failures", Integer, nullable=True),
)

# Keys live apart from websites so that a website can hold more than one while a key is rotated.
api_keys = Table(
    "api_keys",
    metadata,
    Column("key_digest", String(64), primary_key=True),
    Column(
        "website_id",
        String(36),
        ForeignKey("websites.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
)

actions = Table(
    "actions",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("website_id", String(36), ForeignKey("websites.id", ondelete="CASCADE"), nullable=False),
    Column("action_id", String(128), nullable=False),
    Column("intent", String(128), nullable=False),
    Column("description", Text, nullable=False),
    Column("selector", Text, nullable=False),
    Column("parameters", JSONDocument, nullable=False),
    Column("position", JSONDocument, nullable=True),
    Column("meta", JSONDocument, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("usage_count", BigInteger, nullable=False),
    Column("last_used", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("registered_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Failures reported by the extension; a use in between resets the run of them.
    Column("failure_count", BigInteger, nullable=False, server_default="0"),
    Column("consecutive_failures", BigInteger, nullable=False, server_default="0"),
    Column("last_failure_at", UTCDateTime, nullable=True),
    Column("last_failure_reason", String(32), nullable=True),
    Column("last_failure_message", Text, nullable=True),
    # When failures switched the action off; cleared whenever the owner sets its status.
    Column("auto_disabled_at", UTCDateTime, nullable=True),
    UniqueConstraint("website_id", "action_id", name="uq_actions_website_action"),
)


def _action_reference() -> Column:
    """The first part of the key of a table of per-action counts; gone with its action."""
    return Column(
        "action_pk",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("actions.id", ondelete="CASCADE"),
        primary_key=True,
    )


# Each use of an action also counts in its day (UTC), in the same transaction, so that a
# website's daily series adds up to its actions' usage counts from the day buckets began.
usage_days = Table(
    "usage_days",
    metadata,
    _action_reference(),
    Column("day", Date, primary_key=True),
    Column("count", BigInteger, nullable=False),
)

action_failures = Table(
    "action_failures",
    metadata,
    _action_reference(),
    Column("reason", String(32), primary_key=True),
    Column("count", BigInteger, nullable=False),
)
