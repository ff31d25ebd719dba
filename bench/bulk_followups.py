"""Volume follow-ups for the benchmarks: one per rating, nearly all resolved, a fixed number overdue.

``generate_followups(now, overdue)`` gives every rating without a follow-up a resolved one with
one ``INSERT … SELECT`` (no row travels through Python), then makes sure exactly ``overdue``
follow-ups are open with every deadline past: those go through the real ``apply_deadlines`` so
their stored deadlines are what the service would have written. Called again after more ratings
were loaded, it adds resolved follow-ups only, so the sweep faces the same overdue set at every
volume.

With calendars (the default), half of the cases, overdue ones included, are in a support team
working Berlin business hours (Mon–Fri 09:00–18:00, German and Berlin public holidays), and the
high and normal policies count business time: the sweep then works out every deadline of those
cases on the team's calendar, as it does in production.
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from feedback.extensions import db
from feedback.followups.models import Followup, FollowupStatus, Priority, SlaPolicy
from feedback.followups.policies import policy_for
from feedback.followups.sla import apply_deadlines
from feedback.reports.followup_rollups import rebuild_followup_rollups
from feedback.teams.models import Team
from feedback.teams.services import save_team

# Resolved history: answered after 2 h, resolved after 20 h, every deadline met.
RESOLVED = """
INSERT INTO followups (feedback_id, customer_id, team_id, priority, status, created_at, first_response_at,
                       attention_since, paused_seconds, resolved_at, first_response_due, resolution_due,
                       breached, first_response_breached, resolution_breached)
SELECT f.id, f.customer_id, CASE WHEN f.id % 2 = 0 THEN CAST(:team_id AS integer) END, 'normal', 'resolved',
       f.created_at, f.created_at + interval '2 hours',
       f.created_at + interval '2 hours', 0, f.created_at + interval '20 hours',
       f.created_at + interval '8 hours', f.created_at + interval '3 days', false, false, false
FROM feedback f
WHERE f.kind = 'rating' AND NOT EXISTS (SELECT 1 FROM followups x WHERE x.feedback_id = f.id)
"""


TEAM = "Bench Berlin"
# Business-time cases opened this long before "now": every level of a 72-working-hour
# resolution (escalated at 2x: 144 working hours, 16 working days) has passed, holidays and all.
BUSINESS_OPENED_DAYS_AGO = 45


def bench_team() -> Team:
    """The Berlin business-hours team (made once), with high and normal on business time."""
    team = db.session.scalar(select(Team).where(Team.name == TEAM))
    if team is None:
        team = save_team(
            None,
            name=TEAM,
            timezone="Europe/Berlin",
            always_open=False,
            hours=["09:00-18:00"] * 5 + ["", ""],
            holiday_country="DE",
            holiday_subdivision="BE",
            holidays=[],
            lead=None,  # breaches go to the managers, as for the cases without a team
            members=[],
        )
    for policy in db.session.scalars(
        select(SlaPolicy).where(SlaPolicy.priority.in_([Priority.HIGH, Priority.NORMAL]))
    ):
        policy.business_hours = True
    db.session.flush()
    return team


def overdue_count(now: datetime) -> int:
    """Follow-ups the sweep will pick up at ``now``: open or waiting, next check due."""
    return db.session.scalar(
        select(func.count())
        .select_from(Followup)
        .where(Followup.next_check_at <= now, Followup.status != FollowupStatus.RESOLVED)
    )


def generate_followups(now: datetime, overdue: int = 1000, calendars: bool = True) -> int:
    """Add a follow-up to every rating lacking one; keep ``overdue`` of them overdue. PostgreSQL only.

    ``calendars``: half the cases in the Berlin team (:func:`bench_team`), the overdue half of
    them high or normal on business time; else every case on calendar time, as before teams.
    Returns the number of follow-ups added. Commits.
    """
    team_id = bench_team().id if calendars else None
    added = db.session.execute(text(RESOLVED), {"team_id": team_id}).rowcount
    # The raw INSERT bypasses the ORM hooks that keep the support report's rollups current.
    rebuild_followup_rollups()
    missing = overdue - overdue_count(now)
    if missing > 0:
        rows = db.session.scalars(
            select(Followup)
            .where(Followup.status == FollowupStatus.RESOLVED)
            .order_by(Followup.id)
            .limit(missing)
        )
        for fu in rows:
            fu.status, fu.resolved_at, fu.first_response_at = FollowupStatus.OPEN, None, None
            on_team = fu.team_id is not None
            # Calendar time: 3 days passes every deadline of a normal case (as before teams).
            opened = now - timedelta(days=BUSINESS_OPENED_DAYS_AGO if on_team else 3)
            fu.priority = Priority.HIGH if on_team and fu.id % 4 == 0 else Priority.NORMAL
            fu.created_at = fu.attention_since = opened
            apply_deadlines(fu, policy_for(fu, now))
    db.session.commit()
    return added
