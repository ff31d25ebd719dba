"""Reaching out from the renewal queue: one proactive case, assigned, neutral for the customer."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.followups import services as followups
from feedback.followups.models import EventKind, Followup, Priority
from feedback.mailer.dispatch import dispatch
from feedback.mailer.models import OutboxMessage
from feedback.renewals.services import ProactiveError, open_proactive_followup
from feedback.surveys.models import FeedbackKind
from feedback.surveys.receipts import announce_case, thank_customer
from tests.conftest import T0
from tests.mail_server import text_body

from .conftest import case, customer_renewing, rate

RISK_WORDS = ("risk", "Risk", "Detractor", "NPS", "CSAT", "revenue", "priority")


@pytest.fixture
def at_t0(monkeypatch):
    """Pages read the clock; pin it to T0 so they see the same data as the tests."""
    monkeypatch.setattr("feedback.renewals.routes.utcnow", lambda: T0)


def test_opens_an_assigned_case_with_the_reasons_in_an_internal_note(app, make, smtp):
    staff = make.staff("Sam Staff")
    make.staff("Other Staff")
    customer = customer_renewing(make, 10, price="30.00", name="Cleo Customer")
    rate(customer, csat=2, nps=3, days_ago=5)  # detractor 3 + low CSAT 2 = 5: high

    fu = open_proactive_followup(customer, staff, T0, note="Offer the annual discount.")
    db.session.commit()

    assert fu.feedback.kind == FeedbackKind.PROACTIVE
    assert fu.feedback.csat is None and fu.feedback.nps is None
    assert fu.priority == Priority.HIGH
    assert fu.assignee_id == staff.id
    (note,) = [e for e in fu.events if e.kind == EventKind.INTERNAL_NOTE]
    assert not note.is_public
    assert "Risk score 5" in note.body
    assert "Detractor: latest NPS answer 3 (+3)" in note.body
    assert "Low CSAT in the last 90 days (lowest 2 of 5) (+2)" in note.body
    assert "30.00" in note.body and "Offer the annual discount." in note.body
    assert not any(word in fu.feedback.comment for word in RISK_WORDS)

    dispatch(T0)
    assert smtp.messages == []  # no "your feedback opened a case", no "new case" to the team


def test_low_risk_opens_a_normal_case(app, make):
    customer = customer_renewing(make, 10)
    case(customer, resolved=True, breached=True)  # breached 2 only
    fu = open_proactive_followup(customer, make.staff(), T0)
    assert fu.priority == Priority.NORMAL


def test_customer_sees_neutral_text_then_the_staff_reply_by_mail(app, make, client, auth, smtp):
    staff = make.staff()
    customer = customer_renewing(make, 10, name="Cleo Customer")
    rate(customer, nps=0)
    fu = open_proactive_followup(customer, staff, T0)
    db.session.commit()

    auth.login(customer)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "We reached out" in dashboard and "Suggestion" not in dashboard
    page = client.get(f"/cases/{fu.reference}").get_data(as_text=True)
    assert "We reached out about your renewal" in page
    assert "We opened a case to talk with you" in page
    assert "None" not in page
    assert not any(word in page for word in ("Risk score", "Detractor", "internal"))

    followups.staff_reply(fu, staff, "Hi Cleo, how is your site doing?", T0 + timedelta(hours=1))
    db.session.commit()
    dispatch(T0 + timedelta(hours=1))
    (mail,) = smtp.messages
    assert mail["To"].addresses[0].addr_spec == customer.email
    assert "New reply on your case" in str(mail["Subject"])
    assert "how is your site doing" in text_body(mail)
    assert "opened a case" not in text_body(mail)


def test_the_receipt_mails_send_nothing_for_proactive_feedback(app, make):
    customer = customer_renewing(make, 10)
    fu = open_proactive_followup(customer, make.staff(), T0)
    thank_customer(fu.feedback, T0)
    announce_case(fu.feedback, T0)
    db.session.flush()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_refused_when_the_customer_already_has_an_open_case(app, make):
    customer = customer_renewing(make, 10)
    existing = case(customer)
    with pytest.raises(ProactiveError) as refused:
        open_proactive_followup(customer, make.staff(), T0)
    assert refused.value.followup.id == existing.id
    assert f"{existing.reference}" in str(refused.value)


def test_only_customers_can_be_contacted(app, make):
    with pytest.raises(ProactiveError):
        open_proactive_followup(make.staff(), make.staff(), T0)


def test_one_click_opens_then_the_second_click_links_to_the_case(app, make, client, auth, at_t0):
    staff = make.staff("Sam Staff")
    customer = customer_renewing(make, 10, name="Cleo Customer")
    rate(customer, nps=2)
    auth.login(staff)

    queue = client.get("/renewals/").get_data(as_text=True)
    assert f'action="/renewals/{customer.id}/followup"' in queue

    first = client.post(f"/renewals/{customer.id}/followup")
    fu = db.session.scalar(select(Followup).where(Followup.customer_id == customer.id))
    assert first.status_code == 302
    assert first.headers["Location"] == f"/queue/{fu.reference}"
    shown = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Follow-up opened and assigned to you" in shown
    assert "Proactive: renewal at risk" in shown and "Risk score 3" in shown
    assert fu.assignee_id == staff.id

    queue = client.get("/renewals/").get_data(as_text=True)
    assert f'href="/queue/{fu.reference}"' in queue  # the row now links to the case …
    assert f'action="/renewals/{customer.id}/followup"' not in queue  # … instead of offering another

    second = client.post(f"/renewals/{customer.id}/followup")
    assert second.status_code == 302 and second.headers["Location"] == f"/queue/{fu.reference}"
    shown = client.get(f"/queue/{fu.id}").get_data(as_text=True)
    assert f"already has an open follow-up ({fu.reference})" in shown
    assert db.session.scalar(select(func.count(Followup.id))) == 1


def test_a_user_who_is_not_a_customer_is_404(app, make, client, auth):
    staff = make.staff()
    auth.login(staff)
    assert client.post(f"/renewals/{staff.id}/followup").status_code == 404
    assert client.post("/renewals/999999/followup").status_code == 404


def test_the_form_needs_its_csrf_token(app, make, client, auth, monkeypatch, at_t0):
    customer = customer_renewing(make, 10)
    rate(customer, nps=2)
    auth.login(make.staff())
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/renewals/{customer.id}/followup").status_code == 400
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/renewals/").get_data(as_text=True)
    )
    response = client.post(f"/renewals/{customer.id}/followup", data={"csrf_token": token.group(1)})
    assert response.status_code == 302
