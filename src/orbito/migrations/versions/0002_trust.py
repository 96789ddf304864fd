"""Domain verification and operators' switch for a website.

Why: discovery must be able to tell a domain's proven owner from anyone who registered it
first, and operators must be able to stop a website without deleting it. Websites registered
before this revision get a verification token of their own here.

The token column stays nullable, though every row has one: making it NOT NULL would rebuild the
table on SQLite, and dropping the old table would cascade to every key and action.

Revision ID: 0002
Revises: 0001
"""

import secrets

import sqlalchemy as sa
from alembic import op

from orbito.db.types import JSONDocument, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("websites") as batch:
        batch.add_column(sa.Column("verification_token", sa.String(64), nullable=True))
        batch.add_column(sa.Column("verified_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("verified_by", sa.String(8), nullable=True))
        batch.add_column(sa.Column("verification_checked_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("verification_results", JSONDocument, nullable=True))
        batch.add_column(sa.Column("disabled_at", UTCDateTime, nullable=True))

    connection = op.get_bind()
    websites = sa.table("websites", sa.column("id"), sa.column("verification_token"))
    for (website_id,) in connection.execute(sa.select(websites.c.id)).all():
        connection.execute(
            websites.update()
            .where(websites.c.id == website_id)
            .values(verification_token=secrets.token_urlsafe(24))
        )


def downgrade() -> None:
    with op.batch_alter_table("websites") as batch:
        for name in (
            "disabled_at",
            "verification_results",
            "verification_checked_at",
            "verified_by",
            "verified_at",
            "verification_token",
        ):
            batch.drop_column(name)
