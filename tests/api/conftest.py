"""API fixtures: token-carrying clients per role and a pinned request clock."""

from dataclasses import dataclass

import pytest

from ..factories import T0, ApiClient, token_for

# (method, path, roles allowed) for every endpoint that needs a token; ids are filled in per test.
ENDPOINTS = [
    ("POST", "/feedback", {"customer"}),
    ("GET", "/feedback", {"customer", "staff", "manager"}),
    ("GET", "/feedback/{feedback_id}", {"customer", "staff", "manager"}),
    ("GET", "/followups", {"staff", "manager"}),
    ("GET", "/followups/{followup_id}", {"staff", "manager"}),
    ("POST", "/followups/{followup_id}/reply", {"staff", "manager"}),
    ("POST", "/followups/{followup_id}/status", {"staff", "manager"}),
    ("POST", "/followups/{followup_id}/resolve", {"staff", "manager"}),
    ("GET", "/reports/satisfaction?start=2026-01-01&end=2026-03-31", {"manager"}),
    ("GET", "/reports/support?start=2026-01-01&end=2026-03-31", {"manager"}),
    ("GET", "/reports/retention?start=2026-01-01&end=2026-03-31", {"manager"}),
    ("GET", "/announcements", {"customer", "staff", "manager"}),
    ("POST", "/subscriptions/events", {"manager"}),
    ("GET", "/ideas", {"customer", "staff", "manager"}),
    ("POST", "/ideas", {"customer"}),
    ("GET", "/ideas/{idea_id}", {"customer", "staff", "manager"}),
    ("POST", "/ideas/{idea_id}/vote", {"customer"}),
    ("DELETE", "/ideas/{idea_id}/vote", {"customer"}),
    ("POST", "/ideas/{idea_id}/follow", {"customer", "staff", "manager"}),
    ("DELETE", "/ideas/{idea_id}/follow", {"customer", "staff", "manager"}),
    ("POST", "/ideas/{idea_id}/status", {"staff", "manager"}),
    ("POST", "/ideas/{idea_id}/answer", {"staff", "manager"}),
    ("POST", "/ideas/{idea_id}/merge", {"staff", "manager"}),
    ("POST", "/ideas/{idea_id}/unmerge", {"staff", "manager"}),  # on a merged idea, see UNMERGE
]

# A body each POST endpoint accepts, so role tests reach the role check with valid input.
GOOD_BODIES = {
    "/feedback": {"csat": 4, "category": "support"},
    "/followups/{followup_id}/reply": {"body": "We are on it."},
    "/followups/{followup_id}/status": {"status": "waiting"},
    "/followups/{followup_id}/resolve": {"note": "Fixed."},
    "/subscriptions/events": {
        "event_id": "access-1",
        "email": "ada@example.test",
        "service_id": "1",
        "kind": "started",
        "plan": "shared",
        "monthly_price": "9.90",
        "occurred_on": "2026-01-01",
    },
    "/ideas": {"title": "Dark mode for the panel", "category": "support"},
    "/ideas/{idea_id}/status": {"status": "planned"},
    "/ideas/{idea_id}/answer": {"text": "We are on it."},
    "/ideas/{idea_id}/merge": lambda ids: {"into": ids["other_idea_id"]},  # ids come per test
}

# Paths whose {idea_id} must name a merged idea for the call to succeed.
MERGED_IDEA_PATHS = {"/ideas/{idea_id}/unmerge"}


@dataclass
class People:
    """One user of each role, plus a second customer, each with a token-carrying client."""

    customer: object
    other: object
    staff: object
    manager: object
    as_customer: ApiClient
    as_other: ApiClient
    as_staff: ApiClient
    as_manager: ApiClient
    anonymous: ApiClient

    def client_for(self, role: str) -> ApiClient:
        return {"customer": self.as_customer, "staff": self.as_staff, "manager": self.as_manager}[role]


@pytest.fixture
def people(client, make) -> People:
    # A fixed address: GOOD_BODIES pushes a subscription event for this customer.
    customer = make.customer(name="Ada Customer", email="ada@example.test")
    other = make.customer(name="Bob Other")
    staff, manager = make.staff(name="Sam Staff"), make.manager(name="Mia Manager")
    return People(
        customer=customer,
        other=other,
        staff=staff,
        manager=manager,
        as_customer=ApiClient(client, token_for(customer)),
        as_other=ApiClient(client, token_for(other)),
        as_staff=ApiClient(client, token_for(staff)),
        as_manager=ApiClient(client, token_for(manager)),
        anonymous=ApiClient(client),
    )


class Clock:
    """The time API requests act at; tests move it explicitly."""

    def __init__(self) -> None:
        self.now = T0


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("feedback.api.blueprint.utcnow", lambda: clock.now)
    return clock
