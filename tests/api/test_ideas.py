"""/api/v1/ideas: the board, posting, votes, follows and the staff's triage, with the board's
privacy rule (another customer is "Ada L." or "A customer", never an e-mail or an id)."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import event

from feedback.extensions import db
from feedback.ideas import services
from feedback.ideas.merge import merge
from feedback.ideas.models import ChangelogEntry, Idea, IdeaStatus, IdeaVote
from feedback.surveys.services import category_by_slug

from ..conftest import T0
from ..factories import ApiClient, error_of, token_for


def _idea(author, title="Dark mode for the panel", now=T0, **kwargs) -> Idea:
    idea = services.post_idea(author, title=title, now=now, **kwargs)
    db.session.commit()
    return idea


def _titles(body: dict) -> list[str]:
    return [item["title"] for item in body["items"]]


def _votes() -> int:
    return db.session.scalar(db.select(db.func.count(IdeaVote.id)))


# -- reading --------------------------------------------------------------------------------------


def test_a_customer_sees_another_customers_idea_by_first_name_and_initial_only(people):
    idea = _idea(people.other, description="At night my eyes hurt")  # "Bob Other"

    listed = people.as_customer.get("/ideas").get_json()
    shown = people.as_customer.get(f"/ideas/{idea.id}").get_json()

    for item in (listed["items"][0], shown):
        assert item["author"] == "Bob O."
        assert "author_id" not in item and "hidden" not in item
        assert (item["yours"], item["voted"], item["following"], item["vote_count"]) == (
            False,
            False,
            False,
            1,
        )
    text = json.dumps([listed, shown])
    assert people.other.email not in text
    assert "Other" not in text  # not even the surname


def test_an_anonymous_idea_hides_its_author_from_other_customers_but_not_from_staff(people):
    idea = _idea(people.other, anonymous=True)

    as_customer = people.as_customer.get(f"/ideas/{idea.id}").get_json()
    listed = people.as_customer.get("/ideas").get_json()["items"][0]
    as_author = people.as_other.get(f"/ideas/{idea.id}").get_json()
    as_staff = people.as_staff.get(f"/ideas/{idea.id}").get_json()

    assert as_customer["author"] == listed["author"] == "A customer"
    assert "Bob" not in json.dumps([as_customer, listed])
    assert (as_author["author"], as_author["yours"]) == ("Bob Other", True)
    assert (as_staff["author"], as_staff["author_id"]) == ("Bob Other", people.other.id)


def test_the_board_sorts_by_votes_newest_or_latest_change(people, make):
    old = _idea(people.other, title="Old but loved", now=T0)
    new = _idea(people.other, title="Brand new idea", now=T0 + timedelta(days=2))
    services.vote(old, people.customer, now=T0)
    changed = _idea(people.other, title="Recently planned", now=T0 + timedelta(days=1))
    services.set_status(changed, IdeaStatus.PLANNED, people.staff, now=T0 + timedelta(days=3))
    db.session.commit()

    top = people.as_customer.get("/ideas").get_json()
    newest = people.as_customer.get("/ideas?sort=new").get_json()
    updated = people.as_customer.get("/ideas?sort=updated").get_json()

    assert _titles(top)[0] == old.title
    assert top["items"][0]["voted"] is True and top["items"][0]["vote_count"] == 2
    assert _titles(newest)[0] == new.title
    assert _titles(updated)[0] == changed.title
    assert updated["items"][0]["status"] == "planned"
    assert updated["items"][0]["status_label"] == "Planned"


def test_the_board_filters_by_words_category_and_status(people):
    _idea(people.other, title="Dark mode for the panel", category=category_by_slug("support"))
    _idea(people.other, title="IPv6 on every server", category=category_by_slug("uptime"))
    declined = _idea(people.other, title="Free domains forever")
    services.set_status(declined, IdeaStatus.DECLINED, people.staff, reason="Too costly", now=T0)
    db.session.commit()

    assert _titles(people.as_customer.get("/ideas?q=dark%20PANEL").get_json()) == ["Dark mode for the panel"]
    assert _titles(people.as_customer.get("/ideas?category=uptime").get_json()) == ["IPv6 on every server"]
    body = people.as_customer.get("/ideas?status=declined").get_json()
    assert _titles(body) == ["Free domains forever"]
    assert body["items"][0]["decline_reason"] == "Too costly"
    assert people.as_customer.get("/ideas?q=nothing-like-this").get_json()["items"] == []


def test_the_board_is_paginated(people):
    for n in range(3):
        _idea(people.other, title=f"Idea number {n}")

    first = people.as_customer.get("/ideas?per_page=2&sort=new").get_json()
    second = people.as_customer.get(first["next"].removeprefix("/api/v1")).get_json()

    assert (first["total"], len(first["items"]), len(second["items"])) == (3, 2, 1)
    assert second["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=best", "sort"),
        ("status=open", "status"),
        ("category=hosting", "category"),
        ("q=" + "x" * 201, "q"),
        ("q=a%00b", "q"),
        ("page=0", "page"),
        ("per_page=101", "per_page"),
    ],
)
def test_bad_board_parameters_are_400_naming_the_parameter(people, query, field):
    response = people.as_customer.get(f"/ideas?{query}")

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == [field]


def test_hidden_ideas_are_404_to_customers_and_flagged_for_staff(people):
    idea = _idea(people.other)
    services.set_hidden(idea, True, people.staff, now=T0)
    db.session.commit()

    assert people.as_customer.get(f"/ideas/{idea.id}").status_code == 404
    assert people.as_customer.get("/ideas").get_json()["items"] == []
    assert people.as_customer.post(f"/ideas/{idea.id}/vote").status_code == 404
    assert people.as_staff.get(f"/ideas/{idea.id}").get_json()["hidden"] is True
    assert people.as_staff.get("/ideas").get_json()["items"][0]["hidden"] is True


@pytest.mark.parametrize("idea_id", [999_999, 2**31, 10**20])
def test_unknown_ideas_are_404(people, idea_id):
    response = people.as_customer.get(f"/ideas/{idea_id}")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_merged_idea_answers_200_pointing_to_the_idea_it_went_into(people):
    keep, duplicate = _idea(people.other, title="Dark mode"), _idea(people.customer, title="Night theme")
    merge(duplicate, keep, people.staff, now=T0)
    db.session.commit()

    body = people.as_customer.get(f"/ideas/{duplicate.id}").get_json()

    assert body["merged_into"] == keep.id
    assert body["vote_count"] == 2  # the group's count: both authors voted
    assert body["voted"] is True
    assert _titles(people.as_customer.get("/ideas").get_json()) == ["Dark mode"]


# -- posting --------------------------------------------------------------------------------------


def test_a_customer_posts_an_idea_votes_for_it_and_follows_it(people, clock):
    response = people.as_customer.post(
        "/ideas",
        json={"title": "  Dark mode for the panel ", "description": "Please", "category": "support"},
    )

    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == body["url"] == f"/api/v1/ideas/{body['id']}"
    assert (body["title"], body["category"], body["status"]) == ("Dark mode for the panel", "support", "new")
    assert (body["vote_count"], body["voted"], body["following"], body["yours"]) == (1, True, True, True)
    assert body["created_at"] == "2026-03-02T09:00:00Z"
    idea = db.session.get(Idea, body["id"])
    assert (idea.author_id, idea.anonymous) == (people.customer.id, False)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "title", "This field is required."),
        ({"title": "   "}, "title", "Must not be empty."),
        ({"title": "Abc"}, "title", "at least 4 characters"),
        ({"title": "x" * 201}, "title", "at most 200 characters"),
        ({"title": "Dark mode", "description": "x" * 5001}, "description", "at most 5000"),
        ({"title": "Dark mode", "category": "hosting"}, "category", "Unknown category"),
        ({"title": "Dark mode", "anonymous": "yes"}, "anonymous", "true or false"),
        ({"title": "Dark mode", "votes": 100}, "votes", "Unknown field."),
        ({"title": 12345}, "title", "Must be a string"),
    ],
)
def test_invalid_ideas_are_422_naming_the_field_and_post_nothing(people, body, field, message):
    response = people.as_customer.post("/ideas", json=body)

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert message in error["fields"][field]
    assert db.session.scalar(db.select(db.func.count(Idea.id))) == 0


def test_staff_cannot_post_or_vote(people):
    idea = _idea(people.customer)

    posted = people.as_staff.post("/ideas", json={"title": "Dark mode"})
    voted = people.as_manager.post(f"/ideas/{idea.id}/vote")

    assert (posted.status_code, voted.status_code) == (403, 403)
    assert error_of(posted)["message"] == "Only customers post and vote for ideas."


def test_new_ideas_are_limited_per_token_and_suggestions_share_the_budget(app, people, monkeypatch):
    monkeypatch.setitem(app.config, "API_IDEA_RATE_LIMIT", "2 per hour")
    suggestion = {"kind": "suggestion", "title": "IPv6 please", "text": "On every server"}

    refused = people.as_customer.post("/ideas", json={"title": ""})  # costs nothing
    first = people.as_customer.post("/ideas", json={"title": "Dark mode"})
    second = people.as_customer.post("/feedback", json=suggestion)
    third = people.as_customer.post("/ideas", json={"title": "Night mode"})
    fourth = people.as_customer.post("/feedback", json=suggestion)
    rating = people.as_customer.post("/feedback", json={"csat": 5})  # ratings are not ideas
    other = people.as_other.post("/ideas", json={"title": "Free backups"})  # a budget of its own

    assert [r.status_code for r in (refused, first, second, third, fourth)] == [422, 201, 201, 429, 429]
    assert error_of(third)["code"] == "rate_limited"
    assert (rating.status_code, other.status_code) == (201, 201)
    assert db.session.scalar(db.select(db.func.count(Idea.id))) == 3


def test_new_ideas_are_limited_per_customer_whatever_token_or_page_they_use(
    app, client, auth, people, monkeypatch
):
    monkeypatch.setitem(app.config, "IDEA_POST_RATE_LIMIT", "3 per hour")
    second_token = ApiClient(client, token_for(people.customer))
    suggestion = {"kind": "suggestion", "title": "IPv6 please", "text": "On every server"}
    auth.login(people.customer)

    first = people.as_customer.post("/ideas", json={"title": "Dark mode"})
    second = second_token.post("/feedback", json=suggestion)  # another token, the same customer
    board = client.post("/ideas/new", data={"title": "Night mode", "description": ""})
    refused = [
        second_token.post("/ideas", json={"title": "Free backups"}),
        people.as_customer.post("/feedback", json=suggestion),
        client.post("/ideas/new", data={"title": "Sunset mode", "description": "Softer colours at night"}),
    ]
    other = people.as_other.post("/ideas", json={"title": "Free backups"})  # a budget of their own

    assert (first.status_code, second.status_code, board.status_code) == (201, 201, 302)
    assert [r.status_code for r in refused] == [429, 429, 429]
    assert "Too many new ideas from this customer: the limit is 3 per hour" in error_of(refused[0])["message"]
    assert int(refused[0].headers["Retry-After"]) > 0
    page = refused[2].get_data(as_text=True)
    assert "You have posted many ideas in a short time" in page
    assert 'value="Sunset mode"' in page and "Softer colours at night</textarea>" in page
    assert other.status_code == 201
    assert db.session.scalar(db.select(db.func.count(Idea.id))) == 4


def test_the_general_api_budget_still_applies_to_posting(app, people, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "2 per minute")

    codes = [people.as_customer.post("/ideas", json={"title": f"Idea {n}"}).status_code for n in range(3)]

    assert codes == [201, 201, 429]


# -- votes and follows ----------------------------------------------------------------------------


def test_voting_is_idempotent_and_answers_the_count(people):
    idea = _idea(people.other)

    first = people.as_customer.post(f"/ideas/{idea.id}/vote")
    again = people.as_customer.post(f"/ideas/{idea.id}/vote")

    assert first.status_code == again.status_code == 200
    assert first.get_json() == {"idea_id": idea.id, "voted": True, "changed": True, "vote_count": 2}
    assert again.get_json() == {"idea_id": idea.id, "voted": True, "changed": False, "vote_count": 2}
    assert _votes() == 2
    shown = people.as_customer.get(f"/ideas/{idea.id}").get_json()
    assert (shown["voted"], shown["following"]) == (True, True)  # voters follow


def test_taking_a_vote_back_is_idempotent_and_keeps_the_follow(people):
    idea = _idea(people.other)
    people.as_customer.post(f"/ideas/{idea.id}/vote")

    first = people.as_customer.client.delete(
        f"/api/v1/ideas/{idea.id}/vote", headers=people.as_customer.headers()
    )
    again = people.as_customer.delete(f"/ideas/{idea.id}/vote")

    assert first.get_json() == {"idea_id": idea.id, "voted": False, "changed": True, "vote_count": 1}
    assert again.get_json() == {"idea_id": idea.id, "voted": False, "changed": False, "vote_count": 1}
    assert people.as_customer.get(f"/ideas/{idea.id}").get_json()["following"] is True


def test_a_vote_for_a_merged_idea_counts_for_the_idea_it_went_into(people, make):
    keep, duplicate = _idea(people.other, title="Dark mode"), _idea(people.other, title="Night theme")
    merge(duplicate, keep, people.staff, now=T0)
    db.session.commit()

    body = people.as_customer.post(f"/ideas/{duplicate.id}/vote").get_json()

    assert body == {"idea_id": keep.id, "voted": True, "changed": True, "vote_count": 2}


def test_a_locked_idea_refuses_votes_with_409(people):
    idea = _idea(people.other)
    services.set_locked(idea, True, people.staff, now=T0)
    db.session.commit()

    response = people.as_customer.post(f"/ideas/{idea.id}/vote")

    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert _votes() == 1


def test_anyone_signed_in_follows_and_unfollows_idempotently(people):
    idea = _idea(people.other)

    follow = people.as_staff.post(f"/ideas/{idea.id}/follow").get_json()
    again = people.as_staff.post(f"/ideas/{idea.id}/follow").get_json()
    stop = people.as_staff.delete(f"/ideas/{idea.id}/follow").get_json()
    stop_again = people.as_staff.delete(f"/ideas/{idea.id}/follow").get_json()

    assert (follow["following"], follow["changed"], again["changed"]) == (True, True, False)
    assert (stop["following"], stop["changed"], stop_again["changed"]) == (False, True, False)
    assert people.as_customer.post("/ideas/999999/follow").status_code == 404


# -- staff triage ---------------------------------------------------------------------------------


def test_staff_move_an_idea_through_statuses_and_done_writes_the_changelog(people, clock):
    idea = _idea(people.other)

    planned = people.as_staff.post(f"/ideas/{idea.id}/status", json={"status": "planned"})
    done = people.as_staff.post(
        f"/ideas/{idea.id}/status", json={"status": "done", "changelog": "Dark mode is live."}
    )

    assert planned.status_code == 200
    assert planned.get_json()["status"] == "planned"
    body = done.get_json()
    assert (body["status"], body["done_at"]) == ("done", "2026-03-02T09:00:00Z")
    entry = db.session.scalar(db.select(ChangelogEntry))
    assert (entry.idea_id, entry.body) == (idea.id, "Dark mode is live.")


def test_declining_needs_a_reason_that_customers_then_read(people):
    idea = _idea(people.other)

    refused = people.as_staff.post(f"/ideas/{idea.id}/status", json={"status": "declined"})
    declined = people.as_staff.post(
        f"/ideas/{idea.id}/status", json={"status": "declined", "reason": "Our panel vendor cannot."}
    )

    assert refused.status_code == 422
    assert "reason" in error_of(refused)["fields"]
    assert declined.status_code == 200
    shown = people.as_customer.get(f"/ideas/{idea.id}").get_json()
    assert (shown["status"], shown["decline_reason"]) == ("declined", "Our panel vendor cannot.")


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "status"), ({"status": "closed"}, "status"), ({"status": "done", "reason": 5}, "reason")],
)
def test_invalid_status_changes_are_422(people, body, field):
    idea = _idea(people.other)

    response = people.as_staff.post(f"/ideas/{idea.id}/status", json=body)

    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    db.session.expire_all()
    assert idea.status == IdeaStatus.NEW


def test_the_official_answer_shows_to_customers_and_staff_see_who_gave_it(people, clock):
    idea = _idea(people.other)

    response = people.as_staff.post(f"/ideas/{idea.id}/answer", json={"text": "We are looking into it."})

    assert response.status_code == 200
    assert response.get_json()["official_answer"]["answered_by"] == {
        "id": people.staff.id,
        "name": "Sam Staff",
    }
    shown = people.as_customer.get(f"/ideas/{idea.id}").get_json()
    assert shown["official_answer"] == {
        "text": "We are looking into it.",
        "answered_at": "2026-03-02T09:00:00Z",
    }
    cleared = people.as_staff.post(f"/ideas/{idea.id}/answer", json={"text": ""}).get_json()
    assert cleared["official_answer"] is None


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("POST", "status", {"status": "planned"}),
        ("POST", "answer", {"text": "Yes"}),
        ("POST", "merge", {"into": 1}),
        ("POST", "unmerge", None),
    ],
)
def test_customers_cannot_triage(people, method, action, body):
    idea = _idea(people.customer)

    response = people.as_customer.post(f"/ideas/{idea.id}/{action}", json=body)

    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_staff_merge_duplicates_each_customer_counting_once_and_can_undo_it(people):
    keep, duplicate = _idea(people.other, title="Dark mode"), _idea(people.customer, title="Night theme")
    services.vote(keep, people.customer, now=T0)  # the customer voted for both
    db.session.commit()

    merged = people.as_staff.post(f"/ideas/{duplicate.id}/merge", json={"into": keep.id})

    assert merged.status_code == 200
    body = merged.get_json()
    assert (body["idea"]["merged_into"], body["kept"]["id"], body["kept"]["vote_count"]) == (
        keep.id,
        keep.id,
        2,
    )
    again = people.as_staff.post(f"/ideas/{duplicate.id}/merge", json={"into": keep.id})
    assert again.status_code == 409
    status = people.as_staff.post(f"/ideas/{duplicate.id}/status", json={"status": "planned"})
    assert status.status_code == 409

    undone = people.as_staff.post(f"/ideas/{duplicate.id}/unmerge")

    assert undone.status_code == 200
    body = undone.get_json()
    assert (body["idea"]["merged_into"], body["idea"]["vote_count"], body["kept"]["vote_count"]) == (
        None,
        1,
        2,
    )
    assert people.as_staff.post(f"/ideas/{duplicate.id}/unmerge").status_code == 409


@pytest.mark.parametrize(
    ("into", "status", "field"),
    [("self", 409, "keep"), (999_999, 422, "into"), ("1", 422, "into"), (0, 422, "into")],
)
def test_bad_merges_are_refused(people, into, status, field):
    idea = _idea(people.other)
    body = {"into": idea.id if into == "self" else into}

    response = people.as_staff.post(f"/ideas/{idea.id}/merge", json=body)

    assert response.status_code == status
    assert field in error_of(response)["fields"]
    db.session.expire_all()
    assert idea.merged_into_id is None


def test_triage_on_an_unknown_idea_is_404(people):
    assert people.as_staff.post("/ideas/999999/status", json={"status": "planned"}).status_code == 404
    assert people.as_staff.post("/ideas/999999/unmerge").status_code == 404


def _statements(run) -> int:
    """SQL statements ``run`` sends (the test harness's savepoints aside)."""
    count = [0]

    def counted(conn, cursor, statement, *args):
        count[0] += "SAVEPOINT" not in statement

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return count[0]


def test_a_page_of_the_board_costs_the_same_statements_however_many_ideas_it_shows(people):
    _idea(people.other, title="The only idea")
    people.as_customer.get("/ideas")  # the token's first use of the minute is written down
    one = _statements(lambda: people.as_customer.get("/ideas"))
    for n in range(9):
        idea = _idea(people.other, title=f"Idea number {n}")
        services.vote(idea, people.customer, now=T0)
    db.session.commit()

    ten = _statements(lambda: people.as_customer.get("/ideas"))

    assert ten == one <= 9  # votes, follows, authors and categories come in per page, not per idea
