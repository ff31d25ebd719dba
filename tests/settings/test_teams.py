"""Settings → Teams: create, edit and delete a team, with what the form refuses and why."""

from datetime import date

import pytest
from sqlalchemy import select

from feedback.extensions import db
from feedback.followups.models import Followup
from feedback.followups.routing import active_rules
from feedback.teams.models import Team
from tests.conftest import T0


@pytest.fixture
def manager(make, auth):
    user = make.manager()
    auth.login(user)
    return user


def team_data(**changes):
    data = {
        "name": "Berlin",
        "timezone": "Europe/Berlin",
        "monday": "09:00-18:00",
        "tuesday": "09:00-18:00",
        "wednesday": "09:00-12:30, 13:30-18:00",
        "thursday": "09:00-18:00",
        "friday": "09:00-18:00",
        "saturday": "",
        "sunday": "",
        "holiday_country": "de",
        "holiday_subdivision": "be",
        "holidays": "2026-12-24 Heiligabend\n\n2026-12-31 Silvester",
        "lead_id": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def the_team(name="Berlin") -> Team | None:
    return db.session.scalar(select(Team).where(Team.name == name))


def test_the_pages_open(client, manager):
    assert client.get("/settings/teams").status_code == 200
    new = client.get("/settings/teams/new")
    assert new.status_code == 200
    assert 'value="09:00-18:00"' in new.get_data(as_text=True)  # a working week to start from


def test_create_a_team_with_members_lead_and_holidays(client, make, manager):
    lead, member, customer = make.staff("Lena Lead"), make.staff("Max Member"), make.customer()
    response = client.post(
        "/settings/teams/new", data=team_data(lead_id=str(lead.id), members=[str(lead.id), str(member.id)])
    )
    assert response.status_code == 302
    team = the_team()
    assert team.timezone == "Europe/Berlin" and not team.always_open
    assert team.hours[2] == "09:00-12:30, 13:30-18:00" and team.hours[5] == ""
    assert (team.holiday_country, team.holiday_subdivision) == ("DE", "BE")
    assert [(h.day, h.name) for h in team.holidays] == [
        (date(2026, 12, 24), "Heiligabend"),
        (date(2026, 12, 31), "Silvester"),
    ]
    assert team.lead == lead
    assert {m.id for m in team.members} == {lead.id, member.id}
    listing = client.get("/settings/teams").get_data(as_text=True)
    assert "Berlin" in listing and "Lena Lead" in listing
    # A customer is not offered as a member, and one posted anyway is refused.
    refused = client.post(f"/settings/teams/{team.id}", data=team_data(members=[str(customer.id)]))
    assert refused.status_code == 400


def test_edit_a_team(client, make, manager):
    lead, member = make.staff("Lena Lead"), make.staff("Max Member")
    client.post("/settings/teams/new", data=team_data(lead_id=str(lead.id), members=[str(lead.id)]))
    team = the_team()
    page = client.get(f"/settings/teams/{team.id}").get_data(as_text=True)
    assert "2026-12-24 Heiligabend" in page
    response = client.post(
        f"/settings/teams/{team.id}",
        data=team_data(
            name="Berlin support",
            saturday="10:00-14:00",
            holidays="2026-12-31 Silvester (half day off)",
            lead_id="",
            members=[str(member.id)],
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    team = db.session.get(Team, team.id)
    assert team.name == "Berlin support" and team.hours[5] == "10:00-14:00"
    assert [(h.day, h.name) for h in team.holidays] == [(date(2026, 12, 31), "Silvester (half day off)")]
    assert team.lead is None
    assert [m.id for m in team.members] == [member.id]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"monday": "9-18"}, "Write hours as 09:00-18:00"),
        ({"tuesday": "09:00-25:00"}, "Write hours as 09:00-18:00"),
        ({"tuesday": "18:00-09:00"}, "Write hours as 09:00-18:00"),
        ({"wednesday": "09:00-13:00, 12:00-18:00"}, "Working hours of one day must not overlap."),
        (
            {day: "" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")},
            "Give working hours on at least one day, or make the team work around the clock.",
        ),
        ({"holiday_country": "ZZ"}, "No public holidays are known for that country and region."),
        ({"holiday_subdivision": "XX"}, "No public holidays are known for that country and region."),
        ({"holidays": "2026-12-24 Heiligabend\n24.12.2026 again"}, "Line 2: start with a date written"),
        ({"name": ""}, "This field is required."),
    ],
)
def test_a_team_the_form_refuses(client, manager, changes, message):
    response = client.post("/settings/teams/new", data=team_data(**changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Team.id)) is None


def test_around_the_clock_needs_no_hours(client, manager):
    days = {day: "" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
    response = client.post("/settings/teams/new", data=team_data(always_open="y", **days))
    assert response.status_code == 302
    assert the_team().always_open


def test_a_second_team_of_the_same_name_is_refused(client, manager):
    client.post("/settings/teams/new", data=team_data())
    again = client.post("/settings/teams/new", data=team_data(name="BERLIN"))
    assert again.status_code == 400
    assert "There is already a team of that name." in again.get_data(as_text=True)


def test_deleting_a_team_leaves_its_cases_and_rules_without_a_team(client, make, manager):
    client.post("/settings/teams/new", data=team_data())
    team = the_team()
    rule = active_rules()[0]
    rule.team_id = team.id
    for other in active_rules()[1:]:
        other.team_id = team.id
    db.session.commit()
    fu = make.rating(make.customer(), csat=2, now=T0).followup
    assert fu.team_id == team.id
    response = client.post(f"/settings/teams/{team.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Team, team.id) is None
    assert db.session.get(Followup, fu.id).team_id is None
    assert all(r.team_id is None for r in active_rules())
