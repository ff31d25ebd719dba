"""Business-time arithmetic against hand-computed examples: weekends, holidays, midnight, split
shifts, both clock changes, and time paused over a weekend."""

from datetime import UTC, date, datetime, timedelta

import pytest

from feedback.teams.business_time import Calendar, Span

H = timedelta(hours=1)
M = timedelta(minutes=1)


def week(*days, spans=("09:00-18:00",)):
    """Spans on the given weekdays (0 = Monday)."""
    return tuple(tuple(Span.parse(s) for s in spans) if d in days else () for d in range(7))


BERLIN = Calendar("Europe/Berlin", week(0, 1, 2, 3, 4))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_friday_evening_case_waits_for_monday_morning():
    # Fri 6 Mar 2026 17:00 CET (16:00 UTC) + 4 working hours: 1 h on Friday, 3 h from Monday 09:00.
    assert BERLIN.add(utc(2026, 3, 6, 16), 4 * H) == utc(2026, 3, 9, 11)  # Mon 12:00 CET


def test_a_case_opened_at_night_starts_counting_at_the_opening():
    # Tue 3 Mar 02:00 CET + 1 h: 10:00 CET.
    assert BERLIN.add(utc(2026, 3, 3, 1), H) == utc(2026, 3, 3, 9)
    # No time at all: the next opening while closed, the moment itself while open.
    assert BERLIN.add(utc(2026, 3, 3, 1), timedelta(0)) == utc(2026, 3, 3, 8)
    assert BERLIN.add(utc(2026, 3, 3, 10), timedelta(0)) == utc(2026, 3, 3, 10)


def test_a_holiday_is_skipped():
    may_day = Calendar("Europe/Berlin", BERLIN.week, holidays=frozenset({date(2026, 5, 1)}))
    # Thu 30 Apr 17:30 CEST + 2 h: 30 min on Thursday, Friday is a holiday, 90 min from Monday 09:00.
    assert may_day.add(utc(2026, 4, 30, 15, 30), 2 * H) == utc(2026, 5, 4, 8, 30)  # Mon 10:30 CEST
    # Without the holiday it would have been Friday 10:30.
    assert BERLIN.add(utc(2026, 4, 30, 15, 30), 2 * H) == utc(2026, 5, 1, 8, 30)


def test_the_spring_change_moves_the_utc_opening_not_the_local_one():
    # Fri 27 Mar 17:00 CET + 2 h: 1 h on Friday, then Monday 30 Mar from 09:00 CEST (07:00 UTC).
    assert BERLIN.add(utc(2026, 3, 27, 16), 2 * H) == utc(2026, 3, 30, 8)  # Mon 10:00 CEST
    # Counting 65 hours of calendar time instead would have said 09:00 UTC (11:00 CEST).


def test_a_day_of_the_clock_change_counts_the_hours_that_really_pass():
    sundays = Calendar("Europe/Berlin", week(6, spans=("00:00-24:00",)))
    # Sunday 29 Mar 2026 has 23 hours in Berlin, Sunday 25 Oct 2026 has 25.
    assert sundays.between(utc(2026, 3, 28), utc(2026, 3, 31)) == 23 * H
    assert sundays.between(utc(2026, 10, 24), utc(2026, 10, 27)) == 25 * H
    # Sat 28 Mar noon + 23 h: the whole short Sunday, ending at Monday 00:00 CEST.
    assert sundays.add(utc(2026, 3, 28, 11), 23 * H) == utc(2026, 3, 29, 22)


def test_new_york_changes_its_clocks_on_another_weekend():
    new_york = Calendar("America/New_York", week(0, 1, 2, 3, 4))
    # Fri 6 Mar 17:00 EST (22:00 UTC) + 2 h: 1 h on Friday, Monday 9 Mar from 09:00 EDT (13:00 UTC).
    assert new_york.add(utc(2026, 3, 6, 22), 2 * H) == utc(2026, 3, 9, 14)


def test_split_shifts_skip_the_lunch_break():
    split = Calendar("Europe/Berlin", week(0, 1, 2, 3, 4, spans=("09:00-12:30", "13:30-18:00")))
    # Mon 2 Mar 12:00 CET + 1 h: 30 min before lunch, 30 min after it.
    assert split.add(utc(2026, 3, 2, 11), H) == utc(2026, 3, 2, 13)  # 14:00 CET
    assert split.between(utc(2026, 3, 2, 8), utc(2026, 3, 2, 17)) == 8 * H  # a whole day: 8 hours
    assert not split.is_open(utc(2026, 3, 2, 12)) and split.is_open(utc(2026, 3, 2, 12, 30))


def test_a_night_shift_runs_across_midnight():
    monday_night, tuesday_morning = (Span.parse("22:00-24:00"),), (Span.parse("00:00-06:00"),)
    nights = Calendar("UTC", (monday_night, tuesday_morning, (), (), (), (), ()))
    # Mon 2 Mar 23:00 + 3 h: 1 h before midnight, 2 h after it.
    assert nights.add(utc(2026, 3, 2, 23), 3 * H) == utc(2026, 3, 3, 2)
    assert nights.between(utc(2026, 3, 2, 20), utc(2026, 3, 3, 12)) == 8 * H


def test_time_paused_over_a_weekend_is_only_the_working_part():
    # Waiting on the customer from Fri 6 Mar 17:00 CET to Mon 9 Mar 10:00 CET: 1 h + 1 h of work.
    assert BERLIN.between(utc(2026, 3, 6, 16), utc(2026, 3, 9, 9)) == 2 * H
    assert BERLIN.between(utc(2026, 3, 9, 9), utc(2026, 3, 6, 16)) == timedelta(0)


def test_deadline_and_elapsed_time_agree():
    start = utc(2026, 3, 5, 15, 17)
    for span in (M, 45 * M, 9 * H, 9 * H + M, 23 * H, 5 * 9 * H, 60 * H):
        due = BERLIN.add(start, span)
        assert BERLIN.between(start, due) == span, span


def test_around_the_clock_is_calendar_time():
    always = Calendar.around_the_clock()
    assert always.add(utc(2026, 3, 28, 23), 25 * H) == utc(2026, 3, 30)
    assert always.between(utc(2026, 3, 6, 16), utc(2026, 3, 9, 9)) == 65 * H


@pytest.mark.parametrize(
    "build",
    [
        lambda: Calendar("Europe/Berlin"),  # no working hours at all
        lambda: Calendar("Mars/Olympus", BERLIN.week),
        lambda: Calendar("UTC", week(0, spans=("09:00-13:00", "12:00-18:00"))),
        lambda: Span.parse("18:00-09:00"),
        lambda: Span.parse("09:00-24:30"),
        lambda: Span.parse("9-17"),
    ],
)
def test_a_calendar_that_cannot_work_is_refused(build):
    with pytest.raises((ValueError, KeyError)):  # an unknown zone: ZoneInfoNotFoundError, a KeyError
        build()


def test_a_year_of_holidays_is_refused_rather_than_looping():
    every_day = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(500))
    closed = Calendar("UTC", week(0, 1, 2, 3, 4, 5, 6), holidays=every_day)
    with pytest.raises(ValueError):
        closed.add(utc(2026, 1, 1), H)


def test_a_span_inside_the_hour_the_clocks_skip_has_no_time_and_add_agrees_with_between():
    # New York skips 02:00-03:00 on Sunday 8 Mar 2026: a 02:30-03:15 span there is empty.
    sundays = (
        (),
        (),
        (),
        (),
        (),
        (),
        (Span.parse("02:30-03:15"), Span.parse("09:00-10:00")),
    )
    new_york = Calendar("America/New_York", sundays)
    start = utc(2026, 3, 7, 12)  # Saturday noon UTC
    due = new_york.add(start, H)
    assert due == utc(2026, 3, 8, 14)  # Sunday 10:00 EDT: the 09:00-10:00 span, the first with time
    assert new_york.between(start, due) == H
