"""The SLA sweep did not run for a day: when it resumes, one run escalates everything overdue
in that day, once, and mails each escalation once."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from feedback.extensions import db
from feedback.followups.models import SlaEscalation
from feedback.mailer.dispatch import dispatch
from feedback.worker.jobs import run_job
from tests.conftest import T0

from .conftest import delivery_counts, outbox, report

H, DAY = timedelta(hours=1), timedelta(days=1)
EACH = 4


def _escalations() -> Counter:
    rows = db.session.execute(
        select(SlaEscalation.followup_id, SlaEscalation.target, SlaEscalation.level)
    ).all()
    return Counter((f, t.value, level) for f, t, level in rows)


def test_a_sweep_that_missed_a_day_escalates_everything_overdue_once(app, database_url, make, smtp):
    make.manager()
    make.staff()
    customer = make.customer()
    fresh = {"critical": [], "high": [], "normal": []}
    for _ in range(EACH):
        fresh["critical"].append(make.rating(customer, csat=1, category="uptime", now=T0).followup.id)
        fresh["high"].append(make.rating(customer, csat=2, now=T0).followup.id)
        fresh["normal"].append(make.rating(customer, csat=4, nps=0, now=T0).followup.id)
    older = [make.rating(customer, csat=4, nps=0, now=T0 - 36 * H).followup.id for _ in range(EACH)]

    # The last sweep before the outage, at T0: the older cases' first response and 24 h
    # attention deadlines fell 12 h ago.
    assert run_job("sla_sweep", now=T0).breaches == 2 * EACH
    before = _escalations()
    mail_before = set(outbox())

    # Nothing ran for a day. Deadlines that fell meanwhile (docs/metrics.md policies): critical
    # 1 h / 4 h / 24 h attention, high 4 h / 24 h / 24 h, normal 24 h first response and
    # attention; the older normal cases passed 80 % of their 72 h resolution (T0 + 21.6 h).
    # Still open at twice a deadline's span, the last level: critical first response (2 h) and
    # resolution (8 h), high first response (8 h), the older cases' first response and attention
    # (48 h after they came in, T0 + 12 h).
    result = run_job("sla_sweep", now=T0 + DAY)
    three = ("first_response", "resolution", "attention")
    expected = Counter(
        [(f, t, "breach") for f in fresh["critical"] + fresh["high"] for t in three]
        + [(f, t, "breach") for f in fresh["normal"] for t in ("first_response", "attention")]
        + [(f, "resolution", "warning") for f in older]
        + [(f, t, "escalated") for f in fresh["critical"] for t in ("first_response", "resolution")]
        + [(f, "first_response", "escalated") for f in fresh["high"]]
        + [(f, t, "escalated") for f in older for t in ("first_response", "attention")]
    )
    escalated = _escalations() - before
    assert run_job("sla_sweep", now=T0 + DAY) is None  # this period has run
    again = run_job("sla_sweep", now=T0 + DAY + timedelta(minutes=1))
    db.session.rollback()
    assert (result.breaches, result.warnings, result.escalations) == (8 * EACH, EACH, 5 * EACH)
    assert (again.breaches, again.warnings, again.escalations) == (0, 0, 0)
    assert escalated == expected
    assert _escalations() - before == expected  # the later sweep added nothing

    mail = {i for i in outbox() if i not in mail_before}
    assert Counter(row.kind for i, row in outbox().items() if i in mail) == {
        "followups/sla_breach": 8 * EACH,
        "followups/sla_warning": EACH,
        "followups/sla_escalated": 5 * EACH,
    }
    dispatch(T0 + DAY)
    counts = delivery_counts(smtp, mail)
    report(
        "catch-up",
        database_url,
        jobs=3,
        kills=0,
        escalations=sum(escalated.values()),
        missed=sum((expected - escalated).values()),
        **counts,
    )
    assert counts == {"sent": 14 * EACH, "duplicates": 0, "lost": 0}
