"""Volume follow-ups for the benchmarks: one per rating, nearly all resolved, a fixed number overdue.

``generate_followups(now, overdue)`` gives every rating without a follow-up a resolved one with
one ``INSERT … SELECT`` (no row travels through Python), then makes sure exactly ``overdue``
follow-ups are open with every deadline past: those go through the real ``apply_deadlines`` so
their stored deadlines are what the service would have written. Called again after more ratings
were loaded, it adds resolved follow-ups only, so the sweep faces the same overdue set at every
volume.
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from feedback.extensions import db
from feedback.followups.models import Followup, FollowupStatus, Priority
from feedback.followups.services import policy_for
from feedback.followups.sla import apply_deadlines
from feedback.reports.followup_rollups import rebuild_followup_rollups

# Resolved history: answered after 2 h, resolved after 20 h, every deadline met.
RESOLVED = """
INSERT INTO followups (feedback_id, customer_id, priority, status, created_at, first_response_at,
                       attention_since, paused_seconds, resolved_at, first_response_due, resolution_due,
                       breached, first_response_breached, resolution_breached)
SELECT f.id, f.customer_id, 'normal', 'resolved', f.created_at, f.created_at + interval '2 hours',
       f.created_at + interval '2 hours', 0, f.created_at + interval '20 hours',
       f.created_at + interval '8 hours', f.created_at + interval '3 days', false, false, false
FROM feedback f
WHERE f.kind = 'rating' AND NOT EXISTS (SELECT 1 FROM followups x WHERE x.feedback_id = f.id)
"""


def overdue_count(now: datetime) -> int:
    """Follow-ups the sweep will pick up at ``now``: open or waiting, next check due."""
    return db.session.scalar(
        select(func.count())
        .select_from(Followup)
        .where(Followup.next_check_at <= now, Followup.status != FollowupStatus.RESOLVED)
    )


def generate_followups(now: datetime, overdue: int = 1000) -> int:
    """Add a follow-up to every rating lacking one; keep ``overdue`` of them overdue. PostgreSQL only.

    Returns the number of follow-ups added. Commits.
    """
    added = db.session.execute(text(RESOLVED)).rowcount
    # The raw INSERT bypasses the ORM hooks that keep the support report's rollups current.
    rebuild_followup_rollups()
    missing = overdue - overdue_count(now)
    if missing > 0:
        opened = now - timedelta(days=3)  # every deadline of a normal follow-up has passed
        policy = policy_for(Priority.NORMAL)
        rows = db.session.scalars(
            select(Followup)
            .where(Followup.status == FollowupStatus.RESOLVED)
            .order_by(Followup.id)
            .limit(missing)
        )
        for fu in rows:
            fu.status, fu.resolved_at, fu.first_response_at = FollowupStatus.OPEN, None, None
            fu.created_at = fu.attention_since = opened
            apply_deadlines(fu, policy)
    db.session.commit()
    return added
