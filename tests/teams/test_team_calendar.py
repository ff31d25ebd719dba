"""A team as a business-hours calendar (teams/calendars.py): its week, its typed holidays and its
country's (and region's) public holidays, through the database."""

from datetime import UTC, date, datetime, timedelta

import pytest

from feedback.extensions import db
from feedback.teams.calendars import Holidays, cached_calendar, country_table, parse_week, team_calendar
from tests.factories import Factory

H = timedelta(hours=1)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def team(name="Berlin", subdivision="BE", always_open=False, hours=None, holidays=()):
    made = Factory().team(
        name,
        hours if hours is not None else ["09:00-18:00"] * 5 + ["", ""],
        timezone="Europe/Berlin",
        always_open=always_open,
        country="DE",
        subdivision=subdivision,
        holidays=holidays,
    )
    db.session.commit()
    return made


def test_typed_and_public_holidays_are_days_off(app):
    calendar = team_calendar(team(holidays=[(date(2026, 12, 24), "Heiligabend")]))
    assert isinstance(calendar.holidays, Holidays)
    assert date(2026, 12, 24) in calendar.holidays  # typed
    assert date(2026, 12, 25) in calendar.holidays  # Christmas Day, the package's
    assert date(2027, 12, 25) in calendar.holidays  # any year a deadline reaches
    assert date(2026, 12, 23) not in calendar.holidays
    # Thu 24 Dec 2026 10:00 CET: the team is not at work; Wed 23 Dec it is.
    assert not calendar.is_open(utc(2026, 12, 24, 9))
    assert calendar.is_open(utc(2026, 12, 23, 9))


def test_the_region_adds_its_own_holidays(app):
    berlin, hamburg = team_calendar(team("Berlin", "BE")), team_calendar(team("Hamburg", "HH"))
    # International Women's Day is a public holiday in Berlin only; Mon 8 Mar 2027.
    assert date(2027, 3, 8) in berlin.holidays
    assert date(2027, 3, 8) not in hamburg.holidays
    # Fri 5 Mar 2027 17:00 CET = 16:00 UTC + 2 h: Fri 1 h, then Mon 09–10 in Hamburg, Tue in Berlin.
    assert hamburg.add(utc(2027, 3, 5, 16), 2 * H) == utc(2027, 3, 8, 9)
    assert berlin.add(utc(2027, 3, 5, 16), 2 * H) == utc(2027, 3, 9, 9)


def test_a_split_shift_team(app):
    calendar = team_calendar(team(hours=["09:00-12:30, 13:30-18:00"] * 5 + ["", ""]))
    # Mon 2 Nov 2026 12:00 CET = 11:00 UTC + 1 h: 12:00–12:30, then 13:30–14:00 → 13:00 UTC.
    assert calendar.add(utc(2026, 11, 2, 11), H) == utc(2026, 11, 2, 13)
    assert not calendar.is_open(utc(2026, 11, 2, 12))  # 13:00 CET: lunch


def test_an_always_open_team_counts_calendar_time(app):
    calendar = team_calendar(team(always_open=True, hours=[""] * 7))
    assert calendar.always_open
    assert calendar.add(utc(2026, 12, 25, 10), 4 * H) == utc(2026, 12, 25, 14)


def test_cached_calendar_reads_the_team_and_none_for_an_unknown_one(app):
    made = team()
    assert cached_calendar(made.id, utc(2026, 11, 2)).timezone == "Europe/Berlin"
    assert cached_calendar(made.id + 1000, utc(2026, 11, 2)) is None


def test_country_table_and_parse_week_refuse_what_they_cannot_read():
    assert country_table(None) is None
    with pytest.raises(NotImplementedError):
        country_table("ZZ")
    with pytest.raises((NotImplementedError, ValueError)):
        country_table("DE", "XX")
    assert parse_week(["09:00-12:30, 13:30-18:00"] + [""] * 6)[0][1].start == 13 * 60 + 30
    for bad in (["9-18"] + [""] * 6, ["09:00-18:00"] * 6):
        with pytest.raises(ValueError):
            parse_week(bad)
