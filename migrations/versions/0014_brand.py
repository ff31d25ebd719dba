"""White-label: the host's brand (name, colour, support address, footer links, "Powered by",
and the logo as a re-encoded PNG), and outbox.sender_name, the From name each mail goes out under.

No brand row means the defaults (named Kontento), so nothing is inserted. Mail queued before
this revision keeps an empty sender name and goes out under MAIL_DEFAULT_SENDER as before.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "brand",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("primary_color", sa.String(length=7), nullable=True),
        sa.Column("support_email", sa.String(length=254), nullable=True),
        sa.Column("footer_links", sa.JSON(), nullable=False),
        sa.Column("show_powered_by", sa.Boolean(), nullable=False),
        sa.Column("logo_png", sa.LargeBinary(), nullable=True),
        sa.Column("logo_sha256", sa.String(length=64), nullable=True),
        sa.Column("logo_width", sa.SmallInteger(), nullable=True),
        sa.Column("logo_height", sa.SmallInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender_name", sa.String(length=120), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("sender_name")
    op.drop_table("brand")
