"""customer_risk: the renewal-at-risk queue's stored ranking facts, one row per customer login
(feedback/renewals/models.py, store.py), so a view ranks stored rows instead of looking up four
signals for every customer renewing in the window (issue 15).

Every customer starts stale: the first view of the queue (or ``flask renewals rebuild-risk`` and
then a view) computes them all; later views recompute only the customers written since.

- ``ix_customer_risk_stale``: the stale rows (partial), what a view recomputes first;
- ``ix_customer_risk_renews_on``: who renews in the window;
- ``ix_customer_risk_as_of`` and ``ix_customer_risk_next_at`` (partial): rows computed for a later
  instant than the view's, or whose dated facts change before it (future-dated rows).

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customer_risk",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("stale", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("renews_on", sa.Date(), nullable=True),
        sa.Column("revenue", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("latest_nps", sa.SmallInteger(), nullable=True),
        sa.Column("latest_low_csat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latest_breach_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("open_signal", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["users.id"], name=op.f("fk_customer_risk_customer_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_risk")),
    )
    op.create_index(
        "ix_customer_risk_stale",
        "customer_risk",
        ["customer_id"],
        postgresql_where=sa.text("stale IS true"),
        sqlite_where=sa.text("stale IS 1"),
    )
    op.create_index("ix_customer_risk_renews_on", "customer_risk", ["renews_on"])
    op.create_index("ix_customer_risk_as_of", "customer_risk", ["as_of"])
    op.create_index(
        "ix_customer_risk_next_at",
        "customer_risk",
        ["next_at"],
        postgresql_where=sa.text("next_at IS NOT NULL"),
        sqlite_where=sa.text("next_at IS NOT NULL"),
    )
    op.execute("INSERT INTO customer_risk (customer_id) SELECT id FROM users WHERE role = 'customer'")


def downgrade():
    op.drop_table("customer_risk")
