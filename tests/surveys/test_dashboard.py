"""The customer dashboard: leaving feedback, following a case, replying."""

from datetime import timedelta

import pytest

from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups import services as fu_services
from feedback.followups.models import EventKind, Followup, Priority
from feedback.ideas import services as idea_services
from feedback.ideas.models import IdeaStatus
from feedback.surveys.models import Channel, Feedback
from tests.conftest import T0


def _rating(**overrides):
    data = {"r-csat": "4", "r-nps": "", "r-category": "support", "r-comment": "", **overrides}
    return {k: v for k, v in data.items() if v is not None}


def test_dashboard_offers_the_rating_form_the_idea_board_and_an_empty_history(client, auth, make):
    auth.login(make.customer())
    page = client.get("/dashboard").get_data(as_text=True)
    assert "How satisfied are you with our service?" in page
    assert "Urgent — my site is affected" in page
    assert 'href="/ideas/new"' in page  # suggestions go to the idea board now
    assert "Nothing yet. Your ratings and any cases" in page
    assert "You have not posted or voted for an idea yet." in page


def test_the_old_suggestion_form_is_gone(client, auth, make):
    auth.login(make.customer())
    response = client.post(
        "/suggestions", data={"s-title": "Offer IPv6", "s-text": "x", "s-category": "other"}
    )
    assert response.status_code in (404, 405)
    assert db.session.scalar(db.select(db.func.count(Feedback.id))) == 0


def test_positive_rating_is_stored_without_a_case(client, auth, make):
    customer = make.customer()
    auth.login(customer)
    response = client.post("/feedback", data=_rating(**{"r-csat": "5", "r-nps": "10", "r-comment": "Fast!"}))
    assert response.status_code == 302
    fb = db.session.scalar(db.select(Feedback))
    assert (fb.customer_id, fb.csat, fb.nps, fb.comment) == (customer.id, 5, 10, "Fast!")
    assert fb.channel == Channel.DASHBOARD
    assert fb.followup is None
    assert "Thank you for your feedback." in client.get("/dashboard").get_data(as_text=True)


def test_low_rating_opens_a_case_and_promises_an_answer_in_the_customers_time_zone(client, auth, make):
    customer = make.customer(timezone="Asia/Tokyo")
    auth.login(customer)
    response = client.post("/feedback", data=_rating(**{"r-csat": "1", "r-comment": "Site is down"}))
    fb = db.session.scalar(db.select(Feedback))
    assert response.headers["Location"] == f"/cases/{fb.followup.reference}"
    assert fb.followup.priority == Priority.HIGH
    page = client.get(f"/cases/{fb.followup.reference}").get_data(as_text=True)
    assert f"{fb.followup.reference}</li>" in page  # the breadcrumb names the case as staff and mail do
    assert "We'll answer by" in page
    # Tokyo is UTC+9 all year: the deadline is shown in the customer's zone.
    local = (fb.followup.first_response_due + timedelta(hours=9)).strftime("%-I:%M")
    assert local in page
    assert "We opened a case for your feedback" in page


def test_urgent_flag_opens_a_critical_case(client, auth, make):
    auth.login(make.customer())
    client.post("/feedback", data=_rating(**{"r-csat": "3", "r-urgent": "y", "r-category": "uptime"}))
    fb = db.session.scalar(db.select(Feedback))
    assert fb.urgent is True
    assert fb.followup.priority == Priority.CRITICAL


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"r-csat": None}, "Choose a rating from 1 to 5."),
        ({"r-csat": "6"}, "Choose a rating from 1 to 5."),
        ({"r-csat": "abc"}, "Choose a rating from 1 to 5."),
        ({"r-nps": "11"}, "Choose a score from 0 to 10, or leave it empty."),
        ({"r-category": "no-such-category"}, "Not a valid choice."),
        ({"r-comment": "x" * 5001}, "Field cannot be longer than 5000 characters."),
    ],
)
def test_bad_rating_input_returns_the_form_with_what_was_typed(client, auth, make, overrides, message):
    auth.login(make.customer())
    typed = "Ĉu vi aŭdas? مرحبا my words must survive"
    data = _rating(**{"r-comment": typed, **overrides})
    response = client.post("/feedback", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    if "r-comment" not in overrides:
        assert typed in page
    assert db.session.scalar(db.select(db.func.count(Feedback.id))) == 0


def test_history_lists_own_ideas_votes_and_what_was_built(client, auth, make):
    me, other, staff = make.customer(), make.customer(), make.staff("Sam Staff")
    mine = idea_services.post_idea(me, title="Offer IPv6 everywhere", now=T0)
    theirs = idea_services.post_idea(other, title="Daily backups kept longer", now=T0)
    idea_services.vote(theirs, me, now=T0)
    built = idea_services.post_idea(other, title="Free SSL certificates", now=T0)
    idea_services.set_status(built, IdeaStatus.DONE, staff, changelog="Every site gets one.", now=T0)
    db.session.commit()
    auth.login(me)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Your ideas and votes" in page
    assert f'href="/ideas/{mine.id}"' in page
    assert f'href="/ideas/{theirs.id}"' in page
    assert "Free SSL certificates" in page  # the latest changelog entry
    assert 'href="/ideas/changelog"' in page


def test_history_shows_only_own_feedback_and_paginates(client, auth, make):
    me, other = make.customer(), make.customer()
    for n in range(12):
        make.rating(me, csat=5, comment=f"mine-{n:02d}", now=T0 + timedelta(minutes=n))
    make.rating(other, csat=5, comment="someone-elses", now=T0)
    auth.login(me)
    first = client.get("/dashboard").get_data(as_text=True)
    assert "mine-11" in first and "mine-02" in first and "mine-01" not in first
    assert "someone-elses" not in first
    second = client.get("/dashboard?page=2").get_data(as_text=True)
    assert "mine-01" in second and "mine-00" in second


def test_another_customers_feedback_is_404(client, auth, make):
    me, other = make.customer(), make.customer()
    theirs = make.rating(other, csat=1, now=T0)
    auth.login(me)
    assert client.get(f"/feedback/{theirs.id}").status_code == 404
    assert client.get(f"/cases/{theirs.followup.reference}").status_code == 404
    assert client.get(f"/cases/{theirs.followup.id}").status_code == 404
    assert client.post(f"/feedback/{theirs.id}/reply", data={"body": "hi"}).status_code == 404
    assert client.get("/feedback/999999").status_code == 404
    for missing in ("K-999999", "K-99999999999", "K-0", "K--1", "K-1x"):
        assert client.get(f"/cases/{missing}").status_code == 404


def test_a_case_has_one_page_under_its_reference_and_old_links_reach_it(client, auth, make):
    customer = make.customer()
    fb = make.rating(customer, csat=1, now=T0)
    ref = fb.followup.reference
    auth.login(customer)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert f'href="/cases/{ref}"' in dashboard
    # A link from before references (the rating's page) and the bare number both reach the case.
    assert client.get(f"/feedback/{fb.id}").headers["Location"] == f"/cases/{ref}"
    for spelling in (ref, ref.lower(), str(fb.followup.id)):
        assert client.get(f"/cases/{spelling}").status_code == 200
    # A rating without a case keeps its own page.
    happy = make.rating(customer, csat=5, now=T0)
    assert client.get(f"/feedback/{happy.id}").status_code == 200


def test_customer_sees_public_replies_but_not_internal_notes(client, auth, make):
    customer, agent = make.customer(), make.staff(name="Ana Agent")
    fb = make.rating(customer, csat=1, now=T0)
    fu_services.internal_note(
        fb.followup, agent, "Customer is on the old cluster", now=T0 + timedelta(minutes=5)
    )
    fu_services.staff_reply(
        fb.followup, agent, "We moved your site to a faster node.", now=T0 + timedelta(minutes=9)
    )
    db.session.commit()
    auth.login(customer)
    page = client.get(f"/feedback/{fb.id}", follow_redirects=True).get_data(as_text=True)
    assert "We moved your site to a faster node." in page
    assert "Ana Agent from our team replied" in page
    assert "old cluster" not in page


def test_customer_reply_restarts_the_next_reply_clock(client, auth, make):
    customer, agent = make.customer(), make.staff()
    fb = make.rating(customer, csat=2, now=T0)
    fu_services.staff_reply(fb.followup, agent, "Can you send the URL?", now=T0 + timedelta(hours=1))
    db.session.commit()
    assert fb.followup.next_reply_due is None
    auth.login(customer)
    response = client.post(f"/feedback/{fb.id}/reply", data={"body": "It is example.org/shop"})
    assert response.status_code == 302 and response.headers["Location"] == f"/cases/{fb.followup.reference}"
    db.session.refresh(fb.followup)
    event = fb.followup.events[-1]
    assert event.kind == EventKind.CUSTOMER_REPLY and event.body == "It is example.org/shop"
    # High priority: next reply within 8 h of the customer's message.
    assert fb.followup.next_reply_due == fb.followup.awaiting_reply_since + timedelta(hours=8)


def test_empty_customer_reply_is_refused(client, auth, make):
    customer = make.customer()
    fb = make.rating(customer, csat=1, now=T0)
    auth.login(customer)
    response = client.post(f"/feedback/{fb.id}/reply", data={"body": "   "})
    assert response.status_code == 400
    assert len(fb.followup.events) == 1


def test_reply_on_a_resolved_case_is_refused(client, auth, make):
    customer, agent = make.customer(), make.staff()
    fb = make.rating(customer, csat=1, now=T0)
    fu_services.resolve(fb.followup, agent, now=T0 + timedelta(hours=1))
    db.session.commit()
    auth.login(customer)
    response = client.post(f"/feedback/{fb.id}/reply", data={"body": "One more thing"})
    assert response.status_code == 400
    assert "reopen" in response.get_data(as_text=True)


def test_a_late_case_says_so_instead_of_promising_a_time_in_the_past(client, auth, make):
    customer = make.customer()
    fb = make.rating(customer, csat=1, category="uptime", now=T0)  # answer due T0 + 1 h, long past
    auth.login(customer)
    for page in (client.get("/dashboard"), client.get(f"/cases/{fb.followup.reference}")):
        text = page.get_data(as_text=True)
        assert "later than we promised" in text.lower()
        assert "We'll answer by" not in text


def test_answering_a_recently_resolved_case_reopens_it(client, auth, make):
    customer, agent = make.customer(), make.staff()
    now = utcnow()
    fb = make.rating(customer, csat=1, now=now - timedelta(days=3))
    fu_services.resolve(fb.followup, agent, now=now - timedelta(days=2))
    db.session.commit()
    auth.login(customer)
    page = client.get(f"/cases/{fb.followup.reference}").get_data(as_text=True)
    assert "your message reopens the case" in page and "Send and reopen the case" in page

    response = client.post(f"/feedback/{fb.id}/reply", data={"body": "It is slow again"})
    assert response.status_code == 302
    db.session.expire_all()
    fu = db.session.get(Followup, fb.followup.id)
    assert fu.is_open and fu.resolved_at is None
    assert [e.kind for e in fu.events][-2:] == [EventKind.REOPENED, EventKind.CUSTOMER_REPLY]
    assert fu.awaiting_reply_since is not None  # the next-reply clock runs for the team
    assert "Your message reopened the case." in client.get(f"/cases/{fu.reference}").get_data(as_text=True)


def test_a_case_resolved_longer_ago_than_the_window_is_not_reopened(client, auth, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "CUSTOMER_REOPEN_DAYS", 2)
    customer, agent = make.customer(), make.staff()
    now = utcnow()
    fb = make.rating(customer, csat=1, now=now - timedelta(days=4))
    fu_services.resolve(fb.followup, agent, now=now - timedelta(days=3))
    db.session.commit()
    auth.login(customer)
    page = client.get(f"/cases/{fb.followup.reference}").get_data(as_text=True)
    assert "Send and reopen the case" not in page
    response = client.post(f"/feedback/{fb.id}/reply", data={"body": "Still broken"})
    assert response.status_code == 400
    assert "resolved too long ago to reopen" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(Followup, fb.followup.id).is_open


def test_case_messages_have_a_budget_and_a_refused_one_keeps_its_text(client, auth, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "CASE_MESSAGE_RATE_LIMIT", "2 per hour")
    customer = make.customer()
    fb = make.rating(customer, csat=1, now=utcnow())
    auth.login(customer)
    for n in range(2):
        assert client.post(f"/feedback/{fb.id}/reply", data={"body": f"Message {n}"}).status_code == 302
    refused = client.post(f"/feedback/{fb.id}/reply", data={"body": "One too many"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert "You have sent many messages in a short time." in page and "One too many" in page
    db.session.expire_all()
    assert [e.body for e in db.session.get(Followup, fb.followup.id).events][-2:] == [
        "Message 0",
        "Message 1",
    ]
