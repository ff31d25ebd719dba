"""Indexes for the renewal-at-risk queue and the staff queue at volume (issue 15).

The queue starts from the customers renewing in the chosen window and looks up each one's signals,
so every lookup must be a few index entries, not a walk over the customer's history:

- ``ix_customer_accounts_renewal_date``: customers without subscriptions renewing in the window
  (the active subscriptions' dates already have ``ix_subscriptions_status_renews``).
- ``ix_feedback_customer_low_csat``: a customer's low CSAT answers (1–2) by time (partial: only
  those rows), so "a low rating in the last 90 days" reads the few matching entries.
- ``ix_followups_customer_breached``: a customer's breached cases by time (partial), so "a breach
  in the last 180 days" is one entry.
- ``ix_feedback_proactive``: the few proactive feedback rows (staff called first), so the queue
  tells a customer's own cases from the ones it opened by one small hashed list.
- ``ix_followups_active_due``: the staff queue's order (nearest deadline first) over the open and
  waiting cases only (partial), so its first page is the index's first entries, not a sort of
  every open case (``ix_followups_status_due`` holds each status's deadlines apart).

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

LOW_CSAT = sa.text("csat <= 2")
PROACTIVE = sa.text("kind = 'proactive'")
ACTIVE = sa.text("status IN ('open', 'waiting')")


def upgrade():
    op.create_index("ix_customer_accounts_renewal_date", "customer_accounts", ["renewal_date"])
    op.create_index(
        "ix_feedback_customer_low_csat",
        "feedback",
        ["customer_id", "created_at"],
        postgresql_where=LOW_CSAT,
        sqlite_where=LOW_CSAT,
    )
    op.create_index(
        "ix_followups_customer_breached",
        "followups",
        ["customer_id", "created_at"],
        postgresql_where=sa.text("breached IS TRUE"),
        sqlite_where=sa.text("breached IS 1"),
    )
    op.create_index(
        "ix_feedback_proactive", "feedback", ["id"], postgresql_where=PROACTIVE, sqlite_where=PROACTIVE
    )
    op.create_index(
        "ix_followups_active_due",
        "followups",
        ["due_at", "created_at", "id"],
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )


def downgrade():
    op.drop_index("ix_followups_active_due", table_name="followups")
    op.drop_index("ix_feedback_proactive", table_name="feedback")
    op.drop_index("ix_followups_customer_breached", table_name="followups")
    op.drop_index("ix_feedback_customer_low_csat", table_name="feedback")
    op.drop_index("ix_customer_accounts_renewal_date", table_name="customer_accounts")
