"""/api/v1/followups: the queue by due time, one case, reply/note, status changes and resolving."""

from datetime import UTC, datetime, timedelta

import pytest

from feedback.extensions import db
from feedback.followups import services
from feedback.followups.models import EventKind, FollowupStatus

from ..conftest import T0
from ..factories import error_of

H = timedelta(hours=1)


@pytest.fixture
def cases(people, make):
    """Three open cases created at T0 (critical due 10:00, high 13:00, normal next day) and a resolved one."""
    normal = make.rating(people.other, csat=4, nps=5, category="billing", now=T0).followup
    high = make.rating(people.customer, csat=2, now=T0).followup
    critical = make.rating(people.customer, csat=1, category="uptime", now=T0).followup
    done = make.rating(people.other, csat=1, now=T0 - 48 * H).followup
    services.resolve(done, people.staff, now=T0 - 40 * H)
    db.session.commit()
    return {"normal": normal, "high": high, "critical": critical, "done": done}


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_queue_lists_active_cases_nearest_deadline_first(people, cases, clock):
    body = people.as_staff.get("/followups").get_json()

    assert [i["id"] for i in body["items"]] == [cases["critical"].id, cases["high"].id, cases["normal"].id]
    order = ("critical", "high", "normal")
    assert [i["reference"] for i in body["items"]] == [cases[p].reference for p in order]
    assert [i["due_at"] for i in body["items"]] == [
        "2026-03-02T10:00:00Z",
        "2026-03-02T13:00:00Z",
        "2026-03-03T09:00:00Z",
    ]
    assert body["total"] == 3 and body["next"] is None
    first = body["items"][0]
    assert first["deadlines"] == {
        "first_response": "2026-03-02T10:00:00Z",
        "next_reply": None,
        "resolution": "2026-03-02T13:00:00Z",
        "attention": "2026-03-03T09:00:00Z",
    }
    assert first["customer"]["email"] == people.customer.email
    assert first["feedback"]["category"] == "uptime"
    assert first["risk"] == "ok"
    assert "timeline" not in first


def test_risk_follows_the_request_time(people, cases, clock):
    clock.now = T0 + 50 * timedelta(minutes=1)  # past 80 % of the critical case's 1 h first response

    items = people.as_staff.get("/followups").get_json()["items"]

    assert [i["risk"] for i in items] == ["at_risk", "ok", "ok"]


def test_queue_filters(people, cases, clock):
    services.claim(cases["high"], people.staff, now=T0)
    db.session.commit()
    as_staff = people.as_staff

    assert _ids(as_staff.get("/followups?status=resolved")) == [cases["done"].id]
    assert _ids(as_staff.get("/followups?priority=critical")) == [cases["critical"].id]
    assert _ids(as_staff.get("/followups?assignee=me")) == [cases["high"].id]
    assert _ids(as_staff.get("/followups?assignee=unassigned")) == [cases["critical"].id, cases["normal"].id]
    assert _ids(people.as_manager.get("/followups?assignee=me")) == []
    assert len(_ids(as_staff.get("/followups?status=all"))) == 4


def test_queue_pagination(people, cases):
    first = people.as_staff.get("/followups?per_page=2").get_json()
    second = people.as_staff.get("/followups?per_page=2&page=2").get_json()

    assert [i["id"] for i in first["items"]] == [cases["critical"].id, cases["high"].id]
    assert first["next"] == "/api/v1/followups?per_page=2&page=2"
    assert [i["id"] for i in second["items"]] == [cases["normal"].id]
    assert second["next"] is None and second["total"] == 3


def test_waiting_filter_and_query_args_survive_into_next(people, cases):
    for fu in cases["high"], cases["normal"]:
        services.set_waiting(fu, people.staff, now=T0)
    db.session.commit()

    body = people.as_staff.get("/followups?status=waiting&per_page=1").get_json()

    assert [i["id"] for i in body["items"]] == [cases["high"].id]
    assert body["next"] == "/api/v1/followups?status=waiting&per_page=1&page=2"


def test_show_has_the_full_timeline(people, cases, clock):
    fu = cases["high"]
    services.internal_note(fu, people.staff, "VIP customer", now=T0 + H)
    db.session.commit()

    body = people.as_manager.get(f"/followups/{fu.id}").get_json()

    assert [(e["kind"], e["author"], e["public"]) for e in body["timeline"]] == [
        ("created", "system", True),
        ("internal_note", "staff", False),
    ]
    assert body["timeline"][0]["detail"] == "high"
    assert body["feedback"]["url"] == f"/api/v1/feedback/{fu.feedback_id}"


def test_show_unknown_is_404(people):
    assert error_of(people.as_staff.get("/followups/424242"))["code"] == "not_found"
    for action in ("reply", "status", "resolve"):
        response = people.as_staff.post(f"/followups/424242/{action}", json={"body": "x", "status": "open"})
        assert response.status_code == 404


def test_public_reply_is_the_first_response_and_claims_the_case(people, cases, clock):
    fu = cases["high"]
    clock.now = T0 + 30 * timedelta(minutes=1)

    response = people.as_staff.post(f"/followups/{fu.id}/reply", json={"body": "  We are on it.  "})

    assert response.status_code == 201
    body = response.get_json()
    assert body["event"]["kind"] == "public_reply"
    assert body["event"]["body"] == "We are on it."
    assert body["event"]["created_at"] == "2026-03-02T09:30:00Z"
    assert body["followup"]["first_response_at"] == "2026-03-02T09:30:00Z"
    assert body["followup"]["assignee"] == {"id": people.staff.id, "name": "Sam Staff"}
    db.session.expire_all()
    assert fu.first_response_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert fu.attention_due == datetime(2026, 3, 3, 9, 30, tzinfo=UTC)  # 24 h after the update
    assert fu.first_response_breached is False
    # The customer reads it on their item.
    timeline = people.as_customer.get(f"/feedback/{fu.feedback_id}").get_json()["timeline"]
    assert [e["body"] for e in timeline] == ["", "We are on it."]


def test_internal_note_does_not_count_as_a_response(people, cases, clock):
    fu = cases["high"]

    response = people.as_staff.post(
        f"/followups/{fu.id}/reply", json={"body": "Check logs", "internal": True}
    )

    assert response.status_code == 201
    assert response.get_json()["event"]["public"] is False
    db.session.expire_all()
    assert fu.first_response_at is None
    assert fu.assignee_id is None
    assert [e.kind for e in fu.events] == [EventKind.CREATED, EventKind.INTERNAL_NOTE]
    timeline = people.as_customer.get(f"/feedback/{fu.feedback_id}").get_json()["timeline"]
    assert [e["kind"] for e in timeline] == ["created"]


def test_late_first_reply_is_recorded_as_breached(people, cases, clock):
    clock.now = T0 + 2 * H  # critical first response was due at 10:00

    people.as_staff.post(f"/followups/{cases['critical'].id}/reply", json={"body": "Sorry for the wait"})

    db.session.expire_all()
    assert cases["critical"].first_response_breached is True
    assert cases["critical"].breached is True


def test_reply_to_a_resolved_case_is_409(people, cases):
    response = people.as_staff.post(f"/followups/{cases['done'].id}/reply", json={"body": "Hello?"})

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict"
    assert "resolved" in error["message"]


def test_waiting_pauses_and_open_resumes_the_resolution_clock(people, cases, clock):
    fu = cases["high"]  # resolution due T0 + 24 h
    clock.now = T0 + H

    waiting = people.as_staff.post(f"/followups/{fu.id}/status", json={"status": "waiting"})
    assert waiting.status_code == 200
    assert waiting.get_json()["status"] == "waiting"
    assert waiting.get_json()["deadlines"]["resolution"] == "2026-03-03T09:00:00Z"

    clock.now = T0 + 3 * H
    resumed = people.as_staff.post(f"/followups/{fu.id}/status", json={"status": "open"})

    assert resumed.status_code == 200
    body = resumed.get_json()
    assert (body["status"], body["paused_seconds"]) == ("open", 2 * 3600)
    assert body["deadlines"]["resolution"] == "2026-03-03T11:00:00Z"  # pushed back by the 2 h wait
    assert [e["kind"] for e in body["timeline"]] == ["created", "waiting", "resumed"]


def test_status_changes_the_state_does_not_allow_are_409(people, cases):
    fu = cases["high"]
    already_open = people.as_staff.post(f"/followups/{fu.id}/status", json={"status": "open"})
    services.set_waiting(fu, people.staff, now=T0)
    db.session.commit()
    already_waiting = people.as_staff.post(f"/followups/{fu.id}/status", json={"status": "waiting"})
    resolved_to_waiting = people.as_staff.post(
        f"/followups/{cases['done'].id}/status", json={"status": "waiting"}
    )

    assert already_open.status_code == already_waiting.status_code == resolved_to_waiting.status_code == 409
    assert "already open" in error_of(already_open)["message"]
    db.session.expire_all()
    assert fu.status == FollowupStatus.WAITING


def test_open_on_a_resolved_case_reopens_it(people, cases, clock):
    response = people.as_staff.post(f"/followups/{cases['done'].id}/status", json={"status": "open"})

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "open" and body["resolved_at"] is None
    assert body["timeline"][-1]["kind"] == "reopened"


def test_resolve_with_a_note(people, cases, clock):
    fu = cases["critical"]
    clock.now = T0 + 2 * H

    response = people.as_staff.post(f"/followups/{fu.id}/resolve", json={"note": "Disk replaced"})

    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["resolved_at"], body["answer_by"]) == (
        "resolved",
        "2026-03-02T11:00:00Z",
        None,
    )
    assert body["resolution_breached"] is False  # within 4 h
    db.session.expire_all()
    assert fu.status == FollowupStatus.RESOLVED
    assert fu.events[-1].kind == EventKind.RESOLVED and fu.events[-1].body == "Disk replaced"


def test_resolve_needs_no_body_and_late_resolution_is_breached(people, cases, clock):
    fu = cases["critical"]
    clock.now = T0 + 5 * H  # resolution was due at 13:00

    response = people.as_staff.client.post(
        f"/api/v1/followups/{fu.id}/resolve", headers=people.as_staff.headers()
    )

    assert response.status_code == 200
    assert response.get_json()["resolution_breached"] is True


def test_resolving_a_resolved_case_is_409(people, cases):
    response = people.as_staff.post(f"/followups/{cases['done'].id}/resolve", json={})

    assert response.status_code == 409
    assert "resolved" in error_of(response)["message"]


def test_customer_cannot_touch_their_own_case_through_staff_endpoints(people, cases):
    fu = cases["high"]  # belongs to people.customer

    responses = [
        people.as_customer.get(f"/followups/{fu.id}"),
        people.as_customer.post(f"/followups/{fu.id}/reply", json={"body": "hi"}),
        people.as_customer.post(f"/followups/{fu.id}/resolve", json={}),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    db.session.expire_all()
    assert fu.status == FollowupStatus.OPEN and len(fu.events) == 1
