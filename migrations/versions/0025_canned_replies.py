"""canned_replies: replies staff start from, per language, with placeholders that are filled
for the case ({customer_name}, {case_reference}, {agent_name}); managers edit them in
Settings → Canned replies (feedback/followups/canned.py).

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_replies")),
    )
    op.create_index(op.f("ix_canned_replies_language"), "canned_replies", ["language"])


def downgrade():
    op.drop_index(op.f("ix_canned_replies_language"), table_name="canned_replies")
    op.drop_table("canned_replies")
