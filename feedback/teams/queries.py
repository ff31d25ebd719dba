"""Reads about teams: the list, who is in which, and whether a staff member may work a case."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.models import Role, User
from ..core.app_settings import AppSetting
from ..extensions import db
from .models import Team, team_members

# Set in Settings → Teams: staff may act on every team's cases, not only their own teams'.
WORK_ANY_TEAM_KEY = "staff_work_any_team"


def teams() -> list[Team]:
    """Every team, by name, with members, lead and holidays loaded."""
    return list(
        db.session.scalars(
            select(Team)
            .order_by(Team.name)
            .options(selectinload(Team.members), selectinload(Team.holidays), selectinload(Team.lead))
        )
    )


def team_choices() -> list[tuple[int, str]]:
    """(id, name) of every team, by name, for pickers."""
    return [
        (team_id, name)
        for team_id, name in db.session.execute(select(Team.id, Team.name).order_by(Team.name))
    ]


def teams_of(user_id: int) -> set[int]:
    """The ids of the teams ``user_id`` belongs to."""
    return set(db.session.scalars(select(team_members.c.team_id).where(team_members.c.user_id == user_id)))


def staff_may_work_any_team() -> bool:
    """Whether a manager let every staff member work every team's cases."""
    row = db.session.get(AppSetting, WORK_ANY_TEAM_KEY)
    return row is not None and row.value == "1"


def workable_teams(user: User) -> set[int] | None:
    """The teams whose cases ``user`` may act on (reply to, assign, resolve), besides the cases
    without a team: None for every team (managers; staff when a manager allowed it), else the
    staff member's own teams (nothing for customers)."""
    if user.role == Role.MANAGER:
        return None
    if user.role != Role.STAFF:
        return set()
    return None if staff_may_work_any_team() else teams_of(user.id)


def may_work(user: User, team_id: int | None, assignee_id: int | None = None) -> bool:
    """Whether ``user`` may act on a case of team ``team_id`` assigned to ``assignee_id``
    (:func:`workable_teams`; the case's assignee always may, whatever their teams); others read
    the case only."""
    if user.role not in (Role.STAFF, Role.MANAGER):
        return False
    if team_id is None or (assignee_id is not None and assignee_id == user.id):
        return True
    allowed = workable_teams(user)
    return allowed is None or team_id in allowed
