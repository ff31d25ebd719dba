"""Writes on teams: create and edit (deleting is settings/services.py's, which unlinks the cases
and rules first), and the "staff may work every team's cases" switch.

Each function adds and flushes; the view commits once.
"""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..auth.models import User
from ..core.app_settings import AppSetting
from ..core.errors import FieldError
from ..extensions import db
from .business_time import Calendar, overlapping
from .calendars import country_table, parse_week
from .models import Team, TeamHoliday
from .queries import WORK_ANY_TEAM_KEY


class TeamError(FieldError):
    """A team the settings cannot take; ``field`` names the form field to show it on."""


def _check_calendar(
    timezone: str, always_open: bool, hours: list[str], country: str | None, subdivision: str | None
):
    try:
        week = parse_week(hours)
    except ValueError as exc:
        raise TeamError(
            _("Write hours as 09:00-18:00, several spans separated by commas (09:00-12:30, 13:30-18:00)."),
            "hours",
        ) from exc
    if any(overlapping(spans) for spans in week):
        # Calendar() refuses these too, but "give working hours on at least one day" would
        # send the manager looking for the wrong mistake.
        raise TeamError(_("Working hours of one day must not overlap."), "hours")
    try:
        Calendar(timezone=timezone, week=week, always_open=always_open)
    except ValueError as exc:
        raise TeamError(
            _("Give working hours on at least one day, or make the team work around the clock."), "hours"
        ) from exc
    try:
        country_table(country, subdivision)
    except (NotImplementedError, ValueError, KeyError) as exc:
        raise TeamError(
            _("No public holidays are known for that country and region."), "holiday_country"
        ) from exc


def save_team(
    team: Team | None,
    *,
    name: str,
    timezone: str,
    always_open: bool,
    hours: list[str],
    holiday_country: str | None,
    holiday_subdivision: str | None,
    holidays: list[tuple[date, str]],
    lead: User | None,
    members: list[User],
) -> Team:
    """Create (``team`` None) or update a team; refuse a calendar that cannot work."""
    name = name.strip()
    clash = db.session.scalar(select(Team.id).where(func.lower(Team.name) == name.lower()))
    if clash is not None and (team is None or clash != team.id):
        raise TeamError(_("There is already a team of that name."), "name")
    country = (holiday_country or "").strip().upper() or None
    subdivision = (holiday_subdivision or "").strip().upper() or None if country else None
    hours = [(day or "").strip() for day in hours]
    _check_calendar(timezone, always_open, hours, country, subdivision)
    if lead is not None and not lead.is_staff:
        raise TeamError(_("The lead must be a staff member or manager."), "lead_id")
    if team is None:
        team = Team()
        db.session.add(team)
    team.name, team.timezone, team.always_open, team.hours = name, timezone, always_open, hours
    team.holiday_country, team.holiday_subdivision = country, subdivision
    team.lead = lead
    team.members = [m for m in members if m.is_staff]
    typed = dict(holidays)
    team.holidays = [h for h in team.holidays if h.day in typed]
    for holiday in team.holidays:
        holiday.name = typed.pop(holiday.day)
    team.holidays += [TeamHoliday(day=day, name=label) for day, label in sorted(typed.items())]
    db.session.flush()
    return team


def set_work_any_team(allowed: bool) -> None:
    """Let every staff member work every team's cases (True), or only their own teams' (False)."""
    row = db.session.get(AppSetting, WORK_ANY_TEAM_KEY)
    if row is None:
        db.session.add(AppSetting(key=WORK_ANY_TEAM_KEY, value="1" if allowed else "0"))
    else:
        row.value = "1" if allowed else "0"
    db.session.flush()
