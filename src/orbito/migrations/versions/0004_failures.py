"""Failure reports per action, and the owner's setting that switches failing actions off.

Why: when an action's selector stops matching its page, the extension can now say so. Each
action counts its failures (in total, per reason, and in a row since its last use), and a
website may ask for an action to be switched off after a number of failures in a row.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from orbito.db.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("websites") as batch:
        batch.add_column(sa.Column("auto_disable_after_failures", sa.Integer, nullable=True))
    with op.batch_alter_table("actions") as batch:
        batch.add_column(
            sa.Column("failure_count", sa.BigInteger, nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("consecutive_failures", sa.BigInteger, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("last_failure_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("last_failure_reason", sa.String(32), nullable=True))
        batch.add_column(sa.Column("last_failure_message", sa.Text, nullable=True))
        batch.add_column(sa.Column("auto_disabled_at", UTCDateTime, nullable=True))
    op.create_table(
        "action_failures",
        sa.Column(
            "action_pk",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            sa.ForeignKey("actions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("reason", sa.String(32), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("action_failures")
    with op.batch_alter_table("actions") as batch:
        for name in (
            "auto_disabled_at",
            "last_failure_message",
            "last_failure_reason",
            "last_failure_at",
            "consecutive_failures",
            "failure_count",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("websites") as batch:
        batch.drop_column("auto_disable_after_failures")
