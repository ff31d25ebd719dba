"""Default categories, SLA policies and routing rules (PRODUCT.md).

The rows are written out here rather than imported from the application so that
this migration keeps meaning what it meant when it was written.
tests/followups/test_defaults.py checks they equal feedback.followups.defaults.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CATEGORIES = [
    ("support", "Support"),
    ("uptime", "Uptime"),
    ("performance", "Performance"),
    ("billing", "Billing"),
    ("control-panel", "Control panel"),
    ("email", "E-mail"),
    ("other", "Other"),
]


def upgrade():
    categories = sa.table(
        "categories",
        sa.column("id", sa.Integer),
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("position", sa.Integer),
        sa.column("active", sa.Boolean),
    )
    op.bulk_insert(
        categories,
        [
            {"id": i + 1, "slug": slug, "name": name, "position": i, "active": True}
            for i, (slug, name) in enumerate(CATEGORIES)
        ],
    )
    policies = sa.table(
        "sla_policies",
        sa.column("priority", sa.String),
        sa.column("first_response_minutes", sa.Integer),
        sa.column("next_reply_minutes", sa.Integer),
        sa.column("resolution_minutes", sa.Integer),
        sa.column("progress_interval_minutes", sa.Integer),
    )
    op.bulk_insert(
        policies,
        [
            {"priority": "critical", "first_response_minutes": 60, "next_reply_minutes": 60,
             "resolution_minutes": 240, "progress_interval_minutes": 720},
            {"priority": "high", "first_response_minutes": 240, "next_reply_minutes": 480,
             "resolution_minutes": 1440, "progress_interval_minutes": 720},
            {"priority": "normal", "first_response_minutes": 1440, "next_reply_minutes": 1440,
             "resolution_minutes": 4320, "progress_interval_minutes": 1440},
        ],
    )
    rules = sa.table(
        "routing_rules",
        sa.column("id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("name", sa.String),
        sa.column("urgent", sa.Boolean),
        sa.column("csat_max", sa.SmallInteger),
        sa.column("nps_max", sa.SmallInteger),
        sa.column("category_id", sa.Integer),
        sa.column("priority", sa.String),
        sa.column("active", sa.Boolean),
    )
    base = {"urgent": None, "csat_max": None, "nps_max": None, "category_id": None, "active": True}
    op.bulk_insert(
        rules,
        [
            {**base, "id": 1, "position": 0, "name": "Customer marked it urgent", "urgent": True,
             "priority": "critical"},
            {**base, "id": 2, "position": 1, "name": "CSAT 1 about uptime", "csat_max": 1, "category_id": 2,
             "priority": "critical"},
            {**base, "id": 3, "position": 2, "name": "CSAT 2 or lower", "csat_max": 2, "priority": "high"},
            {**base, "id": 4, "position": 3, "name": "NPS detractor (0–6)", "nps_max": 6, "priority": "normal"},
        ],
    )
    # Explicit ids above; move PostgreSQL's sequences past them.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('categories', 'id'), (SELECT max(id) FROM categories))")
        op.execute(
            "SELECT setval(pg_get_serial_sequence('routing_rules', 'id'), (SELECT max(id) FROM routing_rules))"
        )


def downgrade():
    op.execute("DELETE FROM routing_rules")
    op.execute("DELETE FROM sla_policies")
    op.execute("DELETE FROM categories")
