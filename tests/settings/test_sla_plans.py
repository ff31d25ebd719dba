"""Settings → SLA policies: deadlines of their own for a plan tier, and the escalation levels."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from feedback.auth.models import Plan
from feedback.extensions import db
from feedback.followups import services
from feedback.followups.escalation import Levels, read_levels
from feedback.followups.models import Priority, SlaPolicy
from feedback.followups.policies import policy_for, policy_row
from feedback.followups.sla import active_deadlines
from tests.conftest import T0

H = timedelta(hours=1)


@pytest.fixture
def manager(make, auth):
    user = make.manager()
    auth.login(user)
    return user


def plan_policy(**hours):
    data = {"first_response": "1", "next_reply": "2", "resolution": "8", "progress": "4", **hours}
    return {f"high-dedicated-{k}": v for k, v in data.items() if v is not None}


def dedicated_row() -> SlaPolicy | None:
    return db.session.scalar(
        select(SlaPolicy).where(SlaPolicy.priority == Priority.HIGH, SlaPolicy.plan == Plan.DEDICATED)
    )


def test_add_a_plan_policy_starting_from_the_default(client, manager):
    response = client.post("/settings/sla/plans", data={"priority": "high", "plan": "dedicated"})
    assert response.status_code == 302
    row, default = dedicated_row(), policy_row(Priority.HIGH, None)
    assert (row.first_response_minutes, row.resolution_minutes) == (240, 1440)
    assert row.business_hours == default.business_hours
    # Adding it again keeps the one there is.
    client.post("/settings/sla/plans", data={"priority": "high", "plan": "dedicated"})
    assert db.session.scalar(select(func.count()).select_from(SlaPolicy)) == 4
    page = client.get("/settings/sla").get_data(as_text=True)
    assert "/settings/sla/high/dedicated/delete" in page


def test_a_bad_plan_is_refused(client, manager):
    response = client.post("/settings/sla/plans", data={"priority": "high", "plan": "mainframe"})
    assert response.status_code == 400
    assert dedicated_row() is None


def test_edit_a_plan_policy_and_a_dedicated_customer_gets_it(client, make, manager):
    client.post("/settings/sla/plans", data={"priority": "high", "plan": "dedicated"})
    response = client.post("/settings/sla/high/dedicated", data=plan_policy(business_hours="y"))
    assert response.status_code == 302
    row = dedicated_row()
    assert (row.first_response_minutes, row.next_reply_minutes, row.resolution_minutes) == (60, 120, 480)
    assert row.business_hours
    # A dedicated customer's case runs on it; without a team, business hours mean calendar time.
    dedicated = make.rating(make.customer(plan=Plan.DEDICATED), csat=2, now=T0).followup
    assert dedicated.sla_policy_id == row.id
    assert (dedicated.first_response_due, dedicated.resolution_due) == (T0 + H, T0 + 8 * H)
    # Shared hosting keeps the priority's default.
    shared = make.rating(make.customer(plan=Plan.SHARED), csat=2, now=T0).followup
    assert shared.sla_policy_id == policy_row(Priority.HIGH, None).id
    assert shared.first_response_due == T0 + 4 * H


def test_a_bad_plan_policy_edit_is_explained(client, manager):
    client.post("/settings/sla/plans", data={"priority": "high", "plan": "dedicated"})
    response = client.post("/settings/sla/high/dedicated", data=plan_policy(first_response="9"))
    assert response.status_code == 400
    assert "The first response cannot be due after the resolution." in response.get_data(as_text=True)
    assert dedicated_row().first_response_minutes == 240


def test_deleting_a_plan_policy_falls_back_to_the_default(client, make, manager):
    client.post("/settings/sla/plans", data={"priority": "high", "plan": "dedicated"})
    client.post("/settings/sla/high/dedicated", data=plan_policy())
    customer, staff = make.customer(plan=Plan.DEDICATED), make.staff()
    fu = make.rating(customer, csat=2, now=T0).followup
    assert fu.resolution_due == T0 + 8 * H
    response = client.post("/settings/sla/high/dedicated/delete")
    assert response.status_code == 302
    assert dedicated_row() is None
    assert fu.sla_policy_id is None  # on SQLite too, which would reuse the id for the next policy
    client.post("/settings/sla/plans", data={"priority": "normal", "plan": "vps"})
    assert fu.sla_policy_id is None
    # The open case follows the default from its next event: resolution 24 h after it opened.
    services.staff_reply(fu, staff, "Looking", now=T0 + H)
    assert fu.resolution_due == T0 + 24 * H
    # And so does a new one.
    assert make.rating(customer, csat=2, now=T0).followup.first_response_due == T0 + 4 * H
    # The default itself cannot be deleted: there is no such page.
    assert client.post("/settings/sla/high/delete").status_code in (404, 405)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"warn_percent": "49"}, "Use a whole number from 50 to 99."),
        ({"warn_percent": "100"}, "Use a whole number from 50 to 99."),
        ({"warn_percent": ""}, "Enter a percentage."),
        ({"escalate_percent": "109"}, "Use a whole number from 110 to 1000, or leave it empty."),
        ({"escalate_percent": "1001"}, "Use a whole number from 110 to 1000, or leave it empty."),
        ({"breach_to": "nobody"}, "Not a valid choice."),
    ],
)
def test_bad_escalation_levels_are_refused(client, manager, data, message):
    response = client.post(
        "/settings/sla/levels",
        data={"warn_percent": "80", "escalate_percent": "200", "breach_to": "lead"} | data,
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert read_levels() == Levels()


def test_escalation_levels_saved_and_used(client, make, manager):
    response = client.post(
        "/settings/sla/levels",
        data={"warn_percent": "75", "escalate_percent": "150", "breach_to": "managers"},
    )
    assert response.status_code == 302
    assert read_levels() == Levels(75, 150, "managers")
    fu = make.rating(make.customer(), csat=2, now=T0).followup  # high: first response 4 h
    first = active_deadlines(fu, policy_for(fu, T0))[0]
    assert (first.warn_at, first.due, first.escalate_at) == (T0 + 3 * H, T0 + 4 * H, T0 + 6 * H)
    # Empty: the last level is off.
    client.post(
        "/settings/sla/levels", data={"warn_percent": "80", "escalate_percent": "", "breach_to": "lead"}
    )
    assert read_levels() == Levels(80, None, "lead")
    assert active_deadlines(fu, policy_for(fu, T0))[0].escalate_at is None
