"""The staff queue and case page, driven through HTTP as staff use them."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups.models import EventKind, Followup, FollowupStatus, Priority
from feedback.followups.queries import QueueFilter, queue
from tests.conftest import T0
from tests.factories import query_plan


@pytest.fixture
def agent(make, auth):
    user = make.staff(name="Ana Agent")
    auth.login(user)
    return user


def _ids_in_order(page: str, followups) -> list[int]:
    found = sorted((page.index(f'href="/queue/{fu.reference}"'), fu.id) for fu in followups)
    return [fid for _, fid in found]


def test_queue_is_ordered_by_nearest_deadline(client, make, agent):
    customer = make.customer()
    now = utcnow()
    normal = make.rating(customer, csat=3, nps=3, comment="meh", now=now - timedelta(hours=1)).followup
    critical = make.rating(customer, csat=1, category="uptime", comment="down", now=now).followup
    high = make.rating(customer, csat=2, comment="slow", now=now - timedelta(hours=2)).followup
    page = client.get("/queue/").get_data(as_text=True)
    # Critical is due in 1 h, high in 2 h (4 h from 2 h ago), normal in 23 h.
    assert _ids_in_order(page, [normal, critical, high]) == [critical.id, high.id, normal.id]


def test_overdue_and_at_risk_are_highlighted(client, make, agent):
    customer = make.customer()
    now = utcnow()
    make.rating(customer, csat=2, comment="overdue one", now=now - timedelta(hours=5))
    make.rating(customer, csat=1, category="uptime", comment="at risk one", now=now - timedelta(minutes=50))
    make.rating(customer, csat=2, comment="fine one", now=now)
    page = client.get("/queue/").get_data(as_text=True)
    for risk in ("overdue", "at_risk", "ok"):  # each row also opens its case (row-link)
        assert page.count(f'class="row-{risk} row-link"') == 1, risk
    assert ">Overdue<" in page and ">At risk<" in page


def test_filters(client, make, agent):
    customer, other_agent = make.customer(), make.staff()
    mine = make.rating(customer, csat=2, comment="mine", now=T0).followup
    theirs = make.rating(customer, csat=2, comment="theirs", now=T0).followup
    free = make.rating(customer, csat=1, category="uptime", comment="free", now=T0).followup
    done = make.rating(customer, csat=2, comment="done", now=T0).followup
    from feedback.followups import services

    services.assign(mine, agent, agent, now=T0)
    services.assign(theirs, agent, other_agent, now=T0)
    services.resolve(done, agent, now=T0 + timedelta(minutes=1))
    db.session.commit()

    def shown(query):
        page = client.get("/queue/" + query).get_data(as_text=True)
        return {fu.id for fu in (mine, theirs, free, done) if f'href="/queue/{fu.reference}"' in page}

    assert shown("") == {mine.id, theirs.id, free.id}
    assert shown("?mine=1") == {mine.id}
    assert shown("?unassigned=1") == {free.id}
    assert shown("?priority=critical") == {free.id}
    assert shown("?status=resolved") == {done.id}
    assert shown("?status=all") == {mine.id, theirs.id, free.id, done.id}
    assert shown("?status=nonsense&priority=bogus") == {mine.id, theirs.id, free.id}


def test_breached_filter_after_a_sweep(client, make, agent):
    from feedback.followups.jobs import sweep

    customer = make.customer()
    late = make.rating(customer, csat=2, comment="late", now=T0).followup
    fresh = make.rating(customer, csat=2, comment="fresh", now=T0 + timedelta(hours=3)).followup
    sweep(now=T0 + timedelta(hours=5))
    db.session.commit()
    page = client.get("/queue/?breached=1").get_data(as_text=True)
    assert f'href="/queue/{late.reference}"' in page
    assert f'href="/queue/{fresh.reference}"' not in page


def test_empty_queue_says_so(client, agent):
    assert "No follow-ups match" in client.get("/queue/").get_data(as_text=True)


def test_every_action_is_an_event_with_who(client, make, agent):
    customer = make.customer()
    fu = make.rating(customer, csat=1, now=utcnow()).followup
    url = f"/queue/{fu.id}"
    assert client.post(f"{url}/claim").status_code == 302
    assert client.post(f"{url}/note", data={"note-body": "Checked logs"}).status_code == 302
    assert client.post(f"{url}/reply", data={"reply-body": "We are on it."}).status_code == 302
    assert client.post(f"{url}/waiting").status_code == 302
    assert client.post(f"{url}/resume").status_code == 302
    assert client.post(f"{url}/resolve").status_code == 302
    assert client.post(f"{url}/reopen").status_code == 302
    db.session.expire_all()
    fu = db.session.get(Followup, fu.id)
    kinds = [e.kind for e in fu.events]
    assert kinds == [
        EventKind.CREATED,
        EventKind.CLAIMED,
        EventKind.INTERNAL_NOTE,
        EventKind.PUBLIC_REPLY,
        EventKind.WAITING,
        EventKind.RESUMED,
        EventKind.RESOLVED,
        EventKind.REOPENED,
    ]
    assert all(e.actor_id == agent.id for e in fu.events[1:])
    assert fu.status == FollowupStatus.OPEN and fu.assignee_id == agent.id
    assert fu.first_response_at is not None
    page = client.get(url).get_data(as_text=True)
    assert "Checked logs" in page and "We are on it." in page and "Ana Agent" in page


def test_assign_to_a_colleague_and_back_to_nobody(client, make, agent):
    colleague = make.staff(name="Bo Colleague")
    fu = make.rating(make.customer(), csat=2, now=utcnow()).followup
    assert client.post(f"/queue/{fu.id}/assign", data={"assignee": str(colleague.id)}).status_code == 302
    db.session.refresh(fu)
    assert fu.assignee_id == colleague.id
    assert client.post(f"/queue/{fu.id}/assign", data={"assignee": ""}).status_code == 302
    db.session.refresh(fu)
    assert fu.assignee_id is None


def test_cannot_assign_to_a_customer(client, make, agent):
    customer = make.customer()
    fu = make.rating(customer, csat=2, now=utcnow()).followup
    assert client.post(f"/queue/{fu.id}/assign", data={"assignee": str(customer.id)}).status_code == 400
    db.session.refresh(fu)
    assert fu.assignee_id is None


@pytest.mark.parametrize("endpoint, field", [("reply", "reply-body"), ("note", "note-body")])
def test_empty_or_oversized_messages_are_refused(client, make, agent, endpoint, field):
    fu = make.rating(make.customer(), csat=2, now=utcnow()).followup
    for body in ("", "x" * 10_001):
        response = client.post(f"/queue/{fu.id}/{endpoint}", data={field: body})
        assert response.status_code == 400
    assert len(fu.events) == 1
    page = client.post(f"/queue/{fu.id}/{endpoint}", data={field: "y" * 10_001}).get_data(as_text=True)
    assert "y" * 10_001 in page  # what was typed comes back


def test_resolving_twice_explains_why(client, make, agent):
    fu = make.rating(make.customer(), csat=2, now=utcnow()).followup
    client.post(f"/queue/{fu.id}/resolve")
    response = client.post(f"/queue/{fu.id}/resolve", follow_redirects=True)
    assert "This follow-up is resolved; reopen it first." in response.get_data(as_text=True)
    assert [e.kind for e in db.session.get(Followup, fu.id).events].count(EventKind.RESOLVED) == 1


def test_unknown_followup_and_action_are_404(client, agent):
    assert client.get("/queue/424242").status_code == 404
    assert client.post("/queue/424242/claim").status_code == 404


def test_priority_shown_on_case_page(client, make, agent):
    fu = make.rating(make.customer(), csat=1, category="uptime", now=utcnow()).followup
    assert fu.priority == Priority.CRITICAL
    assert "Critical" in client.get(f"/queue/{fu.id}").get_data(as_text=True)


def _a_hosts_cases(make) -> bool:
    """Cases as a host's table holds them, almost all resolved, with the planner's statistics of
    them (an empty table's, as an earlier test can leave them, let PostgreSQL pick any index for a
    full scan). True on PostgreSQL."""
    customer = make.customer()
    for _ in range(150):
        make.rating(customer, csat=2, now=T0)
    cases = select(Followup.id).order_by(Followup.id).offset(3).limit(1).scalar_subquery()
    db.session.execute(update(Followup).where(Followup.id >= cases).values(status=FollowupStatus.RESOLVED))
    if db.session.get_bind().dialect.name != "postgresql":
        return False
    db.session.execute(text("ANALYZE followups"))
    return True


def test_the_active_queue_reads_the_status_and_deadline_index(app, make):
    # "status != resolved" cannot use an index; "status IN (open, waiting)" reads only the
    # unresolved entries however many resolved cases pile up: those of the partial index on the
    # queue's order (ix_followups_active_due), so a page is its first entries, not a sort.
    postgresql = _a_hosts_cases(make)
    if postgresql:
        db.session.execute(
            text("SET LOCAL enable_sort = off")
        )  # a sort of a few rows is cheaper than anything
    plan = query_plan(queue(QueueFilter(), user_id=1).limit(25))

    assert "Seq Scan on followups" not in plan and "SCAN followups" not in plan, plan
    if postgresql:  # SQLite puts NULLs first in an index, so it cannot read "due_at NULLS LAST" in order
        assert "ix_followups_active_due" in plan and "Sort" not in plan, plan
    else:
        assert "ix_followups_active_due" in plan or "ix_followups_status_due" in plan, plan


def test_the_active_queue_count_reads_only_the_open_entries(app, make):
    _a_hosts_cases(make)
    stmt = queue(QueueFilter(), user_id=1)
    plan = query_plan(select(func.count()).select_from(stmt.order_by(None).subquery()))

    assert "ix_followups_active_due" in plan or "ix_followups_status_due" in plan, plan
    assert "Seq Scan on followups" not in plan and "SCAN followups" not in plan, plan


@pytest.mark.parametrize(
    "then, status, kinds",
    [
        ("waiting", FollowupStatus.WAITING, [EventKind.PUBLIC_REPLY, EventKind.WAITING]),
        ("resolve", FollowupStatus.RESOLVED, [EventKind.PUBLIC_REPLY, EventKind.RESOLVED]),
    ],
)
def test_reply_and_set_the_status_in_one_action(client, make, agent, then, status, kinds):
    fu = make.rating(make.customer(), csat=2, now=utcnow()).followup
    response = client.post(
        f"/queue/{fu.reference}/reply", data={"reply-body": "Fixed, please check.", "then": then}
    )
    assert response.status_code == 302
    fu = db.session.get(Followup, fu.id)
    assert fu.status == status and fu.first_response_at is not None
    assert [e.kind for e in fu.events][1:] == [EventKind.CLAIMED, *kinds]
    assert fu.events[2].body == "Fixed, please check."


def test_reply_and_wait_on_a_case_already_waiting_writes_nothing(client, make, agent):
    fu = make.rating(make.customer(), csat=2, now=utcnow()).followup
    client.post(f"/queue/{fu.reference}/waiting")
    before = len(db.session.get(Followup, fu.id).events)
    response = client.post(
        f"/queue/{fu.reference}/reply", data={"reply-body": "Any news?", "then": "waiting"}
    )
    assert response.status_code == 400
    assert "Only an open follow-up can wait on the customer." in response.get_data(as_text=True)
    assert "Any news?" in response.get_data(as_text=True)  # what was typed comes back
    db.session.expire_all()
    assert len(db.session.get(Followup, fu.id).events) == before


def test_an_unknown_action_after_a_reply_is_refused(client, make, agent):
    fu = make.rating(make.customer(), csat=2, now=utcnow()).followup
    response = client.post(f"/queue/{fu.reference}/reply", data={"reply-body": "Hello", "then": "delete"})
    assert response.status_code == 400
    assert len(db.session.get(Followup, fu.id).events) == 1
