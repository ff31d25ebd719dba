"""API tokens get a label (what their owner called them), and users get what makes prefix
searches on e-mail and name index ranges (Settings → Customers, the token list's filter).

The searches compare bytewise (feedback/core/db.py: ``bytewise``, ``bytewise_string``), as SQLite
does: on PostgreSQL, whose linguistic collations a plain index cannot serve a prefix from, the
e-mail column becomes ``COLLATE "C"`` (its unique index is rebuilt so, and serves the prefixes).

The name is searched through ``users.name_key``: the name case-folded in Python (NFKC, casefold,
NFKC; ``feedback.core.db.search_key``), because SQLite's ``lower()`` folds ASCII only. The key is
computed here for the existing rows, in batches; the column is ``COLLATE "C"`` on PostgreSQL too,
so a plain index serves its prefixes on both databases. No expression index: SQLite batch
rebuilds of ``users`` in later migrations keep every index.

Revision ID: 0016
Revises: 0015
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BATCH = 5_000
NAME_KEY_LENGTH = 255
_users = sa.table(
    "users", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("name_key", sa.String)
)


def _name_key(name: str) -> str:
    # feedback.auth.models.name_key as of this revision (a migration must not change with the code).
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())[:NAME_KEY_LENGTH]


def _backfill_name_keys(bind) -> None:
    """Give every existing user their name's key, BATCH rows at a time (keyset on id)."""
    set_key = (
        _users.update().where(_users.c.id == sa.bindparam("b_id")).values(name_key=sa.bindparam("b_key"))
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(_users.c.id, _users.c.name).where(_users.c.id > last).order_by(_users.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(set_key, [{"b_id": id_, "b_key": _name_key(name)} for id_, name in rows])
        last = rows[-1].id


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(length=100), server_default="", nullable=False))
    if postgresql:
        op.alter_column(
            "users",
            "email",
            type_=sa.String(254, collation="C"),
            existing_type=sa.String(254),
            existing_nullable=False,
        )
    key_type = sa.String(length=NAME_KEY_LENGTH, collation="C" if postgresql else None)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", key_type, nullable=True))
    _backfill_name_keys(bind)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=key_type, nullable=False)
        batch_op.create_index(batch_op.f("ix_users_name_key"), ["name_key"], unique=False)


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_name_key"))
        batch_op.drop_column("name_key")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "users",
            "email",
            type_=sa.String(254),
            existing_type=sa.String(254, collation="C"),
            existing_nullable=False,
        )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("label")
