"""retention_months: the retention report's figures of months that can no longer change, stored
once and read by every later view (feedback/reports/retention/store.py); retention_epoch, the
invalidation counter that keeps a view from storing a month a concurrent write just changed.

Empty at first: a view fills the months it needs (``flask reports rebuild-retention`` does it
ahead of time).

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "retention_months",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("valid_through", sa.Date(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "month", name=op.f("pk_retention_months")),
    )
    with op.batch_alter_table("retention_months", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_retention_months_valid_through"), ["valid_through"], unique=False
        )
    epoch = op.create_table(
        "retention_epoch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_epoch")),
    )
    op.bulk_insert(epoch, [{"id": 1, "n": 0}])


def downgrade():
    op.drop_table("retention_epoch")
    with op.batch_alter_table("retention_months", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_months_valid_through"))
    op.drop_table("retention_months")
