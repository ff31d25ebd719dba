"""SLA deadlines, pauses and the 24 h ceiling, with time set explicitly."""

from datetime import timedelta

import pytest

from feedback.followups import services
from feedback.followups.models import EventKind, FollowupStatus, Priority
from tests.conftest import T0

H = timedelta(hours=1)


@pytest.fixture
def people(make):
    return make.customer(), make.staff()


def open_case(make, customer, csat=1, category="support", urgent=False, now=T0):
    return make.rating(customer, csat=csat, category=category, urgent=urgent, now=now).followup


@pytest.mark.parametrize(
    ("csat", "category", "urgent", "priority", "first", "resolution"),
    [
        (1, "uptime", False, Priority.CRITICAL, 1, 4),
        (2, "support", False, Priority.HIGH, 4, 24),
        (5, "support", True, Priority.CRITICAL, 1, 4),
    ],
)
def test_deadlines_stored_at_creation(app, make, people, csat, category, urgent, priority, first, resolution):
    fu = open_case(make, people[0], csat=csat, category=category, urgent=urgent)
    assert fu.priority == priority
    assert fu.first_response_due == T0 + first * H
    assert fu.resolution_due == T0 + resolution * H
    assert fu.attention_due == T0 + 24 * H
    assert fu.next_reply_due is None
    assert fu.due_at == T0 + first * H


def test_normal_priority_deadlines(app, make, people):
    fb = make.rating(people[0], csat=4, nps=3, now=T0)
    fu = fb.followup
    assert fu.priority == Priority.NORMAL
    assert fu.first_response_due == T0 + 24 * H
    assert fu.resolution_due == T0 + 72 * H


def test_first_response_met_and_next_reply_clock(app, make, people):
    customer, staff = people
    fu = open_case(make, customer, csat=2)  # high: first 4 h, next reply 8 h
    services.staff_reply(fu, staff, "Looking into it", now=T0 + 2 * H)
    assert fu.first_response_at == T0 + 2 * H
    assert not fu.first_response_breached
    assert fu.next_reply_due is None
    assert fu.attention_due == T0 + 26 * H
    services.customer_reply(fu, customer, "Still slow", now=T0 + 3 * H)
    assert fu.next_reply_due == T0 + 11 * H
    # a second customer message does not move the clock: it runs from the oldest unanswered one
    services.customer_reply(fu, customer, "Any news?", now=T0 + 5 * H)
    assert fu.next_reply_due == T0 + 11 * H
    services.staff_reply(fu, staff, "Fixed the cache", now=T0 + 6 * H)
    assert fu.next_reply_due is None
    # after an answer, the next customer reply restarts the clock
    services.customer_reply(fu, customer, "Thanks, but…", now=T0 + 7 * H)
    assert fu.next_reply_due == T0 + 15 * H


def test_internal_note_is_not_a_response(app, make, people):
    customer, staff = people
    fu = open_case(make, customer, csat=2)
    services.internal_note(fu, staff, "Checked server load", now=T0 + H)
    assert fu.first_response_at is None
    assert fu.attention_due == T0 + 24 * H
    assert fu.events[-1].kind == EventKind.INTERNAL_NOTE
    assert not fu.events[-1].is_public


def test_late_first_response_marks_breach(app, make, people):
    customer, staff = people
    fu = open_case(make, customer, csat=1, category="uptime")  # 1 h
    services.staff_reply(fu, staff, "Sorry for the wait", now=T0 + 90 * timedelta(minutes=1))
    assert fu.first_response_breached
    assert fu.breached


def test_waiting_on_customer_pauses_resolution(app, make, people):
    customer, staff = people
    fu = open_case(make, customer, csat=2)  # resolution 24 h
    services.staff_reply(fu, staff, "Which domain?", now=T0 + H)
    services.set_waiting(fu, staff, now=T0 + 2 * H)
    assert fu.status == FollowupStatus.WAITING
    assert fu.resolution_due == T0 + 24 * H
    assert fu.due_at == T0 + 25 * H  # only the 24 h attention ceiling still runs
    services.customer_reply(fu, customer, "example.org", now=T0 + 12 * H)  # 10 h paused
    assert fu.status == FollowupStatus.OPEN
    assert fu.paused_seconds == 10 * 3600
    assert fu.resolution_due == T0 + 34 * H
    services.set_waiting(fu, staff, now=T0 + 13 * H)
    services.resume(fu, staff, now=T0 + 15 * H)  # staff end the wait: 2 h more
    assert fu.resolution_due == T0 + 36 * H
    services.resolve(fu, staff, now=T0 + 35 * H)
    assert fu.status == FollowupStatus.RESOLVED
    assert not fu.resolution_breached
    assert fu.due_at is None and fu.next_check_at is None


def test_resolution_breach_recorded_on_late_resolve(app, make, people):
    customer, staff = people
    fu = open_case(make, customer, csat=1, category="uptime")  # 4 h
    services.staff_reply(fu, staff, "On it", now=T0 + 0.5 * H)
    services.resolve(fu, staff, now=T0 + 5 * H)
    assert fu.resolution_breached and fu.breached


def test_24h_ceiling_applies_to_every_open_followup(app, make, people):
    customer, staff = people
    fb = make.rating(customer, csat=4, nps=2, now=T0)  # normal: 24 h first, 72 h resolution
    fu = fb.followup
    services.staff_reply(fu, staff, "Thanks, we'll look", now=T0 + 1 * H)
    assert fu.due_at == T0 + 25 * H  # ceiling, sooner than the 72 h resolution
    services.staff_reply(fu, staff, "Update: still working", now=T0 + 20 * H)
    assert fu.due_at == T0 + 44 * H


def test_reopen_restarts_attention_and_excludes_resolved_time(app, make, people):
    customer, staff = people
    fu = open_case(make, customer, csat=2)  # resolution 24 h
    services.staff_reply(fu, staff, "Done", now=T0 + H)
    services.resolve(fu, staff, now=T0 + 2 * H)
    services.reopen(fu, staff, now=T0 + 50 * H)
    assert fu.status == FollowupStatus.OPEN
    assert fu.resolution_due == T0 + 72 * H  # 48 h resolved do not count
    assert fu.attention_due == T0 + 74 * H


def test_actions_refused_on_resolved_case(app, make, people):
    customer, staff = people
    fu = open_case(make, customer)
    services.resolve(fu, staff, now=T0 + H)
    with pytest.raises(services.FollowupError):
        services.staff_reply(fu, staff, "late", now=T0 + 2 * H)
    with pytest.raises(services.FollowupError):
        services.resolve(fu, staff, now=T0 + 2 * H)
    # The customer may answer for CUSTOMER_REOPEN_DAYS (7), which reopens the case
    # (tests/surveys/test_dashboard.py); a minute later it is refused.
    with pytest.raises(services.FollowupError):
        services.customer_reply(fu, customer, "late", now=T0 + H + 7 * 24 * H + timedelta(minutes=1))
    assert not fu.is_open
