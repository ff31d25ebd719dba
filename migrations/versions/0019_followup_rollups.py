"""followup_rollups: the support report's counts and duration histograms per UTC day and month
(feedback/reports/followup_rollups.py), filled from the follow-ups already stored; and indexes on
the first-response and resolution deadlines, which the report counts live from today on.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "followup_rollups",
        sa.Column("grain", sa.String(length=5), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("measure", sa.String(length=12), nullable=False),
        sa.Column("bin", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("total_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "grain", "day", "priority", "measure", "bin", name=op.f("pk_followup_rollups")
        ),
    )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_followups_first_response_due"), ["first_response_due"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_followups_resolution_due"), ["resolution_due"], unique=False)
    # The bins are computed in Python (one definition, shared with the write path and the rebuild).
    from feedback.reports.followup_rollups import fill

    fill(op.get_bind())


def downgrade():
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followups_resolution_due"))
        batch_op.drop_index(batch_op.f("ix_followups_first_response_due"))
    op.drop_table("followup_rollups")
