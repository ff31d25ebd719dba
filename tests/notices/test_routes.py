"""Notice pages as managers and customers use them, the public status page and the banner."""

from datetime import UTC, datetime, timedelta

import pytest

from feedback.auth.models import Plan
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups.models import EventKind, FollowupEvent
from feedback.notices import services
from feedback.notices.models import Notice
from tests.conftest import T0
from tests.factories import make_notice


@pytest.fixture
def manager(make):
    return make.manager(name="Mia Manager", timezone="Europe/Berlin")


def _form(**changes):
    data = {
        "kind": "maintenance",
        "title": "Database upgrade",
        "body": "PostgreSQL 17.",
        "starts_at": "2030-06-01T22:00",
        "ends_at": "2030-06-01T23:30",
        "expected_downtime_minutes": "15",
        "plans": ["vps", "dedicated"],
        "servers": "db-1.fra\ndb-2.fra",
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


def test_manager_creates_edits_publishes_updates_and_closes_a_notice(client, auth, manager, make):
    make.customer(plan=Plan.VPS, server="db-1.fra")  # the one customer it reaches
    make.customer(plan=Plan.VPS, server="web-1.fra")
    auth.login(manager)
    assert "New notice" in client.get("/notices/").get_data(as_text=True)

    response = client.post("/notices/new", data=_form())
    notice = db.session.scalar(db.select(Notice))
    assert response.status_code == 302 and response.headers["Location"] == f"/notices/{notice.id}"
    # Typed in Berlin summer time (UTC+2): stored in UTC.
    assert notice.starts_at == datetime(2030, 6, 1, 20, 0, tzinfo=UTC)
    assert (notice.plans, notice.servers, notice.published_at) == ("vps,dedicated", "db-1.fra,db-2.fra", None)

    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "Draft saved." in page and "1 active customer right now" in page
    assert 'value="2030-06-01T22:00"' in page  # shown back in the manager's zone
    listing = client.get("/notices/").get_data(as_text=True)
    assert "Database upgrade" in listing and ">Draft<" in listing

    response = client.post(f"/notices/{notice.id}", data=_form(title="Database upgrade to 17"))
    assert response.status_code == 302
    db.session.refresh(notice)
    assert notice.title == "Database upgrade to 17"

    response = client.post(f"/notices/{notice.id}/publish")
    assert response.status_code == 302
    assert "Published. The 1 affected customer is being e-mailed now." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    db.session.refresh(notice)
    assert notice.published_at is not None

    assert (
        client.post(f"/notices/{notice.id}/updates", data={"update-body": "Moved by an hour."}).status_code
        == 302
    )
    assert client.post(f"/notices/{notice.id}/resolve", data={"resolve-body": ""}).status_code == 302
    db.session.refresh(notice)
    assert [u.body for u in notice.updates] == ["Moved by an hour."]
    assert notice.resolved_at is not None
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "Moved by an hour." in page and ">Resolved<" in page
    assert "Save changes" not in page  # a closed notice is frozen


def test_bad_input_shows_every_problem_on_its_field(client, auth, manager):
    auth.login(manager)
    response = client.post(
        "/notices/new",
        data=_form(
            title="Hi\r\nBcc: victim@example.test",
            ends_at="2030-06-01T21:00",
            expected_downtime_minutes="99999",
            servers="db_1",
            plans=["gold"],
        ),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for message in (
        "Titles cannot contain line breaks.",
        "The end must be after the start.",
        "Expected downtime is between 0 and 10080 minutes",
        "Not a server name: db_1.",
        "is not a valid choice",
    ):
        assert message in page
    assert db.session.scalar(db.select(Notice)) is None


def test_unreadable_dates_are_refused_not_crashing(client, auth, manager):
    auth.login(manager)
    response = client.post("/notices/new", data=_form(starts_at="tomorrow", expected_downtime_minutes="lots"))
    assert response.status_code == 400
    assert "Not a valid datetime value." in response.get_data(as_text=True)


def test_drafts_can_be_deleted_but_published_notices_cannot(client, auth, manager):
    draft = make_notice(manager)
    live = make_notice(manager, title="Live", publish=True)
    auth.login(manager)
    assert client.post(f"/notices/{draft.id}/delete").status_code == 302
    assert db.session.get(Notice, draft.id) is None
    response = client.post(f"/notices/{live.id}/delete", follow_redirects=True)
    assert "Only drafts can be deleted." in response.get_data(as_text=True)
    assert db.session.get(Notice, live.id) is not None
    assert client.get("/notices/999999").status_code == 404


def test_updating_a_draft_is_refused_with_a_message(client, auth, manager):
    draft = make_notice(manager)
    auth.login(manager)
    response = client.post(f"/notices/{draft.id}/updates", data={"update-body": "Hello"})
    assert response.status_code == 400
    assert "Publish the notice before posting updates." in response.get_data(as_text=True)


def test_the_banner_shows_only_for_affected_customers(client, auth, manager, make):
    now = utcnow()
    vps = make.customer(plan=Plan.VPS)
    shared = make.customer(plan=Plan.SHARED)
    make_notice(
        manager,
        title="VPS host reboot",
        starts=now + timedelta(days=1),
        ends=now + timedelta(days=1, hours=1),
        plans=["vps"],
        publish=True,
        now=now,
    )
    make_notice(manager, title="Secret draft", starts=now, ends=now + timedelta(hours=1), now=now)

    auth.login(vps)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "VPS host reboot" in page and "notice-banner" in page
    assert "Secret draft" not in page
    auth.logout()

    auth.login(shared)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "VPS host reboot" not in page and "notice-banner" not in page
    auth.logout()

    auth.login(manager)
    assert "VPS host reboot" not in client.get("/notices/999999").get_data(as_text=True)


def test_status_page_is_public_and_lists_current_and_upcoming_events(client, manager):
    now = utcnow()
    make_notice(
        manager,
        kind="incident",
        title="Mail delays",
        starts=now - timedelta(minutes=30),
        ends=None,
        publish=True,
        now=now,
    )
    make_notice(
        manager,
        title="Network switch swap",
        starts=now + timedelta(days=10),
        ends=now + timedelta(days=10, hours=1),
        servers="web-3.ams",
        publish=True,
        now=now,
    )
    make_notice(manager, title="Draft only", starts=now, ends=now + timedelta(hours=1), now=now)
    response = client.get("/status")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index("Happening now") < page.index("Mail delays") < page.index("Coming up")
    assert page.index("Coming up") < page.index("Network switch swap")
    assert "1 selected server" in page
    assert "web-3.ams" not in page  # hostnames are not published to the world
    assert "Draft only" not in page
    assert "All services are running normally." not in page


def test_status_page_says_all_is_well_when_nothing_is_on(client):
    page = client.get("/status").get_data(as_text=True)
    assert "All services are running normally." in page
    assert "No maintenance or other events are planned." in page


def test_notice_text_is_escaped_everywhere(client, auth, manager, make):
    now = utcnow()
    customer = make.customer()
    make_notice(
        manager,
        title="<script>alert(1)</script>",
        body="<b>bold</b>",
        starts=now,
        ends=now + timedelta(hours=1),
        publish=True,
        now=now,
    )
    assert "<script>alert(1)</script>" not in client.get("/status").get_data(as_text=True)
    auth.login(customer)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_case_timelines_name_service_notices_and_progress_reports(client, auth, manager, make):
    customer = make.customer()
    fb = make.rating(customer, csat=1, now=T0)
    notice = make_notice(manager, kind="incident", starts=T0, ends=None, publish=True)
    services.add_update(notice, manager, "Storage is back to normal.", T0 + timedelta(minutes=5))
    db.session.add(FollowupEvent(followup=fb.followup, kind=EventKind.PROGRESS_REPORT, created_at=T0))
    db.session.commit()

    auth.login(customer)
    page = client.get(f"/feedback/{fb.id}", follow_redirects=True).get_data(as_text=True)
    assert "Service notice" in page and "Storage is back to normal." in page
    assert "We sent you a progress update" in page
    auth.logout()

    auth.login(make.staff())
    page = client.get(f"/queue/{fb.followup.id}").get_data(as_text=True)
    assert "Service notice" in page and "Storage is back to normal." in page
    assert "Automatic progress update sent to the customer" in page


def test_a_date_far_in_the_past_is_refused_not_a_500(client, auth, manager):
    auth.login(manager)
    response = client.post(
        "/notices/new",
        data={
            "kind": "maintenance",
            "title": "Old",
            "starts_at": "0001-01-01T00:30",
            "ends_at": "9999-12-31T23:59",
        },
    )
    assert response.status_code == 400
    assert response.get_data(as_text=True).count("Enter a date between 2000 and 2100.") == 2


def test_publishing_wakes_the_worker_to_mail_and_renders_nothing_in_the_request(
    client, auth, manager, make, app
):
    from feedback.mailer.models import OutboxMessage
    from feedback.notices.jobs import send_notice_mail

    for _ in range(3):
        make.customer()
    from feedback.core.time import utcnow

    soon = utcnow() + timedelta(days=1)
    notice = make_notice(manager, starts=soon, ends=soon + timedelta(hours=2))
    calls = []
    app.config["WORKER_MODE"] = "embedded"
    scheduler = app.extensions.setdefault("kontento.scheduler", None)
    app.extensions["kontento.scheduler"] = type(
        "Recorder", (), {"run_soon": lambda self, job: calls.append(job)}
    )()
    try:
        auth.login(manager)
        before = db.session.query(OutboxMessage).count()
        assert client.post(f"/notices/{notice.id}/publish").status_code == 302
        assert db.session.query(OutboxMessage).count() == before  # no mail rendered in the request
        assert calls == ["notice_mail"]  # the worker was asked to send it, after the commit
    finally:
        app.config["WORKER_MODE"] = "off"
        app.extensions["kontento.scheduler"] = scheduler
    assert send_notice_mail(utcnow()).emails == 3
