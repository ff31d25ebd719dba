"""teams_sla: support teams with business-hours calendars, SLA policies per plan tier and clock,
routing to a team or a person (issue 16; feedback/teams, feedback/followups/policies.py).

- ``teams``, ``team_members``, ``team_holidays``;
- ``sla_policies`` gets its own id, a ``plan`` (NULL: the priority's default, as every existing
  row) and ``business_hours`` (true but for critical, as followups/defaults.py installs them:
  nothing changes until a case is in a team, as every existing case runs 24/7 without one);
  rebuilt as a new table, as the primary key changes;
- ``followups.team_id`` and ``followups.sla_policy_id`` (NULL for existing cases: no team, the
  priority's default policy, which is what they ran on);
- ``routing_rules.plan``, ``team_id`` and ``assignee_id``.

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

POLICY_COLUMNS = ("first_response_minutes", "next_reply_minutes", "resolution_minutes", "progress_interval_minutes")


def _priority():
    return sa.Enum("critical", "high", "normal", name="priority", native_enum=False, length=20)


def _plan():
    return sa.Enum("shared", "vps", "dedicated", name="plan", native_enum=False, length=20)


def _teams() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("always_open", sa.Boolean(), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("holiday_country", sa.String(length=2), nullable=True),
        sa.Column("holiday_subdivision", sa.String(length=10), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["users.id"], name=op.f("fk_teams_lead_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_members_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_team_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_team_members")),
    )
    op.create_index(op.f("ix_team_members_user_id"), "team_members", ["user_id"])
    op.create_table(
        "team_holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_holidays_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_holidays")),
        sa.UniqueConstraint("team_id", "day", name="uq_team_holidays_day"),
    )


def _policies() -> None:
    # PostgreSQL names constraints per schema: the old table gives its name up before the new one takes it.
    op.rename_table("sla_policies", "sla_policies_old")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE sla_policies_old RENAME CONSTRAINT pk_sla_policies TO pk_sla_policies_old")
    op.create_table(
        "sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("priority", _priority(), nullable=False),
        sa.Column("plan", _plan(), nullable=True),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in POLICY_COLUMNS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
        sa.UniqueConstraint("priority", "plan", name="uq_sla_policies_priority_plan"),
    )
    op.create_index(
        "uq_sla_policies_default",
        "sla_policies",
        ["priority"],
        unique=True,
        postgresql_where=sa.text("plan IS NULL"),
        sqlite_where=sa.text("plan IS NULL"),
    )
    columns = ", ".join(POLICY_COLUMNS)
    op.execute(
        f"INSERT INTO sla_policies (priority, plan, business_hours, {columns}) "
        f"SELECT priority, NULL, priority <> 'critical', {columns} FROM sla_policies_old ORDER BY priority"
    )
    op.drop_table("sla_policies_old")


def upgrade():
    _teams()
    _policies()
    with op.batch_alter_table("followups") as batch:
        batch.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sla_policy_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_followups_team_id"), ["team_id"])
        batch.create_foreign_key(
            batch.f("fk_followups_team_id_teams"), "teams", ["team_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_foreign_key(
            batch.f("fk_followups_sla_policy_id_sla_policies"),
            "sla_policies",
            ["sla_policy_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("routing_rules") as batch:
        batch.add_column(sa.Column("plan", _plan(), nullable=True))
        batch.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_routing_rules_team_id_teams"), "teams", ["team_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_foreign_key(
            batch.f("fk_routing_rules_assignee_id_users"), "users", ["assignee_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    with op.batch_alter_table("routing_rules") as batch:
        batch.drop_constraint(batch.f("fk_routing_rules_assignee_id_users"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_routing_rules_team_id_teams"), type_="foreignkey")
        batch.drop_column("assignee_id")
        batch.drop_column("team_id")
        batch.drop_column("plan")
    with op.batch_alter_table("followups") as batch:
        batch.drop_constraint(batch.f("fk_followups_sla_policy_id_sla_policies"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_followups_team_id_teams"), type_="foreignkey")
        batch.drop_index(batch.f("ix_followups_team_id"))
        batch.drop_column("sla_policy_id")
        batch.drop_column("team_id")
    # Back to one policy per priority: the defaults stay, plan policies and the clock are lost.
    op.rename_table("sla_policies", "sla_policies_new")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE sla_policies_new RENAME CONSTRAINT pk_sla_policies TO pk_sla_policies_new")
        op.execute("DROP INDEX uq_sla_policies_default")
    else:
        op.drop_index("uq_sla_policies_default", table_name="sla_policies_new")
    op.create_table(
        "sla_policies",
        sa.Column("priority", _priority(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in POLICY_COLUMNS),
        sa.PrimaryKeyConstraint("priority", name=op.f("pk_sla_policies")),
    )
    columns = ", ".join(POLICY_COLUMNS)
    op.execute(
        f"INSERT INTO sla_policies (priority, {columns}) "
        f"SELECT priority, {columns} FROM sla_policies_new WHERE plan IS NULL"
    )
    op.drop_table("sla_policies_new")
    op.drop_table("team_holidays")
    op.drop_index(op.f("ix_team_members_user_id"), table_name="team_members")
    op.drop_table("team_members")
    op.drop_table("teams")
