"""SLA deadlines on a team's business hours, through the real app and database, against
hand-computed moments: a weekend, both clock changes, public and typed holidays, midnight, a
split shift, a pause over a weekend, the warning and escalation levels, and the sweep after a
weekend of downtime.

The team works in Berlin, Monday to Friday 09:00–18:00, with Berlin's public holidays (``DE``,
``BE``) and Christmas Eve typed by hand. Berlin is UTC+1 in winter (CET) and UTC+2 in summer
(CEST); in 2026 the clocks go forward on Sunday 29 March and back on Sunday 25 October. High:
first response 4 h, next reply 8 h, resolution 24 h; normal: 24 h, 24 h, 72 h; both on business
time here. Critical (1 h, 4 h) stays on calendar time. Every expected moment is written in UTC,
with the working hours that make it up beside it.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from feedback.extensions import db
from feedback.followups import services
from feedback.followups.jobs import sweep
from feedback.followups.models import FollowupStatus, Priority, SlaEscalation, SlaTarget
from feedback.followups.policies import policy_for, policy_row
from feedback.followups.routing import active_rules
from feedback.followups.sla import active_deadlines
from tests.factories import Factory

H = timedelta(hours=1)
NINE_TO_SIX = ["09:00-18:00"] * 5 + ["", ""]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_team(name: str, hours: list[str], holidays=(), country="DE", subdivision="BE", lead=None):
    return Factory().team(
        name,
        hours,
        timezone="Europe/Berlin",
        country=country,
        subdivision=subdivision,
        holidays=holidays,
        lead=lead,
        members=[lead] if lead else [],
    )


def route_to(team) -> None:
    """Every routing rule sends its cases to ``team``; high and normal count business time."""
    for rule in active_rules():
        rule.team_id = team.id
    for priority in (Priority.HIGH, Priority.NORMAL):
        policy_row(priority, None).business_hours = True
    db.session.commit()


@pytest.fixture
def lead(make):
    return make.staff("Lena Lead")


@pytest.fixture
def berlin(app, lead):
    team = make_team("Berlin", NINE_TO_SIX, holidays=[(date(2026, 12, 24), "Heiligabend")], lead=lead)
    route_to(team)
    return team


@pytest.fixture
def customer(make):
    return make.customer()


def high(make, customer, opened):
    return make.rating(customer, csat=2, now=opened).followup


def critical(make, customer, opened):
    return make.rating(customer, csat=1, category="uptime", now=opened).followup


def deadlines(fu, now):
    return {d.target: d for d in active_deadlines(fu, policy_for(fu, now))}


def test_a_friday_evening_case_is_due_on_monday_and_its_ceiling_stays_calendar_time(make, berlin, customer):
    # Fri 6 Nov 2026 17:00 CET = 16:00 UTC.
    fu = high(make, customer, utc(2026, 11, 6, 16))
    assert fu.team_id == berlin.id
    # 4 h: Fri 17–18 (1 h), Mon 9 Nov 09–12 (3 h) → Mon 12:00 CET = 11:00 UTC.
    assert fu.first_response_due == utc(2026, 11, 9, 11)
    # 24 h: Fri 1 h, Mon 9 h (10), Tue 9 h (19), Wed 09–14 (5 h) → Wed 11 Nov 14:00 CET = 13:00 UTC.
    assert fu.resolution_due == utc(2026, 11, 11, 13)
    # The 24 h ceiling is calendar time on any policy: Sat 7 Nov 16:00 UTC, the nearest deadline.
    assert fu.attention_due == utc(2026, 11, 7, 16)
    assert fu.due_at == utc(2026, 11, 7, 16)


def test_critical_stays_around_the_clock_in_a_business_hours_team(make, berlin, customer):
    fu = critical(make, customer, utc(2026, 11, 6, 16))  # Fri 17:00 CET
    assert fu.team_id == berlin.id and fu.priority == Priority.CRITICAL
    assert fu.first_response_due == utc(2026, 11, 6, 17)  # + 1 h of calendar time, Fri 18:00 CET
    assert fu.resolution_due == utc(2026, 11, 6, 20)  # + 4 h, Fri 21:00 CET: the team has gone home
    assert not policy_for(fu, utc(2026, 11, 6, 16)).business_time


def test_a_case_without_a_team_runs_on_calendar_time_on_a_business_hours_policy(make, berlin, customer):
    for rule in active_rules():
        rule.team_id = None
    db.session.commit()
    fu = high(make, customer, utc(2026, 11, 6, 16))
    assert fu.team_id is None
    assert fu.first_response_due == utc(2026, 11, 6, 20)  # Fri 16:00 UTC + 4 h


def test_opened_on_the_saturday_before_clocks_go_forward(make, berlin, customer):
    # Sat 28 Mar 2026 12:00 CET = 11:00 UTC. Sunday 29 Mar the clocks go forward.
    fu = high(make, customer, utc(2026, 3, 28, 11))
    # Counting starts Mon 30 Mar 09:00 CEST = 07:00 UTC; + 4 h → 13:00 CEST = 11:00 UTC.
    assert fu.first_response_due == utc(2026, 3, 30, 11)
    # 24 h: Mon 9, Tue 9 (18), Wed 09–15 (6) → Wed 1 Apr 15:00 CEST = 13:00 UTC.
    assert fu.resolution_due == utc(2026, 4, 1, 13)
    # Calendar time across the change: 24 h after Sat 11:00 UTC is Sun 11:00 UTC (13:00 CEST).
    assert fu.attention_due == utc(2026, 3, 29, 11)


def test_opened_on_the_saturday_before_clocks_go_back(make, berlin, customer):
    # Sat 24 Oct 2026 12:00 CEST = 10:00 UTC. Sunday 25 Oct the clocks go back.
    fu = high(make, customer, utc(2026, 10, 24, 10))
    # Counting starts Mon 26 Oct 09:00 CET = 08:00 UTC; + 4 h → 13:00 CET = 12:00 UTC.
    assert fu.first_response_due == utc(2026, 10, 26, 12)
    # 24 h: Mon 9, Tue 9 (18), Wed 09–15 (6) → Wed 28 Oct 15:00 CET = 14:00 UTC.
    assert fu.resolution_due == utc(2026, 10, 28, 14)


def test_a_friday_case_across_the_autumn_change(make, berlin, customer):
    # Fri 23 Oct 2026 17:00 CEST = 15:00 UTC. 4 h: Fri 17–18 CEST (1 h), Mon 26 Oct 09–12 CET (3 h)
    # → Mon 12:00 CET = 11:00 UTC: 67 h on the wall clock after the opening, 68 h of real time
    # (the night of the change had 25 hours).
    fu = high(make, customer, utc(2026, 10, 23, 15))
    assert fu.first_response_due == utc(2026, 10, 26, 11)
    assert fu.first_response_due - fu.created_at == 68 * H


def test_the_evening_before_christmas_skips_the_typed_and_the_public_holidays(make, berlin, customer):
    # Wed 23 Dec 2026 17:00 CET = 16:00 UTC. Thu 24 Dec is typed (Heiligabend); Fri 25 and Sat 26
    # are public holidays (the package's); Sun 27 is a Sunday.
    fu = high(make, customer, utc(2026, 12, 23, 16))
    # 4 h: Wed 17–18 (1 h), Mon 28 Dec 09–12 (3 h) → 12:00 CET = 11:00 UTC.
    assert fu.first_response_due == utc(2026, 12, 28, 11)
    # 24 h: Wed 1, Mon 9 (10), Tue 9 (19), Wed 30 Dec 09–14 (5) → 14:00 CET = 13:00 UTC.
    assert fu.resolution_due == utc(2026, 12, 30, 13)


def test_without_the_typed_holiday_christmas_eve_is_a_working_day(make, lead, customer):
    route_to(make_team("Berlin without Christmas Eve", NINE_TO_SIX, lead=lead))
    fu = high(make, customer, utc(2026, 12, 23, 16))
    # 4 h: Wed 17–18 (1 h), Thu 24 Dec 09–12 (3 h) → 12:00 CET = 11:00 UTC.
    assert fu.first_response_due == utc(2026, 12, 24, 11)


def test_easter_from_the_package(make, berlin, customer):
    # Thu 2 Apr 2026 17:00 CEST = 15:00 UTC. Good Friday (3 Apr) and Easter Monday (6 Apr) are
    # public holidays. 4 h: Thu 17–18 (1 h), Tue 7 Apr 09–12 (3 h) → 12:00 CEST = 10:00 UTC.
    fu = high(make, customer, utc(2026, 4, 2, 15))
    assert fu.first_response_due == utc(2026, 4, 7, 10)


def test_opened_at_night_starts_at_the_next_opening(make, berlin, customer):
    # Tue 3 Nov 2026 23:30 CET = 22:30 UTC: closed until Wed 4 Nov 09:00 CET (08:00 UTC);
    # + 4 h → 13:00 CET = 12:00 UTC.
    fu = high(make, customer, utc(2026, 11, 3, 22, 30))
    assert fu.first_response_due == utc(2026, 11, 4, 12)


def test_a_night_shift_counts_across_midnight(make, lead, customer):
    # Evenings Mon–Fri 20:00–24:00, and the small hours Tue–Sat 00:00–04:00 (the same shift).
    night = ["20:00-24:00", "00:00-04:00, 20:00-24:00", "00:00-04:00, 20:00-24:00"]
    night += ["00:00-04:00, 20:00-24:00", "00:00-04:00, 20:00-24:00", "00:00-04:00", ""]
    route_to(make_team("Night owls", night, lead=lead))
    # Mon 2 Nov 2026 23:00 CET = 22:00 UTC. 4 h: Mon 23–24 (1 h), Tue 00–03 (3 h) → Tue 03:00 CET
    # = 02:00 UTC.
    fu = high(make, customer, utc(2026, 11, 2, 22))
    assert fu.first_response_due == utc(2026, 11, 3, 2)
    # 24 h: Mon 1, Tue 00–04 + 20–24 (9), Wed 8 (17), Thu 00–04 (21), Thu 20–23 (24) →
    # Thu 5 Nov 23:00 CET = 22:00 UTC.
    assert fu.resolution_due == utc(2026, 11, 5, 22)


def test_a_split_shift_skips_the_lunch_break(make, lead, customer):
    route_to(make_team("Split", ["09:00-12:30, 13:30-18:00"] * 5 + ["", ""], lead=lead))
    # Mon 2 Nov 2026 11:00 CET = 10:00 UTC. 4 h: 11:00–12:30 (1.5 h), 13:30–16:00 (2.5 h)
    # → 16:00 CET = 15:00 UTC.
    fu = high(make, customer, utc(2026, 11, 2, 10))
    assert fu.first_response_due == utc(2026, 11, 2, 15)
    # 24 h, 8 h a day: Mon 11:00–18:00 less lunch (6 h), Tue 8 (14), Wed 8 (22), Thu 09:00–11:00
    # (24) → Thu 5 Nov 11:00 CET = 10:00 UTC.
    assert fu.resolution_due == utc(2026, 11, 5, 10)


def test_a_pause_over_the_weekend_counts_only_its_working_hours(make, berlin, customer, lead):
    # Fri 6 Nov 2026 10:00 CET = 09:00 UTC. 24 h: Fri 10–18 (8), Mon 9 (17), Tue 09–16 (7)
    # → Tue 10 Nov 16:00 CET = 15:00 UTC.
    fu = high(make, customer, utc(2026, 11, 6, 9))
    assert fu.resolution_due == utc(2026, 11, 10, 15)
    services.staff_reply(fu, lead, "Which domain?", now=utc(2026, 11, 6, 10))
    services.set_waiting(fu, lead, now=utc(2026, 11, 6, 15))  # Fri 16:00 CET
    services.resume(fu, lead, now=utc(2026, 11, 9, 9))  # Mon 10:00 CET: 66 h of calendar time
    # Working time paused: Fri 16–18 (2 h) and Mon 09–10 (1 h) = 3 h.
    assert fu.paused_seconds == 3 * 3600
    # Pushed by exactly those 3 working hours: Tue 16–18 (2 h), Wed 09–10 (1 h) → Wed 11 Nov 10:00
    # CET = 09:00 UTC.
    assert fu.resolution_due == utc(2026, 11, 11, 9)


def test_a_pause_over_the_weekend_counts_in_full_on_calendar_time(make, berlin, customer, lead):
    # Critical in the same team: calendar time. Fri 6 Nov 15:00 CET = 14:00 UTC; resolution 4 h
    # → 18:00 UTC.
    fu = critical(make, customer, utc(2026, 11, 6, 14))
    assert fu.resolution_due == utc(2026, 11, 6, 18)
    services.staff_reply(fu, lead, "Looking", now=utc(2026, 11, 6, 14, 30))
    services.set_waiting(fu, lead, now=utc(2026, 11, 6, 15))  # Fri 16:00 CET
    services.customer_reply(fu, customer, "Here you are", now=utc(2026, 11, 9, 9))  # Mon 10:00 CET
    assert fu.status == FollowupStatus.OPEN
    assert fu.paused_seconds == 66 * 3600  # Fri 15:00 UTC → Mon 09:00 UTC
    assert fu.resolution_due == utc(2026, 11, 6, 18) + 66 * H  # Mon 9 Nov 12:00 UTC


def test_warning_and_escalation_moments_fall_on_business_time(make, berlin, customer):
    fu = high(make, customer, utc(2026, 11, 6, 16))  # Fri 17:00 CET
    running = deadlines(fu, utc(2026, 11, 6, 16))
    first, resolution = running[SlaTarget.FIRST_RESPONSE], running[SlaTarget.RESOLUTION]
    # 80 % of 4 h = 3 h 12 min: Fri 1 h, Mon 09:00–11:12 → 11:12 CET = 10:12 UTC.
    assert first.warn_at == utc(2026, 11, 9, 10, 12)
    assert first.due == utc(2026, 11, 9, 11)
    # 200 % = 8 h: Fri 1 h, Mon 09–16 → 16:00 CET = 15:00 UTC.
    assert first.escalate_at == utc(2026, 11, 9, 15)
    # 80 % of 24 h = 19 h 12 min: Fri 1, Mon 9, Tue 9 (19), Wed 09:00–09:12 → 08:12 UTC.
    assert resolution.warn_at == utc(2026, 11, 11, 8, 12)
    # 200 % = 48 h: Fri 1, Mon–Fri 9 each (46), Mon 16 Nov 09–11 (48) → 11:00 CET = 10:00 UTC.
    assert resolution.escalate_at == utc(2026, 11, 16, 10)
    # The ceiling's levels stay calendar time: 80 % of 24 h after Fri 16:00 UTC, and 48 h.
    attention = running[SlaTarget.ATTENTION]
    assert (attention.warn_at, attention.due, attention.escalate_at) == (
        utc(2026, 11, 7, 11, 12),
        utc(2026, 11, 7, 16),
        utc(2026, 11, 8, 16),
    )
    # The queue's "at risk" mark is the earliest warning: the ceiling's.
    assert fu.at_risk_at == utc(2026, 11, 7, 11, 12)


def escalations(fu) -> list[tuple[str, str]]:
    return sorted(
        (e.target.value, e.level)
        for e in db.session.scalars(db.select(SlaEscalation).filter_by(followup_id=fu.id))
    )


def test_the_sweep_after_a_weekend_of_downtime_records_each_level_once(make, berlin, customer):
    opened = utc(2026, 11, 6, 16)  # Fri 17:00 CET
    business, around_the_clock = high(make, customer, opened), critical(make, customer, opened)
    # Nobody swept from Friday evening until Mon 9 Nov 12:30 CET = 11:30 UTC.
    monday = utc(2026, 11, 9, 11, 30)
    result = sweep(monday)
    db.session.commit()
    # High, on business time: first response due Mon 11:00 UTC (passed; escalated only at 15:00
    # UTC); resolution warns Wed (not yet); the calendar-time ceiling was due Sat 16:00 UTC and
    # escalated Sun 16:00 UTC. No "due soon" for a deadline already passed.
    assert escalations(business) == [
        ("attention", "breach"),
        ("attention", "escalated"),
        ("first_response", "breach"),
    ]
    assert business.first_response_breached and not business.resolution_breached
    # Critical, on calendar time: first response (1 h), resolution (4 h) and ceiling (24 h) all
    # passed twice their span over the weekend.
    assert escalations(around_the_clock) == sorted(
        (target, level)
        for target in ("attention", "first_response", "resolution")
        for level in ("breach", "escalated")
    )
    assert (result.warnings, result.breaches, result.escalations) == (0, 5, 4)
    # Next for the high case: its first response's escalation at Mon 15:00 UTC.
    assert business.next_check_at == utc(2026, 11, 9, 15)

    again = sweep(monday)
    db.session.commit()
    assert (again.warnings, again.breaches, again.escalations) == (0, 0, 0)
    assert len(escalations(business)) == 3 and len(escalations(around_the_clock)) == 6

    # Monday 16:00 CET: the first response is escalated, once.
    later = sweep(utc(2026, 11, 9, 15))
    assert (later.warnings, later.breaches, later.escalations) == (0, 0, 1)
    assert ("first_response", "escalated") in escalations(business)
    assert sweep(utc(2026, 11, 9, 15)).escalations == 0


def test_the_sweep_warns_at_80_percent_of_working_time(make, berlin, customer):
    fu = high(make, customer, utc(2026, 11, 6, 16))  # Fri 17:00 CET
    services.staff_reply(fu, make.staff(), "Looking into it", now=utc(2026, 11, 6, 16, 30))
    db.session.commit()
    # Answered: the resolution runs (80 % of 24 h falls Wed 11 Nov 08:12 UTC, as above), and the
    # ceiling from Fri 16:30 UTC (due Sat 16:30 UTC, escalated Sun 16:30 UTC).
    before = sweep(utc(2026, 11, 11, 8, 11))
    assert (before.warnings, before.breaches, before.escalations) == (0, 1, 1)
    assert escalations(fu) == [("attention", "breach"), ("attention", "escalated")]
    assert sweep(utc(2026, 11, 11, 8, 12)).warnings == 1
    assert ("resolution", "warning") in escalations(fu)
