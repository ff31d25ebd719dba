"""A team's business-hours calendar as deadline arithmetic can use it (business_time.py).

Holidays are the days a manager typed plus, when the team names a country (and region), that
place's public holidays from the ``holidays`` package, for whatever year a deadline reaches.
"""

from dataclasses import dataclass
from datetime import date, datetime

import holidays as holiday_tables

from ..core import cache
from ..extensions import db
from .business_time import Calendar, Span
from .models import WEEKDAYS, Team


@dataclass(frozen=True)
class Holidays:
    """Days off: the typed ones, and a country's public holidays (a table that fills in each year
    the first time a date of it is asked)."""

    typed: frozenset[date]
    country: object | None = None  # a holidays.HolidayBase, or None

    def __contains__(self, day) -> bool:
        return day in self.typed or (self.country is not None and day in self.country)


def country_table(country: str | None, subdivision: str | None = None):
    """The public holidays of ``country`` (and ``subdivision``), or None when no country is named.
    Raises ``NotImplementedError`` (unknown country) or ``ValueError`` (unknown subdivision)."""
    if not country:
        return None
    return holiday_tables.country_holidays(country, subdiv=subdivision or None)


def parse_week(hours: list[str]) -> tuple[tuple[Span, ...], ...]:
    """Seven days of typed hours (``"09:00-12:30, 13:30-18:00"``, empty for a day off) as spans.
    Raises ``ValueError`` naming what is wrong."""
    if len(hours) != WEEKDAYS:
        raise ValueError("a week has seven days")
    return tuple(tuple(Span.parse(part) for part in (day or "").split(",") if part.strip()) for day in hours)


def team_calendar(team: Team) -> Calendar:
    """The calendar ``team`` works to."""
    if team.always_open:
        return Calendar(timezone=team.timezone, always_open=True)
    typed = frozenset(h.day for h in team.holidays)
    return Calendar(
        timezone=team.timezone,
        week=parse_week(team.hours),
        holidays=Holidays(typed, country_table(team.holiday_country, team.holiday_subdivision)),
    )


def cached_calendar(team_id: int, now: datetime) -> Calendar | None:
    """The calendar of team ``team_id`` as read at most ``REFERENCE_CACHE_SECONDS`` before ``now``
    (core/cache.py), or None when there is no such team."""

    def load():
        team = db.session.get(Team, team_id)
        return None if team is None else team_calendar(team)

    return cache.cached("team-calendar", team_id, now, load)
