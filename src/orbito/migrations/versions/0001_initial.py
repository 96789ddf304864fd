"""Websites, their API keys and their actions.

Why: the first schema. Keys sit in their own table, stored only as SHA-256 digests, so that
a website can hold an old and a new key while one is rotated. Actions are unique per
(website, action_id) because registration is an upsert on that pair.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from orbito.db.types import JSONDocument, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "websites",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("domain", sa.String(253), nullable=False, unique=True),
        sa.Column("website_name", sa.String(200), nullable=False),
        sa.Column("owner_email", sa.String(254), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("key_digest", sa.String(64), primary_key=True),
        sa.Column(
            "website_id",
            sa.String(36),
            sa.ForeignKey("websites.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=True),
    )
    op.create_table(
        "actions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column(
            "website_id",
            sa.String(36),
            sa.ForeignKey("websites.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("action_id", sa.String(128), nullable=False),
        sa.Column("intent", sa.String(128), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("selector", sa.Text, nullable=False),
        sa.Column("parameters", JSONDocument, nullable=False),
        sa.Column("position", JSONDocument, nullable=True),
        sa.Column("meta", JSONDocument, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("usage_count", sa.BigInteger, nullable=False),
        sa.Column("last_used", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("registered_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("website_id", "action_id", name="uq_actions_website_action"),
    )


def downgrade() -> None:
    op.drop_table("actions")
    op.drop_table("api_keys")
    op.drop_table("websites")
