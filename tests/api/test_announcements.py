"""``GET /api/v1/announcements``: customers get the notices that affect them; staff get all."""

from datetime import timedelta

from feedback.auth.models import Plan
from feedback.extensions import db
from tests.conftest import T0
from tests.factories import make_notice

from ..factories import ApiClient, token_for


def test_customers_get_only_notices_affecting_them_and_staff_get_all(client, people, make, clock):
    vps = make.customer(plan=Plan.VPS, server="vps-host-1.fra")
    as_vps = ApiClient(client, token_for(vps))
    for_everyone = make_notice(people.manager, kind="announcement", title="New control panel", publish=True)
    for_vps = make_notice(people.manager, title="VPS host reboot", plans=["vps"], publish=True)
    make_notice(people.manager, title="Draft, not public")
    make_notice(people.manager, title="Other server", servers="web-09.sgp", publish=True)

    mine = as_vps.get("/announcements").get_json()["items"]
    assert [n["title"] for n in mine] == [for_everyone.title, for_vps.title]
    assert all(n["affects_you"] for n in mine)
    shared = people.as_customer.get("/announcements").get_json()["items"]
    assert [n["title"] for n in shared] == [for_everyone.title]
    staff = people.as_staff.get("/announcements").get_json()["items"]
    assert {n["title"] for n in staff} == {"New control panel", "VPS host reboot", "Other server"}
    assert staff[0]["affects_you"] is None


def test_an_incident_carries_its_updates_and_state(people, clock):
    from feedback.notices import services

    incident = make_notice(
        people.manager,
        kind="incident",
        title="Mail delays",
        starts=T0,
        ends=None,
        downtime=None,
        publish=True,
    )
    services.add_update(
        incident, people.manager, "A queue is stuck; we are draining it.", T0 + timedelta(minutes=20)
    )
    db.session.commit()
    clock.now = T0 + timedelta(minutes=30)
    [item] = people.as_customer.get("/announcements").get_json()["items"]
    assert item["state"] == "current" and item["kind"] == "incident"
    assert item["updates"] == [
        {"body": "A queue is stuck; we are draining it.", "created_at": "2026-03-02T09:20:00Z"}
    ]
