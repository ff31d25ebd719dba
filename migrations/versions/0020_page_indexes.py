"""Indexes for the manager and staff pages at volume (issue 15).

- ``ix_feedback_customer_nps``: a customer's NPS answers by time (partial: only rows with an NPS),
  so "the latest NPS answer before an instant" (retention's satisfaction split, renewals at risk)
  is one index entry, not a walk over the customer's ratings.
- ``ix_subscription_events_sub_day``: a subscription's events by day and id, so "the price after
  the last event before a day" (retention's MRR) is one backward index step, not a sort.
- ``ix_outbox_created``: the outbox page lists newest first; without it, every view sorted the
  whole table.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

HAS_NPS = sa.text("nps IS NOT NULL")


def upgrade():
    op.create_index(
        "ix_feedback_customer_nps",
        "feedback",
        ["customer_id", "created_at", "id"],
        postgresql_where=HAS_NPS,
        sqlite_where=HAS_NPS,
    )
    op.create_index(
        "ix_subscription_events_sub_day", "subscription_events", ["subscription_id", "occurred_on", "id"]
    )
    op.create_index("ix_outbox_created", "outbox", ["created_at", "id"])


def downgrade():
    op.drop_index("ix_outbox_created", table_name="outbox")
    op.drop_index("ix_subscription_events_sub_day", table_name="subscription_events")
    op.drop_index("ix_feedback_customer_nps", table_name="feedback")
