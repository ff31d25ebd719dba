"""The staff's triage: the list and its filters, the bulk status change, each action on an
idea's page and its trail entry, links shown on the case page, and who may open these pages."""

from datetime import timedelta

import pytest

from feedback.auth.models import Plan
from feedback.extensions import db
from feedback.ideas import services
from feedback.ideas.labels import status_labels
from feedback.ideas.models import Idea, IdeaEvent, IdeaEventKind, IdeaLink, IdeaStatus
from feedback.ideas.triage_queries import TriageFilter, triage
from feedback.surveys.services import category_by_slug
from tests.factories import T0, make_notice


def post(author, title, minutes=0, **kwargs) -> Idea:
    idea = services.post_idea(author, title=title, now=T0 + timedelta(minutes=minutes), **kwargs)
    db.session.commit()
    return idea


def listed(**args) -> list[str]:
    return [idea.title for idea in db.session.scalars(triage(TriageFilter.from_args(_Args(args))))]


class _Args(dict):
    """A query string as Flask's request.args reads it."""

    def get(self, key, default=None, type=None):
        value = super().get(key, default)
        if type is not None and value is not None:
            try:
                return type(value)
            except ValueError:
                return default
        return value


def events(idea, kind) -> list[IdeaEvent]:
    return [
        e
        for e in db.session.scalars(db.select(IdeaEvent).where(IdeaEvent.idea_id == idea.id))
        if e.kind == kind
    ]


@pytest.fixture
def staff_client(app, make, auth):
    staff = make.staff("Sam Staff")
    auth.login(staff)
    return staff


# The list


def test_new_ideas_come_first_then_the_newest(app, make):
    ada, staff = make.customer("Ada Lovelace"), make.staff()
    old_new = post(ada, "Old new idea", 0)
    planned = post(ada, "Planned latest idea", 30)
    post(ada, "Recent new idea", 10)
    services.set_status(planned, IdeaStatus.PLANNED, staff, now=T0)
    db.session.commit()

    assert listed() == ["Recent new idea", old_new.title, "Planned latest idea"]


def test_filters_by_status_category_answer_and_search(app, make):
    ada, staff = make.customer(), make.staff()
    billing = post(ada, "Invoices as PDF", category=category_by_slug("billing"))
    backups = post(ada, "Hourly backups for databases")
    services.set_status(backups, IdeaStatus.UNDER_REVIEW, staff)
    services.answer(billing, "We look at it.", staff)
    db.session.commit()

    assert listed(status="under_review") == ["Hourly backups for databases"]
    assert listed(category=str(billing.category_id)) == ["Invoices as PDF"]
    assert listed(answered="yes") == ["Invoices as PDF"]
    assert listed(answered="no") == ["Hourly backups for databases"]
    assert listed(q="BACKUP databa") == ["Hourly backups for databases"]
    assert listed(status="nonsense", answered="maybe") == listed()


def test_voter_plan_filter_counts_votes_on_merged_duplicates(app, make):
    shared, vps = make.customer(plan=Plan.SHARED), make.customer(plan=Plan.VPS)
    staff = make.staff()
    kept = post(shared, "Staging sites")
    duplicate = post(vps, "A staging copy of my site")
    other = post(shared, "Dark mode")

    assert listed(plan="vps") == ["A staging copy of my site"]
    from feedback.ideas.merge import merge

    merge(duplicate, kept, staff)
    db.session.commit()

    assert listed(plan="vps") == ["Staging sites"]  # its group has a VPS voter now
    assert listed(plan="vps", merged="1") == ["A staging copy of my site", "Staging sites"]
    assert other.title not in listed(plan="dedicated") + listed(plan="vps")


def test_hidden_and_merged_ideas_only_when_asked(app, make):
    ada, staff = make.customer(), make.staff()
    spam = post(ada, "Buy cheap watches")
    services.set_hidden(spam, True, staff)
    db.session.commit()

    assert "Buy cheap watches" not in listed()
    assert "Buy cheap watches" in listed(hidden="1")


def test_triage_page_shows_full_author_names_and_pages(app, client, make, staff_client, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    ada = make.customer("Ada Lovelace")
    for n in range(3):
        post(ada, f"Idea number {n}", n, anonymous=True)

    page = client.get("/staff/ideas/").get_data(as_text=True)

    assert "Ada Lovelace" in page
    assert "Idea number 2" in page and "Idea number 0" not in page
    assert 'class="pagination' in page
    assert "Idea number 0" in client.get("/staff/ideas/?page=2").get_data(as_text=True)


def test_triage_page_has_an_empty_state(app, client, staff_client):
    assert "No idea matches these filters." in client.get("/staff/ideas/?q=nothing").get_data(as_text=True)


# Bulk status change


def test_bulk_change_writes_one_status_event_per_idea(app, client, make, staff_client):
    ada = make.customer()
    ideas = [post(ada, f"Bulk idea {n}") for n in range(3)]

    response = client.post(
        "/staff/ideas/bulk",
        data={"ideas": [ideas[0].id, ideas[1].id], "status": "planned", "next": "/staff/ideas/?status=new"},
    )

    assert response.status_code == 302 and response.headers["Location"] == "/staff/ideas/?status=new"
    assert [i.status for i in ideas] == [IdeaStatus.PLANNED, IdeaStatus.PLANNED, IdeaStatus.NEW]
    assert [len(events(i, IdeaEventKind.STATUS)) for i in ideas] == [1, 1, 0]
    assert "2 ideas changed." in client.get("/staff/ideas/").get_data(as_text=True)


def test_bulk_decline_without_reason_changes_nothing(app, client, make, staff_client):
    ada = make.customer()
    ideas = [post(ada, f"Bulk idea {n}") for n in range(2)]

    client.post("/staff/ideas/bulk", data={"ideas": [i.id for i in ideas], "status": "declined"})
    page = client.get("/staff/ideas/").get_data(as_text=True)

    db.session.expire_all()
    assert all(i.status == IdeaStatus.NEW for i in ideas)
    assert "No idea was changed" in page and "Say why the idea is declined" in page

    client.post(
        "/staff/ideas/bulk",
        data={"ideas": [i.id for i in ideas], "status": "declined", "reason": "Out of scope"},
    )
    db.session.expire_all()
    assert [i.decline_reason for i in ideas] == ["Out of scope", "Out of scope"]


def test_bulk_is_all_or_nothing_when_one_idea_is_merged(app, client, make, staff_client):
    ada, staff = make.customer(), make.staff()
    first, kept, merged = post(ada, "First idea"), post(ada, "Kept idea"), post(ada, "Merged idea")
    from feedback.ideas.merge import merge

    merge(merged, kept, staff)
    db.session.commit()

    client.post("/staff/ideas/bulk", data={"ideas": [first.id, merged.id], "status": "planned"})

    db.session.expire_all()
    assert first.status == IdeaStatus.NEW
    assert not events(first, IdeaEventKind.STATUS)


def test_bulk_refuses_an_unsafe_next(app, client, make, staff_client):
    idea = post(make.customer(), "Some idea")
    response = client.post(
        "/staff/ideas/bulk", data={"ideas": [idea.id], "status": "planned", "next": "//evil.test/"}
    )
    assert response.headers["Location"] == "/staff/ideas/"


# One idea: each action leaves its trail entry


def test_staff_page_shows_author_name_email_and_counts(app, client, make, staff_client):
    ada = make.customer("Ada Lovelace", email="ada@example.test")
    idea = post(ada, "Let me pick the PHP version", anonymous=True)
    services.vote(idea, make.customer())
    db.session.commit()

    page = client.get(f"/staff/ideas/{idea.id}").get_data(as_text=True)

    assert "Ada Lovelace" in page and "ada@example.test" in page
    assert "anonymous on the board" in page
    assert "posted the idea" in page


@pytest.mark.parametrize(
    "url, data, kind, flash",
    [
        ("status", {"status": "planned"}, IdeaEventKind.STATUS, "Status changed"),
        (
            "status",
            {"status": "done", "changelog": "PHP 8.4 is here"},
            IdeaEventKind.STATUS,
            "Status changed",
        ),
        ("answer", {"answer": "We are on it."}, IdeaEventKind.ANSWERED, "Official answer saved."),
        ("note", {"note": "Ask the platform team."}, IdeaEventKind.NOTE, "Internal note added."),
        (
            "edit",
            {"title": "Choose the PHP version", "description": "Per site"},
            IdeaEventKind.EDITED,
            "Wording",
        ),
        ("lock", {}, IdeaEventKind.LOCKED, "Idea locked"),
        ("hide", {}, IdeaEventKind.HIDDEN, "Idea hidden"),
    ],
)
def test_each_action_writes_its_trail_event(app, client, make, staff_client, url, data, kind, flash):
    idea = post(make.customer(), "Let me pick the PHP version")

    response = client.post(f"/staff/ideas/{idea.id}/{url}", data=data, follow_redirects=True)

    assert response.status_code == 200
    assert flash in response.get_data(as_text=True)
    (event,) = events(idea, kind)
    assert event.actor_id == staff_client.id


def test_edit_keeps_the_old_text_visible_in_the_trail(app, client, make, staff_client):
    idea = post(make.customer(), "Old wording here", description="The first text")

    client.post(f"/staff/ideas/{idea.id}/edit", data={"title": "New wording", "description": "Better"})
    page = client.get(f"/staff/ideas/{idea.id}").get_data(as_text=True)

    assert "New wording" in page and "Old wording here" in page and "The first text" in page


def test_move_unlock_and_show_write_their_events(app, client, make, staff_client):
    idea = post(make.customer(), "Move me somewhere")
    billing = category_by_slug("billing")

    client.post(f"/staff/ideas/{idea.id}/move", data={"category": str(billing.id)})
    for action in ("lock", "unlock", "hide", "show"):
        client.post(f"/staff/ideas/{idea.id}/{action}")

    kinds = [e.kind for e in idea.events]
    assert IdeaEventKind.MOVED in kinds
    assert kinds[-4:] == [
        IdeaEventKind.LOCKED,
        IdeaEventKind.UNLOCKED,
        IdeaEventKind.HIDDEN,
        IdeaEventKind.SHOWN,
    ]
    assert idea.category_id == billing.id and not idea.locked and not idea.hidden


def test_declining_needs_a_reason_on_the_page_too(app, client, make, staff_client):
    idea = post(make.customer(), "Free domains forever")

    page = client.post(f"/staff/ideas/{idea.id}/status", data={"status": "declined"}, follow_redirects=True)

    assert "Say why the idea is declined" in page.get_data(as_text=True)
    assert idea.status == IdeaStatus.NEW and not events(idea, IdeaEventKind.STATUS)


def test_notes_never_reach_customers(app, client, make, staff_client):
    idea = post(make.customer(), "Faster support answers")
    client.post(f"/staff/ideas/{idea.id}/note", data={"note": "Secret: the boss hates this"})

    page = client.get(f"/staff/ideas/{idea.id}").get_data(as_text=True)
    assert "Secret: the boss hates this" in page  # staff see it, styled as internal
    assert 'class="internal"' in page
    # The customer's idea page is built elsewhere; what it may show of the trail is this:
    (note,) = events(idea, IdeaEventKind.NOTE)
    assert not note.is_public


def test_link_to_a_case_and_a_notice_shows_on_both_sides(app, client, make, staff_client):
    customer = make.customer()
    fb = make.rating(customer, csat=1, now=T0)
    notice = make_notice(make.manager(), title="Kernel upgrade")
    idea = post(customer, "Warn me before maintenance")

    # The case as staff and customers see it named (K-1); the notice by its number.
    client.post(f"/staff/ideas/{idea.id}/link", data={"target": "case", "target_id": fb.followup.reference})
    client.post(f"/staff/ideas/{idea.id}/link", data={"target": "notice", "target_id": notice.id})

    assert len(events(idea, IdeaEventKind.LINKED)) == 2
    case_page = client.get(f"/queue/{fb.followup.id}").get_data(as_text=True)
    assert "Warn me before maintenance" in case_page and f"/staff/ideas/{idea.id}" in case_page
    idea_page = client.get(f"/staff/ideas/{idea.id}").get_data(as_text=True)
    assert f"Case {fb.followup.reference}" in idea_page and f"Notice #{notice.id}" in idea_page


def test_linking_to_nothing_is_refused_and_unlink_is_recorded(app, client, make, staff_client):
    customer = make.customer()
    fb = make.rating(customer, csat=1, now=T0)
    idea = post(customer, "Link me to a case")

    page = client.post(
        f"/staff/ideas/{idea.id}/link", data={"target": "notice", "target_id": 999999}, follow_redirects=True
    )
    assert "There is no notice #999999." in page.get_data(as_text=True)
    link = f"/staff/ideas/{idea.id}/link"
    page = client.post(link, data={"target": "case", "target_id": "K-999999"}, follow_redirects=True)
    assert "There is no case K-999999." in page.get_data(as_text=True)
    page = client.post(link, data={"target": "case", "target_id": "the slow one"}, follow_redirects=True)
    assert "Enter a case reference such as K-220, or a notice&#39;s number." in page.get_data(as_text=True)
    assert events(idea, IdeaEventKind.LINKED) == []
    client.post(f"/staff/ideas/{idea.id}/link", data={"target": "case", "target_id": fb.followup.id})
    row = db.session.scalar(db.select(IdeaLink))

    client.post(f"/staff/ideas/{idea.id}/unlink", data={"link_id": row.id})

    assert db.session.scalar(db.select(IdeaLink)) is None
    assert len(events(idea, IdeaEventKind.UNLINKED)) == 1
    assert "Warn me" not in client.get(f"/queue/{fb.followup.id}").get_data(as_text=True)


def test_notice_page_shows_linked_ideas(app, client, make, auth):
    manager = make.manager()
    notice = make_notice(manager, title="Kernel upgrade")
    idea = post(make.customer(), "Tell me about reboots")
    services.link(idea, manager, notice=notice)
    db.session.commit()
    auth.login(manager)

    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)

    assert "Tell me about reboots" in page and f"/staff/ideas/{idea.id}" in page


# Who may open these pages


def test_customers_are_kept_out_of_every_staff_idea_page(app, client, make, auth):
    customer = make.customer()
    idea = post(customer, "My own idea")
    auth.login(customer)

    assert client.get("/staff/ideas/").status_code == 403
    assert client.get(f"/staff/ideas/{idea.id}").status_code == 403
    for action in ("status", "answer", "note", "edit", "move", "lock", "hide", "merge", "link", "unlink"):
        assert client.post(f"/staff/ideas/{idea.id}/{action}").status_code == 403, action
    assert client.post("/staff/ideas/bulk", data={"ideas": [idea.id], "status": "done"}).status_code == 403
    assert client.get("/settings/ideas/").status_code == 403
    assert idea.status == IdeaStatus.NEW


# Status labels (managers)


def test_only_managers_relabel_statuses_and_the_board_uses_the_labels(app, client, make, auth):
    auth.login(make.staff())
    assert client.get("/settings/ideas/").status_code == 403
    auth.logout()
    auth.login(make.manager())

    response = client.post("/settings/ideas/", data={"planned": "On the roadmap", "done": ""})

    assert response.status_code == 302
    assert status_labels()["planned"] == "On the roadmap"
    assert status_labels()["done"] == "Done"
    page = client.get("/settings/ideas/").get_data(as_text=True)
    assert 'value="On the roadmap"' in page

    too_long = client.post("/settings/ideas/", data={"planned": "x" * 41})
    assert too_long.status_code == 400
    assert status_labels()["planned"] == "On the roadmap"
