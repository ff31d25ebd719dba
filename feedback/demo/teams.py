"""The demo's support teams: one in Berlin working 09:00–18:00 on weekdays (German and Berlin
public holidays off), one around the clock; the routing rules send critical cases to the 24/7
team and the rest to Berlin; normal priority runs on Berlin's business hours, and dedicated
servers get faster high-priority deadlines."""

from sqlalchemy import select

from ..auth.models import Plan, User
from ..extensions import db
from ..followups.models import Priority, RoutingRule
from ..followups.policies import policy_row
from ..settings.services import update_policy
from ..teams.models import WEEKDAYS, Team
from ..teams.services import save_team

WEEKDAY_HOURS = ["09:00-18:00"] * 5 + ["", ""]


def create_demo_teams(agents: list[User], manager: User) -> tuple[Team, Team]:
    """Berlin (the demo staff login and half the agents, led by the first of them) and 24/7 (the
    others, and the demo login too, led by the manager); rules and a dedicated-plan policy set."""
    berlin_people, night_people = agents[: len(agents) // 2 + 1], agents[len(agents) // 2 + 1 :]
    berlin = save_team(
        None,
        name="Berlin support",
        timezone="Europe/Berlin",
        always_open=False,
        hours=WEEKDAY_HOURS,
        holiday_country="DE",
        holiday_subdivision="BE",
        holidays=[],
        lead=berlin_people[1] if len(berlin_people) > 1 else berlin_people[0],
        members=berlin_people,
    )
    around = save_team(
        None,
        name="Around the clock",
        timezone="UTC",
        always_open=True,
        hours=[""] * WEEKDAYS,
        holiday_country=None,
        holiday_subdivision=None,
        holidays=[],
        lead=manager,
        members=[*night_people, agents[0]],
    )
    for rule in db.session.scalars(select(RoutingRule)):
        rule.team_id = around.id if rule.priority == Priority.CRITICAL else berlin.id
    # High priority around the clock, as before teams (the current queue's scenarios count on it);
    # normal priority on the team's business hours, as shipped.
    policy_row(Priority.HIGH, None).business_hours = False
    # Dedicated servers: a high-priority case is answered within 2 h, around the clock.
    update_policy(Priority.HIGH, 120, 240, 12 * 60, 6 * 60, plan=Plan.DEDICATED, business_hours=False)
    db.session.flush()
    return berlin, around
