"""Each rating keeps the plan its customer was on when they gave it.

The satisfaction report's "by plan" counts a rating under that plan for good, so the rollups
and the raw rows agree even after a customer changes plan. Existing rows take their
customer's current plan (what the rollups were built with), and the rollups are rebuilt
from them once, which also folds in any drift from plan changes before this migration.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "plan",
                sa.Enum("shared", "vps", "dedicated", name="feedback_plan", native_enum=False, length=20),
                nullable=True,
            )
        )
    op.execute(
        "UPDATE feedback SET plan = (SELECT a.plan FROM customer_accounts a WHERE a.user_id = feedback.customer_id)"
    )
    bind = op.get_bind()
    day = "CAST(timezone('UTC', f.created_at) AS DATE)" if bind.dialect.name == "postgresql" else "date(f.created_at)"
    op.execute("DELETE FROM rating_rollups")
    op.execute(
        f"""
        INSERT INTO rating_rollups (day, category_key, plan, channel, ratings, csat_n, csat_satisfied,
                                    csat_sum, nps_n, promoters, detractors)
        SELECT {day}, COALESCE(f.category_id, 0), COALESCE(f.plan, 'none'), f.channel, COUNT(*),
               COUNT(f.csat), SUM(CASE WHEN f.csat >= 4 THEN 1 ELSE 0 END), COALESCE(SUM(f.csat), 0),
               COUNT(f.nps), SUM(CASE WHEN f.nps >= 9 THEN 1 ELSE 0 END),
               SUM(CASE WHEN f.nps <= 6 THEN 1 ELSE 0 END)
        FROM feedback f
        WHERE f.kind = 'rating'
        GROUP BY {day}, COALESCE(f.category_id, 0), COALESCE(f.plan, 'none'), f.channel
        """
    )


def downgrade():
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_column("plan")
