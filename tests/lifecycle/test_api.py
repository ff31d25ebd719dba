"""``POST /api/v1/subscriptions/events``: a billing panel pushes events; retries are harmless."""

from sqlalchemy import func, select

from feedback.auth.models import Plan
from feedback.extensions import db
from feedback.lifecycle.models import SubscriptionEvent
from tests.factories import ApiClient, error_of, token_for

PATH = "/subscriptions/events"


def body(email: str, **changes) -> dict:
    base = {
        "event_id": "whmcs-77",
        "email": email,
        "service_id": "1042",
        "kind": "started",
        "occurred_on": "2025-05-01",
        "plan": "vps",
        "monthly_price": "39.00",
        "cycle_months": 12,
    }
    return {**base, **changes}


def api(client, make) -> ApiClient:
    return ApiClient(client, token_for(make.manager()))


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(SubscriptionEvent))


def test_push_records_then_a_retry_is_200_and_changes_nothing(client, make):
    ada, manager = make.customer(), api(client, make)
    first = manager.post(PATH, json=body(ada.email.upper()))
    assert first.status_code == 201
    data = first.get_json()
    assert data["plan"] == "vps" and data["subscription"]["renews_on"] == "2026-05-01"
    retry = manager.post(PATH, json=body(ada.email))
    assert retry.status_code == 200 and retry.get_json()["id"] == data["id"]
    assert stored() == 1
    assert ada.account.plan == Plan.VPS


def test_the_same_event_id_for_another_event_is_409(client, make):
    ada, manager = make.customer(), api(client, make)
    manager.post(PATH, json=body(ada.email))
    response = manager.post(PATH, json=body(ada.email, occurred_on="2025-05-02"))
    assert response.status_code == 409
    assert "event_id" in error_of(response)["fields"]


def test_unknown_customer_is_404(client, make):
    response = api(client, make).post(PATH, json=body("nobody@example.test"))
    assert response.status_code == 404
    assert error_of(response)["fields"] == {"email": "Unknown customer e-mail."}


def test_bad_fields_and_impossible_events_are_422(client, make):
    ada, manager = make.customer(), api(client, make)
    bad = manager.post(PATH, json=body(ada.email, occurred_on="2025-02-30", monthly_price="1.999", kind="x"))
    assert bad.status_code == 422
    assert set(error_of(bad)["fields"]) == {"kind"}  # types and choices first
    bad = manager.post(PATH, json=body(ada.email, occurred_on="2025-02-30", monthly_price="1.999"))
    assert set(error_of(bad)["fields"]) == {"occurred_on", "monthly_price"}
    renewal = body(ada.email, event_id="r1", kind="renewed", plan=None, monthly_price=None)
    response = manager.post(PATH, json=renewal)
    assert response.status_code == 422
    assert "does not exist yet" in error_of(response)["message"]
    manager.post(PATH, json=body(ada.email))
    downgrade = body(ada.email, event_id="d1", kind="upgraded", plan="shared", occurred_on="2025-09-01")
    assert "higher plan tier" in error_of(manager.post(PATH, json=downgrade))["message"]
    assert stored() == 1


def test_late_event_is_placed_by_date(client, make):
    ada, manager = make.customer(), api(client, make)
    manager.post(PATH, json=body(ada.email, plan="shared", monthly_price="9.90"))
    late = body(ada.email, event_id="e3", kind="upgraded", plan="dedicated", occurred_on="2025-12-01")
    assert manager.post(PATH, json={**late, "monthly_price": "149.00"}).status_code == 201
    middle = body(ada.email, event_id="e2", kind="upgraded", plan="vps", occurred_on="2025-08-01")
    response = manager.post(PATH, json=middle)
    assert response.status_code == 201
    assert response.get_json()["subscription"]["plan"] == "dedicated"
    assert response.get_json()["from_plan"] == "shared"
