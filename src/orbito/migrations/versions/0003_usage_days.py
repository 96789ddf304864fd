"""Daily usage buckets per action.

Why: owners want to see how use changes day by day, which a single counter cannot tell. Each
usage report counts into its action's bucket for the day (UTC) in the same transaction as the
counter; buckets begin with this revision, so uses before it are only in `usage_count`.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_days",
        sa.Column(
            "action_pk",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            sa.ForeignKey("actions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("usage_days")
