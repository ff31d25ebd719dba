"""The SLA sweep: warnings at 80 %, breaches, idempotence and catch-up."""

from datetime import timedelta

from feedback.extensions import db
from feedback.followups import services
from feedback.followups.jobs import sweep
from feedback.followups.models import EventKind, SlaEscalation, SlaTarget
from tests.conftest import T0

H = timedelta(hours=1)
M = timedelta(minutes=1)


def escalations(fu):
    return sorted(
        (e.target.value, e.level)
        for e in db.session.scalars(db.select(SlaEscalation).filter_by(followup_id=fu.id))
    )


def test_nothing_before_80_percent(app, make):
    fu = make.rating(make.customer(), csat=1, category="uptime", now=T0).followup  # first response 1 h
    result = sweep(T0 + 47 * M)
    assert (result.warnings, result.breaches) == (0, 0)
    assert fu.next_check_at == T0 + 48 * M


def test_warning_at_80_percent_then_breach(app, make):
    fu = make.rating(make.customer(), csat=1, category="uptime", now=T0).followup
    assert sweep(T0 + 48 * M).warnings == 1
    assert escalations(fu) == [("first_response", "warning")]
    assert not fu.breached
    result = sweep(T0 + 61 * M)
    assert result.breaches == 1
    assert fu.breached and fu.first_response_breached
    assert fu.events[-1].kind == EventKind.SLA_BREACH


def test_sweep_is_idempotent(app, make):
    fu = make.rating(make.customer(), csat=1, category="uptime", now=T0).followup
    first = sweep(T0 + 90 * M)
    db.session.commit()
    again = sweep(T0 + 90 * M)
    assert (again.warnings, again.breaches, again.escalations) == (0, 0, 0)
    later = sweep(T0 + 90 * M + M)
    assert (later.warnings, later.breaches, later.escalations) == (0, 0, 0)
    assert first.breaches == 1
    assert len(escalations(fu)) == 1


def test_still_open_at_twice_the_span_escalates_once_more_then_never_again(app, make):
    fu = make.rating(make.customer(), csat=1, category="uptime", now=T0).followup  # first response 1 h
    assert sweep(T0 + 61 * M).breaches == 1
    assert sweep(T0 + 119 * M).escalations == 0
    assert sweep(T0 + 2 * H).escalations == 1
    assert escalations(fu) == [("first_response", "breach"), ("first_response", "escalated")]
    assert fu.events[-1].kind == EventKind.SLA_ESCALATED
    assert fu.events[-1].detail == "first_response"
    assert sweep(T0 + 3 * H).escalations == 0  # each level once


def test_catch_up_after_downtime_escalates_everything_overdue(app, make):
    customer = make.customer()
    critical = make.rating(customer, csat=1, category="uptime", now=T0).followup
    high = make.rating(customer, csat=2, now=T0).followup
    normal = make.rating(customer, csat=4, nps=0, now=T0).followup
    # Nobody swept for two days.
    result = sweep(T0 + 48 * H)
    db.session.commit()
    both = {"first_response", "resolution", "attention"}
    # Each deadline at 2× its span or more by now: breached, then escalated; never "due soon".
    every_level = sorted((target, level) for target in both for level in ("breach", "escalated"))
    assert escalations(critical) == every_level
    assert escalations(high) == every_level
    # Normal: 24 h first response and ceiling are past (at exactly 2×); 72 h resolution warns only at 57.6 h.
    assert escalations(normal) == [
        ("attention", "breach"),
        ("attention", "escalated"),
        ("first_response", "breach"),
        ("first_response", "escalated"),
    ]
    assert (result.breaches, result.warnings, result.escalations) == (8, 0, 8)
    assert sweep(T0 + 57 * H).warnings == 0
    assert sweep(T0 + 58 * H).warnings == 1


def test_a_reply_answers_the_deadline_and_stops_its_escalation(app, make):
    customer, staff = make.customer(), make.staff()
    fu = make.rating(customer, csat=2, now=T0).followup  # high: first response 4 h
    services.staff_reply(fu, staff, "Hello", now=T0 + H)
    db.session.commit()
    result = sweep(T0 + 4 * H)
    assert result.breaches == 0
    assert SlaTarget.FIRST_RESPONSE.value not in {t for t, _ in escalations(fu)}


def test_new_deadline_after_an_event_is_escalated_again(app, make):
    customer, staff = make.customer(), make.staff()
    fu = make.rating(customer, csat=1, category="uptime", now=T0).followup
    services.staff_reply(fu, staff, "On it", now=T0 + 10 * M)
    services.customer_reply(fu, customer, "Still down", now=T0 + 20 * M)  # next reply due +1 h
    result = sweep(T0 + 80 * M + M)
    assert ("next_reply", "breach") in escalations(fu)
    assert result.breaches >= 1
