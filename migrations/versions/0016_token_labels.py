"""API tokens get a label (what their owner called them), and users get the indexes that make
prefix searches on e-mail and name index ranges (Settings → Customers, the token list's filter).

The searches compare bytewise (feedback/core/db.py: ``bytewise``): ``COLLATE "C"`` on PostgreSQL,
whose linguistic collations a plain index cannot serve a prefix from; on SQLite the unique index on
e-mail already serves it, and the name's is on ``lower(name)``.

On SQLite, a later migration that rebuilds ``users`` (``batch_alter_table``) cannot reflect the
expression index: drop it before and create it again after, as this one's downgrade shows.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(length=100), server_default="", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute('CREATE INDEX ix_users_email_bytewise ON users ((email COLLATE "C"))')
        op.execute('CREATE INDEX ix_users_name_bytewise ON users ((lower(name) COLLATE "C"))')
    else:
        op.execute("CREATE INDEX ix_users_name_bytewise ON users (lower(name))")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_users_email_bytewise")
    op.execute("DROP INDEX ix_users_name_bytewise")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("label")
