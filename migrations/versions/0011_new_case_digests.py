"""New-case mail to staff is batched: the first case at once, the next ones within
FOLLOWUP_DIGEST_MINUTES in one digest per person. ``new_case_alerts`` records each case told
(or waiting to be told) to each staff member; ``new_case_mail_windows`` when each was last mailed.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "new_case_mail_windows",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_new_case_mail_windows_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_new_case_mail_windows")),
    )
    op.create_table(
        "new_case_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("in_digest", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["followups.id"],
            name=op.f("fk_new_case_alerts_followup_id_followups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_new_case_alerts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_new_case_alerts")),
        sa.UniqueConstraint("user_id", "followup_id", name="uq_new_case_alerts_once"),
    )
    op.create_index("ix_new_case_alerts_followup_id", "new_case_alerts", ["followup_id"], unique=False)
    op.create_index("ix_new_case_alerts_user_mailed", "new_case_alerts", ["user_id", "mailed_at"], unique=False)


def downgrade():
    op.drop_index("ix_new_case_alerts_user_mailed", table_name="new_case_alerts")
    op.drop_index("ix_new_case_alerts_followup_id", table_name="new_case_alerts")
    op.drop_table("new_case_alerts")
    op.drop_table("new_case_mail_windows")
