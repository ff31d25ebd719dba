"""Manager settings: SLA policies, routing rules, categories and staff accounts."""

from datetime import timedelta

import pytest

from feedback.auth.models import Role, User
from feedback.extensions import db
from feedback.followups.models import Category, Priority, RoutingRule
from feedback.followups.policies import policy_row
from tests.conftest import T0


@pytest.fixture
def manager(make, auth):
    user = make.manager()
    auth.login(user)
    return user


def _policy(**hours):
    data = {"first_response": "4", "next_reply": "8", "resolution": "24", "progress": "12", **hours}
    return {f"high-{k}": v for k, v in data.items()}


def test_overview_lists_every_section(client, manager):
    page = client.get("/settings/").get_data(as_text=True)
    for text in ("SLA policies", "Routing rules", "Categories", "Staff accounts", "CSAT ≤ 2 → High"):
        assert text in page


def test_policy_change_applies_to_new_followups(client, make, manager):
    response = client.post("/settings/sla/high", data=_policy(first_response="2.5", resolution="12"))
    assert response.status_code == 302
    policy = policy_row(Priority.HIGH, None)
    assert (policy.first_response_minutes, policy.resolution_minutes) == (150, 720)
    fu = make.rating(make.customer(), csat=2, now=T0).followup
    assert fu.first_response_due == T0 + timedelta(minutes=150)
    assert fu.resolution_due == T0 + timedelta(hours=12)


@pytest.mark.parametrize(
    "hours, message",
    [
        ({"first_response": ""}, "Enter a number of hours."),
        ({"first_response": "abc"}, "Not a valid decimal value."),
        ({"first_response": "sNaN"}, "Enter a number of hours."),
        ({"first_response": "NaN"}, "Enter a number of hours."),
        ({"resolution": "Infinity"}, "Enter a number of hours."),
        ({"resolution": "0"}, "Use between 0.25 and 720 hours (30 days)."),
        ({"resolution": "-3"}, "Use between 0.25 and 720 hours (30 days)."),
        ({"resolution": "721"}, "Use between 0.25 and 720 hours (30 days)."),
        ({"first_response": "30"}, "The first response cannot be due after the resolution."),
        ({"next_reply": "25"}, "The next reply cannot be due after the resolution."),
    ],
)
def test_bad_policy_input_is_explained_and_nothing_changes(client, manager, hours, message):
    response = client.post("/settings/sla/high", data=_policy(**hours))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    typed = next(iter(hours.values()))
    if typed:
        assert f'value="{typed}"' in page
    assert policy_row(Priority.HIGH, None).first_response_minutes == 240


def test_new_rule_changes_routing(client, make, manager):
    customer = make.customer()
    assert make.rating(customer, csat=3, now=T0).followup is None
    response = client.post(
        "/settings/rules/new",
        data={
            "name": "Neutral ratings",
            "csat_max": "3",
            "nps_max": "",
            "urgent": "",
            "category_id": "",
            "priority": "normal",
            "active": "y",
        },
    )
    assert response.status_code == 302
    fu = make.rating(customer, csat=3, now=T0).followup
    assert fu is not None and fu.priority == Priority.NORMAL
    assert "CSAT ≤ 3 → Normal" in client.get("/settings/rules").get_data(as_text=True)


def test_rule_without_condition_is_refused(client, manager):
    before = db.session.scalar(db.select(db.func.count(RoutingRule.id)))
    response = client.post(
        "/settings/rules/new",
        data={
            "name": "Everything",
            "csat_max": "",
            "nps_max": "",
            "urgent": "",
            "category_id": "",
            "priority": "high",
        },
    )
    assert response.status_code == 400
    assert "a rule without one would open a follow-up" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(RoutingRule.id))) == before


def test_edit_move_pause_and_delete_rules(client, make, manager):
    rules = list(db.session.scalars(db.select(RoutingRule).order_by(RoutingRule.position)))
    detractor = rules[-1]
    # Edit: detractors (NPS ≤ 6) become high priority.
    form = client.get(f"/settings/rules/{detractor.id}").get_data(as_text=True)
    assert 'value="NPS detractor (0–6)"' in form
    client.post(
        f"/settings/rules/{detractor.id}",
        data={
            "name": "Detractors",
            "nps_max": "6",
            "csat_max": "",
            "urgent": "",
            "category_id": "",
            "priority": "high",
            "active": "y",
        },
    )
    assert make.rating(make.customer(), csat=4, nps=5, now=T0).followup.priority == Priority.HIGH
    # Move it to the top, pause it, delete it.
    for _ in range(3):
        client.post(f"/settings/rules/{detractor.id}/up")
    names = [r.name for r in db.session.scalars(db.select(RoutingRule).order_by(RoutingRule.position))]
    assert names[0] == "Detractors"
    client.post(f"/settings/rules/{detractor.id}/toggle")
    assert make.rating(make.customer(), csat=4, nps=5, now=T0).followup is None
    client.post(f"/settings/rules/{detractor.id}/delete")
    assert db.session.get(RoutingRule, detractor.id) is None
    assert client.get(f"/settings/rules/{detractor.id}").status_code == 404


def test_categories_add_duplicate_and_hide(client, make, manager, auth):
    assert client.post("/settings/categories", data={"name": "DNS & domains"}).status_code == 302
    category = db.session.scalar(db.select(Category).where(Category.slug == "dns-domains"))
    assert category.active
    duplicate = client.post("/settings/categories", data={"name": "dns & DOMAINS"})
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.get_data(as_text=True)
    assert client.post("/settings/categories", data={"name": "!!!"}).status_code == 400
    client.post(f"/settings/categories/{category.id}/toggle")
    auth.logout()
    auth.login(make.customer())
    assert "DNS &amp; domains" not in client.get("/dashboard").get_data(as_text=True)


def test_create_staff_who_can_then_sign_in(app, client, manager):
    data = {
        "name": "New Agent",
        "email": "agent@example.com",
        "role": "staff",
        "password": "quiet-lantern-meadow",
        "confirm": "quiet-lantern-meadow",
    }
    assert client.post("/settings/users", data=data).status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == "agent@example.com"))
    assert user.role == Role.STAFF
    other = app.test_client()
    assert (
        other.post(
            "/login", data={"email": "agent@example.com", "password": "quiet-lantern-meadow"}
        ).status_code
        == 302
    )
    again = client.post("/settings/users", data=data)
    assert again.status_code == 400
    assert "already exists" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"password": "short", "confirm": "short"}, "Use at least 10 characters."),
        # The password policy (feedback/auth/passwords.py), as on every form that chooses one.
        ({"password": "password1234", "confirm": "password1234"}, "one of the common passwords"),
        ({"confirm": "different-one"}, "The passwords differ."),
        ({"email": "nope"}, "Invalid email address."),
        ({"role": "customer"}, "Not a valid choice."),
    ],
)
def test_bad_staff_input(client, manager, change, message):
    data = {
        "name": "X",
        "email": "x@example.com",
        "role": "staff",
        "password": "quiet-lantern-meadow",
        "confirm": "quiet-lantern-meadow",
        **change,
    }
    response = client.post("/settings/users", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User).where(User.email == "x@example.com")) is None


def test_deactivating_staff_signs_them_out(app, client, make, manager):
    agent = make.staff()
    theirs = app.test_client()
    theirs.post("/login", data={"email": agent.email, "password": "password123"})
    assert theirs.get("/queue/").status_code == 200
    client.post(f"/settings/users/{agent.id}/toggle")
    response = theirs.get("/queue/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    client.post(f"/settings/users/{agent.id}/toggle")
    assert db.session.get(User, agent.id).active


def test_manager_cannot_deactivate_self_nor_customers(client, make, manager):
    response = client.post(f"/settings/users/{manager.id}/toggle", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert db.session.get(User, manager.id).active
    assert client.post(f"/settings/users/{make.customer().id}/toggle").status_code == 404
