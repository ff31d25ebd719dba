"""Bulk actions from the staff queue: each selected case through its service, one timeline event
per case by the person acting, one commit; cases the action does not fit skipped and counted."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups import bulk, services
from feedback.followups.models import EventKind, Followup, FollowupEvent, FollowupStatus


@pytest.fixture
def agent(make, auth):
    user = make.staff(name="Ana Agent")
    auth.login(user)
    return user


@pytest.fixture
def cases(make):
    customer = make.customer()
    now = utcnow() - timedelta(minutes=5)
    return [make.rating(customer, csat=2, comment=f"case {n}", now=now).followup for n in range(3)]


def _events(fu, kind) -> list[FollowupEvent]:
    return list(
        db.session.scalars(
            select(FollowupEvent).where(FollowupEvent.followup_id == fu.id, FollowupEvent.kind == kind)
        )
    )


def _flash(response) -> str:
    return response.get_data(as_text=True)


def test_bulk_resolve_gives_each_case_its_own_event(client, agent, cases):
    one, two, three = cases
    response = client.post(
        "/queue/bulk",
        data={"action": "resolve", "case": [one.id, two.id], "back": "priority=high"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/queue/?priority=high"
    db.session.expire_all()
    for fu in (one, two):
        assert fu.status == FollowupStatus.RESOLVED
        assert [e.actor_id for e in _events(fu, EventKind.RESOLVED)] == [agent.id]
    assert three.status == FollowupStatus.OPEN and not _events(three, EventKind.RESOLVED)
    assert "2 cases updated." in _flash(client.get("/queue/"))


def test_resolved_ones_are_skipped_and_counted(client, agent, cases):
    one, two, three = cases
    services.resolve(one, agent)
    db.session.commit()
    response = client.post(
        "/queue/bulk", data={"action": "resolve", "case": [one.id, two.id, three.id]}, follow_redirects=True
    )
    assert "2 cases updated, 1 skipped (already resolved)." in _flash(response)
    assert len(_events(one, EventKind.RESOLVED)) == 1  # not a second time


def test_bulk_assign_to_a_colleague_me_and_nobody(client, make, agent, cases):
    colleague = make.staff(name="Bo Colleague")
    one, two, three = cases
    client.post(
        "/queue/bulk", data={"action": "assign", "assignee": str(colleague.id), "case": [one.id, two.id]}
    )
    db.session.expire_all()
    assert one.assignee_id == two.assignee_id == colleague.id
    assert [(e.actor_id, e.detail) for e in _events(one, EventKind.ASSIGNED)] == [(agent.id, "Bo Colleague")]

    response = client.post(
        "/queue/bulk",
        data={"action": "assign", "assignee": "me", "case": [one.id, three.id]},
        follow_redirects=True,
    )
    db.session.expire_all()
    assert one.assignee_id == three.assignee_id == agent.id
    assert [e.actor_id for e in _events(three, EventKind.CLAIMED)] == [agent.id]
    assert "2 cases updated." in _flash(response)

    response = client.post(
        "/queue/bulk",
        data={"action": "assign", "assignee": "", "case": [one.id, two.id, three.id]},
        follow_redirects=True,
    )
    db.session.expire_all()
    assert {one.assignee_id, two.assignee_id, three.assignee_id} == {None}
    assert "3 cases updated." in _flash(response)
    response = client.post(
        "/queue/bulk", data={"action": "assign", "assignee": "", "case": [one.id]}, follow_redirects=True
    )
    assert "0 cases updated, 1 skipped (already assigned so)." in _flash(response)


def test_only_staff_can_be_assigned(client, make, agent, cases):
    customer = make.customer()
    for assignee in (str(customer.id), "nobody", "999999"):
        response = client.post(
            "/queue/bulk", data={"action": "assign", "assignee": assignee, "case": [cases[0].id]}
        )
        assert response.status_code == 400, assignee
    db.session.expire_all()
    assert cases[0].assignee_id is None


def test_set_status_waiting_and_back_to_open(client, agent, cases):
    one, two, three = cases
    services.resolve(three, agent)
    db.session.commit()
    ids = [one.id, two.id, three.id]
    response = client.post("/queue/bulk", data={"action": "waiting", "case": ids}, follow_redirects=True)
    assert "2 cases updated, 1 skipped (not open)." in _flash(response)
    db.session.expire_all()
    assert one.status == two.status == FollowupStatus.WAITING and one.paused_at is not None
    response = client.post(
        "/queue/bulk", data={"action": "resume", "case": [one.id, three.id]}, follow_redirects=True
    )
    assert "1 case updated, 1 skipped (not waiting on the customer)." in _flash(response)
    db.session.expire_all()
    assert one.status == FollowupStatus.OPEN and two.status == FollowupStatus.WAITING
    assert [e.actor_id for e in _events(one, EventKind.RESUMED)] == [agent.id]


def test_unknown_ids_are_skipped_not_an_error(client, agent, cases):
    response = client.post(
        "/queue/bulk",
        data={"action": "resolve", "case": [cases[0].id, 999999, "K-3", "abc", cases[0].id]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    # The id given twice counts once; "K-3" and "abc" are no ids at all and are dropped.
    assert "1 case updated, 1 skipped (not found)." in _flash(response)


def test_several_reasons_are_each_counted(client, agent, cases):
    services.resolve(cases[0], agent)
    db.session.commit()
    response = client.post(
        "/queue/bulk",
        data={"action": "resolve", "case": [cases[0].id, 999998, 999999]},
        follow_redirects=True,
    )
    assert "0 cases updated, 3 skipped (already resolved: 1, not found: 2)." in _flash(response)


def test_nothing_selected_and_more_than_a_hundred_are_refused(client, agent, cases):
    response = client.post("/queue/bulk", data={"action": "resolve"}, follow_redirects=True)
    assert "Select at least one case." in _flash(response)
    ids = [cases[0].id] + list(range(10_000, 10_000 + bulk.MAX_CASES))
    response = client.post("/queue/bulk", data={"action": "resolve", "case": ids}, follow_redirects=True)
    assert "At most 100 cases at a time." in _flash(response)
    db.session.expire_all()
    assert cases[0].status == FollowupStatus.OPEN  # refused as a whole: not even the real one


@pytest.mark.parametrize("action", ["", "reopen", "delete"])
def test_unknown_actions_are_refused(client, agent, cases, action):
    assert client.post("/queue/bulk", data={"action": action, "case": [cases[0].id]}).status_code == 400


def test_one_commit_for_the_whole_request(client, agent, cases):
    commits = []
    listener = lambda session: commits.append(session)  # noqa: E731
    event.listen(db.session, "after_commit", listener)
    try:
        client.post("/queue/bulk", data={"action": "resolve", "case": [fu.id for fu in cases]})
    finally:
        event.remove(db.session, "after_commit", listener)
    assert len(commits) == 1
    count = select(func.count()).select_from(Followup).where(Followup.status == FollowupStatus.RESOLVED)
    assert db.session.scalar(count) == 3


def test_the_queue_has_a_box_per_row_and_the_bar(client, agent, cases):
    page = client.get("/queue/").get_data(as_text=True)
    for fu in cases:
        assert f'type="checkbox" form="bulk-form" name="case" value="{fu.id}"' in page
    assert 'id="bulk-form"' in page and 'action="/queue/bulk"' in page
    for action in bulk.ACTIONS:
        assert f'name="action" value="{action}"' in page
    assert "Select all on this page" in page


def test_the_bar_needs_the_csrf_token_of_the_page(csrf_app, make, cases):
    client = csrf_app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    staff = make.staff()
    client.post("/login", data={"email": staff.email, "password": "password123", "csrf_token": token})
    post = {"action": "resolve", "case": [cases[0].id]}
    assert client.post("/queue/bulk", data=post).status_code == 400
    db.session.expire_all()
    assert cases[0].status == FollowupStatus.OPEN

    bar = client.get("/queue/").get_data(as_text=True)
    bar = bar[bar.index('id="bulk-form"') :]
    token = re.search(r'name="csrf_token" value="([^"]+)"', bar).group(1)
    assert client.post("/queue/bulk", data={**post, "csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert cases[0].status == FollowupStatus.RESOLVED
