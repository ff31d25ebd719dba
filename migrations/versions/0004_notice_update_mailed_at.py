"""Notice updates remember when they were mailed (the e-mail now goes from a job).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notice_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True))
    # Updates posted before this were mailed in their request: never mail them again.
    op.execute("UPDATE notice_updates SET mailed_at = created_at")
    # Likewise published notices: before this, publishing mailed at once (or, for an event
    # already over, on purpose not at all).
    op.execute("UPDATE notices SET notified_at = published_at WHERE published_at IS NOT NULL AND notified_at IS NULL")


def downgrade():
    with op.batch_alter_table("notice_updates", schema=None) as batch_op:
        batch_op.drop_column("mailed_at")
