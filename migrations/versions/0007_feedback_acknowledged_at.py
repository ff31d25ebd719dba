"""Feedback remembers when its receipt mail was queued: the mail now goes from a job.

Existing rows had their receipt queued by the request that stored them, so they are marked
acknowledged at their creation time.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE feedback SET acknowledged_at = created_at")
    op.create_index(
        "ix_feedback_unacknowledged",
        "feedback",
        ["id"],
        unique=False,
        postgresql_where=sa.text("acknowledged_at IS NULL"),
        sqlite_where=sa.text("acknowledged_at IS NULL"),
    )


def downgrade():
    op.drop_index(
        "ix_feedback_unacknowledged",
        table_name="feedback",
        postgresql_where=sa.text("acknowledged_at IS NULL"),
        sqlite_where=sa.text("acknowledged_at IS NULL"),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_column("acknowledged_at")
