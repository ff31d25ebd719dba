"""Mail rendered when it is sent: outbox.render_params holds, as JSON, what the template needs
(the SLA sweep queues thousands of escalation mails at once; the dispatcher renders each).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("render_params", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("render_params")
