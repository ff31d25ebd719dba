"""POST/GET /api/v1/feedback: creating through the API, listing and showing with scoping."""

from datetime import UTC, datetime, timedelta

import pytest

from feedback.extensions import db
from feedback.followups.models import EventKind, Followup, FollowupStatus, Priority
from feedback.followups.services import internal_note, staff_reply
from feedback.ideas.models import Idea
from feedback.surveys.models import Channel, Feedback, FeedbackKind

from ..conftest import T0
from ..factories import error_of


def _stored(feedback_id: int) -> Feedback:
    db.session.expire_all()
    return db.session.get(Feedback, feedback_id)


def test_csat_1_about_support_opens_a_high_follow_up_with_its_deadlines(people, clock):
    response = people.as_customer.post(
        "/feedback", json={"csat": 1, "nps": 3, "category": "support", "comment": "  Nobody answers  "}
    )

    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/feedback/{body['id']}"
    assert body["channel"] == "api"
    assert body["created_at"] == "2026-03-02T09:00:00Z"
    # High: first response within 4 h of 09:00 UTC.
    assert body["followup"]["priority"] == "high"
    assert body["followup"]["status"] == "open"
    assert body["followup"]["answer_by"] == "2026-03-02T13:00:00Z"
    # The case as the customer's pages and mail name it.
    assert body["followup"]["reference"] == f"K-{body['followup']['id']}"
    assert "customer" not in body  # customers get no staff-only fields

    row = _stored(body["id"])
    assert (row.customer_id, row.kind, row.channel) == (people.customer.id, FeedbackKind.RATING, Channel.API)
    assert (row.csat, row.nps, row.category.slug, row.comment, row.urgent) == (
        1,
        3,
        "support",
        "Nobody answers",
        False,
    )
    fu = row.followup
    assert fu.priority == Priority.HIGH
    assert fu.first_response_due == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert fu.resolution_due == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert [e.kind for e in fu.events] == [EventKind.CREATED]


def test_csat_1_about_uptime_opens_a_critical_follow_up(people, clock):
    body = people.as_customer.post("/feedback", json={"csat": 1, "category": "uptime"}).get_json()

    assert body["followup"]["priority"] == "critical"
    assert body["followup"]["answer_by"] == "2026-03-02T10:00:00Z"  # 1 h first response
    fu = _stored(body["id"]).followup
    assert fu.resolution_due == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # 4 h resolution


def test_urgent_flag_makes_even_a_good_rating_critical(people, clock):
    body = people.as_customer.post("/feedback", json={"csat": 4, "urgent": True}).get_json()

    assert body["followup"]["priority"] == "critical"
    assert body["category"] is None


def test_nps_detractor_with_fine_csat_opens_a_normal_follow_up(people, clock):
    body = people.as_customer.post("/feedback", json={"csat": 4, "nps": 6, "category": None}).get_json()

    assert body["followup"]["priority"] == "normal"
    assert body["followup"]["answer_by"] == "2026-03-03T09:00:00Z"  # 24 h


def test_a_happy_rating_opens_no_follow_up(people, clock):
    response = people.as_customer.post("/feedback", json={"kind": "rating", "csat": 5, "nps": 10})

    assert response.status_code == 201
    assert response.get_json()["followup"] is None
    assert db.session.scalar(db.select(db.func.count(Followup.id))) == 0


def test_a_suggestion_is_posted_as_an_idea_the_customer_votes_for(people, clock):
    response = people.as_customer.post(
        "/feedback",
        json={
            "kind": "suggestion",
            "title": "Dark mode",
            "text": "For the panel",
            "category": "control-panel",
        },
    )

    assert response.status_code == 201
    body = response.get_json()
    idea = db.session.get(Idea, body["id"])
    assert (idea.title, idea.description, idea.category.slug, idea.author_id) == (
        "Dark mode",
        "For the panel",
        "control-panel",
        people.customer.id,
    )
    assert idea.vote_count == 1
    # Old clients still read a suggestion; its id and links are the idea's.
    assert (body["kind"], body["title"], body["comment"], body["followup"]) == (
        "suggestion",
        "Dark mode",
        "For the panel",
        None,
    )
    assert body["idea_id"] == idea.id
    assert body["url"] == response.headers["Location"] == f"/api/v1/ideas/{idea.id}"
    assert body["idea"]["voted"] is True and body["idea"]["following"] is True
    assert db.session.scalar(db.select(db.func.count(Feedback.id))) == 0  # no feedback row
    assert people.as_customer.get(f"/ideas/{idea.id}").get_json()["title"] == "Dark mode"


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_staff_cannot_leave_feedback(people, role):
    response = people.client_for(role).post("/feedback", json={"csat": 1})

    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert db.session.scalar(db.select(db.func.count(Feedback.id))) == 0


def test_customer_lists_only_their_own_feedback(people, make):
    mine_old = make.rating(people.customer, csat=5, now=T0)
    mine_new = make.rating(people.customer, csat=2, now=T0 + timedelta(hours=1))
    make.rating(people.other, csat=1, now=T0)

    body = people.as_customer.get("/feedback").get_json()

    assert [i["id"] for i in body["items"]] == [mine_new.id, mine_old.id]  # newest first
    assert (body["page"], body["per_page"], body["total"], body["next"]) == (1, 25, 2, None)
    # Asking for someone else's id narrows the customer's own list to nothing.
    other = people.as_customer.get(f"/feedback?customer_id={people.other.id}").get_json()
    assert other["items"] == [] and other["total"] == 0


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_staff_list_everyone_and_filter_by_customer_and_since(people, make, role):
    a = make.rating(people.customer, csat=5, now=T0 - timedelta(days=2))
    b = make.rating(people.other, csat=1, now=T0)
    c = make.rating(people.customer, csat=3, now=T0 + timedelta(hours=2))
    api = people.client_for(role)

    assert [i["id"] for i in api.get("/feedback").get_json()["items"]] == [c.id, b.id, a.id]
    by_customer = api.get(f"/feedback?customer_id={people.customer.id}").get_json()
    assert [i["id"] for i in by_customer["items"]] == [c.id, a.id]
    assert by_customer["items"][0]["customer"]["email"] == people.customer.email
    since_day = api.get("/feedback?since=2026-03-02").get_json()
    assert [i["id"] for i in since_day["items"]] == [c.id, b.id]
    since_moment = api.get("/feedback", query_string={"since": "2026-03-02T10:30:00+01:00"}).get_json()
    assert [i["id"] for i in since_moment["items"]] == [c.id]  # 10:30+01:00 is 09:30Z


def test_pagination_walks_every_item_once(people, make):
    ids = [make.rating(people.customer, csat=5, now=T0 + timedelta(minutes=n)).id for n in range(5)]

    first = people.as_customer.get("/feedback?per_page=2").get_json()
    assert (first["total"], first["next"]) == (5, "/api/v1/feedback?per_page=2&page=2")
    seen, url = [], "/feedback?per_page=2"
    while url:
        page = people.as_customer.get(url).get_json()
        seen += [i["id"] for i in page["items"]]
        url = page["next"] and page["next"].removeprefix("/api/v1")
    assert seen == ids[::-1]
    beyond = people.as_customer.get("/feedback?page=9&per_page=2").get_json()
    assert (beyond["items"], beyond["next"], beyond["page"]) == ([], None, 9)


def test_customer_sees_own_item_with_public_timeline_only(people, make, clock):
    fb = make.rating(people.customer, csat=1, now=T0)
    internal_note(fb.followup, people.staff, "Customer is on the old cluster", now=T0 + timedelta(minutes=5))
    staff_reply(fb.followup, people.staff, "We are looking into it", now=T0 + timedelta(minutes=10))
    db.session.commit()

    body = people.as_customer.get(f"/feedback/{fb.id}").get_json()

    assert [(e["kind"], e["author"], e["body"]) for e in body["timeline"]] == [
        ("created", "system", ""),
        ("public_reply", "staff", "We are looking into it"),
    ]
    assert body["timeline"][1]["author_name"] == "Sam Staff"
    assert body["timeline"][1]["created_at"] == "2026-03-02T09:10:00Z"
    assert "detail" not in body["timeline"][0]
    # After the first response the promise is the next-update ceiling: 24 h after the reply.
    assert body["followup"]["answer_by"] == "2026-03-03T09:10:00Z"
    assert body["followup"]["first_response_at"] == "2026-03-02T09:10:00Z"


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_staff_see_any_item_with_the_full_timeline(people, make, role):
    fb = make.rating(people.customer, csat=1, now=T0)
    internal_note(fb.followup, people.staff, "Old cluster", now=T0 + timedelta(minutes=5))
    db.session.commit()

    body = people.client_for(role).get(f"/feedback/{fb.id}").get_json()

    assert [(e["kind"], e["public"]) for e in body["timeline"]] == [
        ("created", True),
        ("internal_note", False),
    ]
    assert body["timeline"][1]["actor_id"] == people.staff.id
    assert body["followup"]["url"] == f"/api/v1/followups/{fb.followup.id}"
    assert body["customer"]["plan"] == "shared"


def test_another_customers_item_is_404_like_a_missing_one(people, make):
    theirs = make.rating(people.other, csat=1, now=T0)

    response = people.as_customer.get(f"/feedback/{theirs.id}")
    missing = people.as_customer.get(f"/feedback/{theirs.id + 1000}")
    huge = people.as_staff.get("/feedback/99999999999999")

    assert response.status_code == missing.status_code == huge.status_code == 404
    assert error_of(response) == error_of(missing)
    assert "Site was slow" not in response.get_data(as_text=True)


def test_resolved_case_shows_no_promise(people, make, clock):
    fb = make.rating(people.customer, csat=2, now=T0)
    fb.followup.status = FollowupStatus.RESOLVED
    db.session.commit()

    body = people.as_customer.get(f"/feedback/{fb.id}").get_json()

    assert body["followup"]["status"] == "resolved"
    assert body["followup"]["answer_by"] is None
