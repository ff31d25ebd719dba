"""Volume data for the page benchmark: ratings, their cases, subscriptions and outbox rows.

``load(ratings, seed, now)`` fills an empty schema (PostgreSQL only) so that every manager and
staff page has something to show at any size, in the shares a web host sees:

- ratings and their rollups by ``feedback.demo.bulk.generate_bulk`` (one bulk customer per 50
  ratings, at most 20,000);
- a case for every rating the default routing rules call negative (CSAT ≤ 2, NPS ≤ 6 or urgent:
  about 26 %), priority as those rules set it, deadlines from the default SLA policies, one
  ``INSERT … SELECT``. Cases opened in the last ``OPEN_DAYS`` days are still open (one in five
  waiting on the customer) and go through the real ``apply_deadlines``, so the queue, the backlog
  and the overdue ones are what the service would have stored; the rest were resolved after 2 to
  72 hours, some late (breached);
- one subscription per bulk customer from their account, with its events (started, a renewal
  every cycle, some upgraded from shared, one in five ended: lapsed or cancelled in the last two
  years), by ``INSERT … SELECT``, as the retention report and renewals at risk read them;
- one outbox message per case (the "case opened" mail), sent, except the last hour's (pending)
  and a few failed.

Rows are written with Core/SQL, never one ORM object per row (except the few open cases).
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from feedback.demo.bulk import BULK_DOMAIN, generate_bulk
from feedback.extensions import db
from feedback.followups.models import Followup, FollowupStatus
from feedback.followups.services import policy_for
from feedback.followups.sla import apply_deadlines
from feedback.renewals.store import mark_all_stale
from feedback.reports.followup_rollups import rebuild_followup_rollups

OPEN_DAYS = 2  # cases opened since then are still open …
MIN_OPEN = 20  # … and at least this many of the latest, so that a small copy has a queue

# A case per negative rating (the default routing rules), resolved: answered within 20 min to
# 10 h, resolved 2 to 72 h after it opened; deadlines per the default policies (1/4/24 h first
# response, 4/24/72 h resolution). The spreads come from the id, so reloads give the same rows.
CASES = """
INSERT INTO followups (feedback_id, customer_id, priority, status, created_at, first_response_at,
                       attention_since, paused_seconds, resolved_at, first_response_due, resolution_due,
                       breached, first_response_breached, resolution_breached)
SELECT id, customer_id, priority, 'resolved', created_at, answered, answered, 0, resolved,
       first_due, resolution_due, answered > first_due OR resolved > resolution_due,
       answered > first_due, resolved > resolution_due
FROM (
    SELECT f.id, f.customer_id, f.created_at, p.priority,
           f.created_at + (1 + f.id % 30) * interval '20 minutes' AS answered,
           f.created_at + (2 + (f.id * 7) % 71) * interval '1 hour' AS resolved,
           f.created_at + p.first_hours * interval '1 hour' AS first_due,
           f.created_at + p.resolution_hours * interval '1 hour' AS resolution_due
    FROM feedback f
    JOIN categories c ON c.id = f.category_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN f.urgent OR (f.csat = 1 AND c.slug = 'uptime') THEN 'critical'
                    WHEN f.csat <= 2 THEN 'high' ELSE 'normal' END AS priority
    ) r
    CROSS JOIN LATERAL (
        SELECT r.priority,
               CASE r.priority WHEN 'critical' THEN 1 WHEN 'high' THEN 4 ELSE 24 END AS first_hours,
               CASE r.priority WHEN 'critical' THEN 4 WHEN 'high' THEN 24 ELSE 72 END AS resolution_hours
    ) p
    WHERE f.kind = 'rating' AND (f.csat <= 2 OR f.nps <= 6 OR f.urgent)
) cases
"""

# One subscription per bulk customer, from their account; one in ten lapsed and one in ten
# cancelled on a day of the last two years (the account then shows that day as its renewal).
SUBSCRIPTIONS = """
INSERT INTO subscriptions (customer_id, external_id, plan, monthly_price, cycle_months, status,
                           started_on, renews_on, ended_on, created_at)
SELECT a.user_id, 'bench-' || a.user_id, a.plan, a.monthly_price,
       CASE WHEN extract(month FROM age(a.renewal_date, a.signup_date)) = 0 THEN 12 ELSE 1 END,
       CASE a.user_id % 10 WHEN 0 THEN 'lapsed' WHEN 1 THEN 'cancelled' ELSE 'active' END,
       a.signup_date,
       CASE WHEN a.user_id % 10 IN (0, 1) THEN NULL ELSE a.renewal_date END,
       CASE WHEN a.user_id % 10 IN (0, 1) THEN CAST(:today AS date) - (a.user_id * 37) % 700 END,
       :now
FROM customer_accounts a JOIN users u ON u.id = a.user_id
WHERE u.email LIKE :pattern
"""
ENDED_ACCOUNTS = """
UPDATE customer_accounts a SET renewal_date = s.ended_on
FROM subscriptions s WHERE s.customer_id = a.user_id AND s.ended_on IS NOT NULL
"""
# Two in five VPS customers started on shared and upgraded 4 to 10 months later.
UPGRADED = "(s.plan = 'vps' AND s.id % 5 < 2)"
EVENTS = [
    f"""
INSERT INTO subscription_events (subscription_id, customer_id, kind, occurred_on, plan, from_plan,
                                 monthly_price, source_key, created_at)
SELECT s.id, s.customer_id, 'started', s.started_on, CASE WHEN {UPGRADED} THEN 'shared' ELSE s.plan END,
       NULL, CASE WHEN {UPGRADED} THEN 9.90 ELSE s.monthly_price END, 'bench-' || s.id || '-start', :now
FROM subscriptions s
""",
    f"""
INSERT INTO subscription_events (subscription_id, customer_id, kind, occurred_on, plan, from_plan,
                                 monthly_price, source_key, created_at)
SELECT s.id, s.customer_id, 'upgraded', (s.started_on + (4 + s.id % 7) * interval '1 month')::date,
       s.plan, 'shared', s.monthly_price, 'bench-' || s.id || '-upgrade', :now
FROM subscriptions s WHERE {UPGRADED}
""",
    """
INSERT INTO subscription_events (subscription_id, customer_id, kind, occurred_on, plan, from_plan,
                                 monthly_price, source_key, created_at)
SELECT s.id, s.customer_id, 'renewed', due, s.plan, NULL, s.monthly_price,
       'bench-' || s.id || '-renew' || k, :now
FROM subscriptions s
CROSS JOIN LATERAL generate_series(1, 60) k
CROSS JOIN LATERAL (SELECT (s.started_on + k * s.cycle_months * interval '1 month')::date AS due) d
WHERE due < COALESCE(s.ended_on, s.renews_on)
""",
    """
INSERT INTO subscription_events (subscription_id, customer_id, kind, occurred_on, plan, from_plan,
                                 monthly_price, source_key, created_at)
SELECT s.id, s.customer_id, s.status, s.ended_on, s.plan, NULL, s.monthly_price,
       'bench-' || s.id || '-end', :now
FROM subscriptions s WHERE s.ended_on IS NOT NULL
""",
]

# The "case opened" mail of every case: sent a minute later, except the last hour's (pending)
# and one in 500 (failed after its attempts).
OUTBOX = """
INSERT INTO outbox (kind, user_id, to_email, to_name, sender_name, subject, body_text, body_html,
                    headers, status, attempts, last_error, created_at, next_attempt_at, sent_at)
SELECT 'followups/opened', u.id, u.email, u.name, '', 'We are on it: case K-' || fu.id,
       'Hello ' || u.name || E',\\n\\nThank you for telling us. Case K-' || fu.id
           || E' is open and someone from our team will answer soon.\\n\\nYour hosting team',
       '<p>Hello ' || u.name || ',</p><p>Thank you for telling us. Case <b>K-' || fu.id
           || '</b> is open and someone from our team will answer soon.</p><p>Your hosting team</p>',
       '{}',
       CASE WHEN fu.created_at > :hour_ago THEN 'pending' WHEN fu.id % 500 = 0 THEN 'failed' ELSE 'sent' END,
       CASE WHEN fu.created_at > :hour_ago THEN 0 WHEN fu.id % 500 = 0 THEN 5 ELSE 1 END,
       CASE WHEN fu.id % 500 = 0 AND fu.created_at <= :hour_ago THEN '550 mailbox unavailable' ELSE '' END,
       fu.created_at, fu.created_at,
       CASE WHEN fu.created_at > :hour_ago OR fu.id % 500 = 0 THEN NULL
            ELSE fu.created_at + interval '1 minute' END
FROM followups fu JOIN users u ON u.id = fu.customer_id
"""


def open_recent_cases(now: datetime) -> int:
    """Reopen the cases of the last ``OPEN_DAYS`` days (at least ``MIN_OPEN``) with deadlines from
    the real service rule."""
    policies = {}
    recent = db.session.scalar(
        select(func.count())
        .select_from(Followup)
        .where(Followup.created_at > now - timedelta(days=OPEN_DAYS))
    )
    cases = db.session.scalars(
        select(Followup).order_by(Followup.created_at.desc()).limit(max(recent, MIN_OPEN))
    )
    opened = 0
    for fu in cases:
        waiting = fu.id % 5 == 0
        fu.status = FollowupStatus.WAITING if waiting else FollowupStatus.OPEN
        fu.resolved_at = None
        fu.resolution_breached = fu.breached = fu.first_response_breached = False
        if fu.first_response_at > now:  # not answered yet
            fu.first_response_at = None
        fu.attention_since = fu.first_response_at or fu.created_at
        fu.paused_at = now - timedelta(hours=1) if waiting else None
        if fu.priority not in policies:  # the bench's cases have no team nor plan policy
            policies[fu.priority] = policy_for(fu)
        apply_deadlines(fu, policies[fu.priority])
        opened += 1
    db.session.flush()
    return opened


def load(ratings: int, seed: int, now: datetime) -> dict:
    """Fill the current (empty, migrated) schema at ``ratings`` ratings; return row counts. Commits."""
    generate_bulk(ratings, seed=seed, now=now)
    cases = db.session.execute(text(CASES)).rowcount
    opened = open_recent_cases(now)
    params = {"now": now, "today": now.date(), "pattern": f"%@{BULK_DOMAIN}"}
    subscriptions = db.session.execute(text(SUBSCRIPTIONS), params).rowcount
    db.session.execute(text(ENDED_ACCOUNTS))
    events = sum(db.session.execute(text(sql), {"now": now}).rowcount for sql in EVENTS)
    outbox = db.session.execute(text(OUTBOX), {"hour_ago": now - timedelta(hours=1)}).rowcount
    rebuild_followup_rollups()  # the cases went in by SQL, past the hooks that keep them current
    mark_all_stale(db.session.connection())  # and past those marking the renewal queue's stored facts
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {
        "ratings": ratings,
        "followups": cases,
        "open_followups": opened,
        "subscriptions": subscriptions,
        "subscription_events": events,
        "outbox": outbox,
    }
