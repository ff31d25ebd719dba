"""Notices: who they reach, what is refused, the e-mails they send and the cases they touch."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback.auth.models import Plan, User
from feedback.extensions import db
from feedback.followups import services as fu_services
from feedback.followups.models import EventKind, FollowupEvent
from feedback.mailer.dispatch import dispatch
from feedback.notices import queries, services
from feedback.notices.jobs import send_notice_mail, send_reminders
from tests.conftest import T0
from tests.factories import make_notice
from tests.mail_server import html_body, text_body


@pytest.fixture
def manager(make):
    return make.manager(name="Mia Manager")


@pytest.fixture
def in_request(app):
    """Refusals are translated for the person who made the request, so they need one."""
    with app.test_request_context():
        yield


@pytest.fixture
def fleet(make):
    """Customers on different plans and servers, plus people a notice must never reach."""
    people = {
        "shared_web1": make.customer(plan=Plan.SHARED, server="web-1.fra"),
        "vps_web1": make.customer(plan=Plan.VPS, server="web-1.fra"),
        "vps_web2": make.customer(plan=Plan.VPS, server="web-2.fra"),
        "dedicated": make.customer(plan=Plan.DEDICATED),
        "inactive_vps": make.customer(plan=Plan.VPS, server="web-1.fra"),
    }
    people["inactive_vps"].active = False
    make.staff()
    db.session.commit()
    return people


def _reached(notice) -> set[int]:
    return set(db.session.scalars(queries.affected_customers(notice).with_only_columns(User.id)))


def _ids(fleet, *names) -> set[int]:
    return {fleet[n].id for n in names}


@pytest.mark.parametrize(
    "plans, servers, expected",
    [
        ((), "", {"shared_web1", "vps_web1", "vps_web2", "dedicated"}),
        (("vps",), "", {"vps_web1", "vps_web2"}),
        ((), "WEB-1.fra", {"shared_web1", "vps_web1"}),
        (("vps",), "web-1.fra", {"vps_web1"}),
        (("shared", "dedicated"), "web-2.fra, web-1.fra", {"shared_web1"}),
    ],
)
def test_a_notice_reaches_active_customers_on_its_plans_and_servers(manager, fleet, plans, servers, expected):
    notice = make_notice(manager, plans=plans, servers=servers)
    assert _reached(notice) == _ids(fleet, *expected)
    assert queries.audience_size(notice) == len(expected)


def _draft(**changes):
    values = {
        "kind": "maintenance",
        "title": "Kernel upgrade",
        "starts_at": T0,
        "ends_at": T0 + timedelta(hours=1),
        "expected_downtime_minutes": 10,
    }
    return services.NoticeDraft(**{**values, **changes})


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"title": "Maintenance\r\nBcc: x@example.test"}, "title", "Titles cannot contain line breaks."),
        ({"title": "Maintenance\n"}, "title", "Titles cannot contain line breaks."),
        ({"title": "   "}, "title", "Enter a title."),
        ({"title": "x" * 201}, "title", "Use at most 200 characters for the title."),
        ({"kind": "party"}, "kind", "Choose what kind of notice this is."),
        ({"starts_at": None}, "starts_at", "Enter when it starts."),
        ({"ends_at": None}, "ends_at", "Enter when the window ends."),
        ({"ends_at": T0}, "ends_at", "The end must be after the start."),
        ({"ends_at": T0 - timedelta(minutes=1)}, "ends_at", "The end must be after the start."),
        ({"expected_downtime_minutes": -1}, "expected_downtime_minutes", "between 0 and 10080 minutes"),
        ({"expected_downtime_minutes": 10081}, "expected_downtime_minutes", "between 0 and 10080 minutes"),
        ({"plans": ["vps", "gold"]}, "plans", "Unknown plan: gold."),
        ({"servers": "web-1, web_2"}, "servers", "Not a server name: web_2."),
        ({"servers": "web-1; rm -rf"}, "servers", "Not a server name"),
        ({"servers": ",".join(f"web-{n}" for n in range(51))}, "servers", "List at most 50 servers."),
    ],
)
def test_invalid_notices_are_refused_with_a_clear_message(in_request, manager, changes, field, message):
    with pytest.raises(services.NoticeError) as caught:
        services.save_notice(None, manager, _draft(**changes), T0)
    assert message in caught.value.fields[field]


def test_valid_edge_values_are_accepted_and_normalised(manager):
    notice = services.save_notice(
        None,
        manager,
        _draft(
            kind="incident",
            title="  Packet loss  ",
            ends_at=None,
            expected_downtime_minutes=10080,
            plans=["dedicated", "shared"],
            servers="Web-1.FRA\nweb-2.fra, web-1.fra\r\n",
        ),
        T0,
    )
    assert notice.title == "Packet loss"
    assert notice.plans == "shared,dedicated"
    assert notice.servers == "web-1.fra,web-2.fra"
    assert notice.published_at is None


def _notice_mail(smtp, title="Kernel upgrade"):
    return [m for m in smtp.messages if title in str(m["Subject"])]


def test_publishing_mails_the_affected_customers_only(manager, fleet, smtp, make):
    berlin = make.customer(plan=Plan.VPS, server="web-1.fra", timezone="Europe/Berlin")
    notice = make_notice(manager, plans=["vps"], servers="web-1.fra", downtime=90)
    assert not smtp.messages and dispatch(T0).sent == 0  # a draft sends nothing
    services.publish(notice, manager, T0)
    db.session.commit()
    assert dispatch(T0).sent == 0  # nothing is rendered in the publishing request …
    assert send_notice_mail(T0).emails == 2  # … the worker's job queues the mail
    dispatch(T0)
    mails = _notice_mail(smtp)
    assert sorted(str(m["To"]) for m in mails) == sorted(
        f"{u.name} <{u.email}>" for u in (fleet["vps_web1"], berlin)
    )
    [mail] = [m for m in mails if berlin.email in str(m["To"])]
    assert mail["Subject"] == "Planned maintenance: Kernel upgrade"
    text = text_body(mail)
    assert "Starts: 5 Mar 2026, 10:00" in text  # 09:00 UTC, in the customer's zone
    assert "Ends: 5 Mar 2026, 12:00" in text
    assert "Europe/Berlin" in text
    assert "Expected downtime: about 90 minutes" in text
    assert "We upgrade the kernel." in text
    assert f"http://kontento.test/status#notice-{notice.id}" in text
    assert "Expected downtime: about 90 minutes" in html_body(mail)
    assert notice.notified_at == T0


def test_publishing_twice_is_refused(in_request, manager):
    notice = make_notice(manager, publish=True)
    with pytest.raises(services.NoticeError, match="already published"):
        services.publish(notice, manager, T0)


def test_an_event_already_over_is_published_without_mail(manager, fleet, smtp):
    notice = make_notice(manager, starts=T0 - timedelta(hours=3), ends=T0 - timedelta(hours=1))
    assert services.publish(notice, manager, T0) == 0
    db.session.commit()
    send_notice_mail(T0)
    dispatch(T0)
    assert _notice_mail(smtp) == []
    assert notice.published_at == T0


@pytest.mark.parametrize(
    "kind, optional",
    [("announcement", True), ("backup", True), ("maintenance", False), ("incident", False)],
)
def test_only_maintenance_and_incidents_reach_customers_who_turned_optional_mail_off(
    manager, make, smtp, kind, optional
):
    keen = make.customer()
    quiet = make.customer()
    quiet.optional_mail = False
    db.session.commit()
    make_notice(manager, kind=kind, publish=True)
    dispatch(T0)
    to = {str(m["To"]) for m in _notice_mail(smtp)}
    assert any(keen.email in t for t in to)
    assert any(quiet.email in t for t in to) is not optional


def test_an_incident_update_lands_on_open_cases_of_affected_customers_only(manager, make, smtp):
    agent = make.staff()
    open_case = make.rating(make.customer(plan=Plan.VPS), csat=1, now=T0).followup
    waiting_case = make.rating(make.customer(plan=Plan.VPS), csat=1, now=T0).followup
    fu_services.set_waiting(waiting_case, agent, now=T0)
    resolved_case = make.rating(make.customer(plan=Plan.VPS), csat=1, now=T0).followup
    fu_services.resolve(resolved_case, agent, now=T0)
    other_plan_case = make.rating(make.customer(plan=Plan.SHARED), csat=1, now=T0).followup
    db.session.commit()
    notice = make_notice(
        manager, kind="incident", title="Storage outage", starts=T0, ends=None, plans=["vps"], publish=True
    )
    later = T0 + timedelta(minutes=20)
    services.add_update(notice, manager, "Disks replaced, syncing now.", later)
    db.session.commit()

    events = db.session.scalars(
        select(FollowupEvent).where(FollowupEvent.kind == EventKind.NOTICE_UPDATE)
    ).all()
    assert {e.followup_id for e in events} == {open_case.id, waiting_case.id}  # not the shared one
    assert other_plan_case.id not in {e.followup_id for e in events}
    assert {(e.body, e.detail, e.created_at) for e in events} == {
        ("Disks replaced, syncing now.", f"notice:{notice.id}", later)
    }

    assert send_notice_mail(later).updates == 1
    assert send_notice_mail(later).emails == 0  # mailed once
    db.session.commit()
    dispatch(later)
    updates = [m for m in smtp.messages if m["Subject"] == "Update: Storage outage"]
    # Every affected customer hears of it, with or without an open case; the shared one does not.
    assert {str(m["To"]).split("<")[1].rstrip(">") for m in updates} == {
        open_case.customer.email,
        waiting_case.customer.email,
        resolved_case.customer.email,
    }
    assert "Disks replaced, syncing now." in text_body(updates[0])


def test_updates_on_other_kinds_touch_no_cases(manager, make):
    make.rating(make.customer(), csat=1, now=T0)
    notice = make_notice(manager, kind="announcement", publish=True)
    services.add_update(notice, manager, "New date.", T0)
    assert (
        db.session.scalar(select(FollowupEvent).where(FollowupEvent.kind == EventKind.NOTICE_UPDATE)) is None
    )


def test_updates_need_a_published_open_notice_and_some_text(in_request, manager):
    draft = make_notice(manager)
    with pytest.raises(services.NoticeError, match="Publish the notice"):
        services.add_update(draft, manager, "x", T0)
    live = make_notice(manager, kind="incident", ends=None, publish=True)
    with pytest.raises(services.NoticeError, match="Write the update"):
        services.add_update(live, manager, "   ", T0)
    services.resolve_incident(live, manager, T0)
    with pytest.raises(services.NoticeError, match="closed"):
        services.add_update(live, manager, "x", T0)
    with pytest.raises(services.NoticeError, match="already closed"):
        services.resolve_incident(live, manager, T0)


def test_resolving_with_a_message_posts_it_as_the_last_update(manager, make):
    case = make.rating(make.customer(), csat=1, now=T0).followup
    notice = make_notice(manager, kind="incident", starts=T0, ends=None, publish=True)
    update = services.resolve_incident(notice, manager, T0 + timedelta(hours=1), "All clear.")
    db.session.commit()
    assert notice.resolved_at == T0 + timedelta(hours=1)
    assert update.body == "All clear." and notice.updates == [update]
    assert [e.body for e in case.events if e.kind == EventKind.NOTICE_UPDATE] == ["All clear."]


def test_only_drafts_can_be_deleted(in_request, manager):
    draft = make_notice(manager)
    services.delete_draft(draft)
    db.session.commit()
    assert queries.get_notice(draft.id) is None
    published = make_notice(manager, publish=True)
    with pytest.raises(services.NoticeError, match="Only drafts"):
        services.delete_draft(published)


def test_a_published_notice_keeps_its_kind_and_a_closed_one_is_frozen(in_request, manager):
    notice = make_notice(manager, publish=True)
    with pytest.raises(services.NoticeError, match="keeps its kind"):
        services.save_notice(notice, manager, _draft(kind="announcement"), T0)
    services.resolve_incident(notice, manager, T0)
    with pytest.raises(services.NoticeError, match="closed"):
        services.save_notice(notice, manager, _draft(), T0)


def test_the_reminder_goes_out_once_a_day_before_the_window(manager, fleet, smtp):
    starts = T0 + timedelta(days=2)
    notice = make_notice(
        manager, starts=starts, ends=starts + timedelta(hours=1), plans=["vps"], publish=True
    )
    make_notice(manager, title="Unpublished", starts=starts, ends=starts + timedelta(hours=1))
    make_notice(
        manager, kind="backup", title="Backup", starts=starts, ends=starts + timedelta(hours=1), publish=True
    )

    assert send_reminders(starts - timedelta(hours=25)).notices == 0  # too early
    day_before = starts - timedelta(hours=23)
    result = send_reminders(day_before)
    db.session.commit()
    assert (result.notices, result.emails) == (1, 2)
    assert notice.reminded_at == day_before
    again = send_reminders(day_before + timedelta(hours=1))
    db.session.commit()
    assert (again.notices, again.emails) == (0, 0)

    dispatch(day_before)
    reminders = [m for m in smtp.messages if m["Subject"] == "Reminder – planned maintenance: Kernel upgrade"]
    assert {str(m["To"]).split("<")[1].rstrip(">") for m in reminders} == {
        fleet["vps_web1"].email,
        fleet["vps_web2"].email,
    }
    assert "starts within the next 24 hours" in text_body(reminders[0])


def test_no_reminder_for_a_window_that_started_or_was_announced_within_the_day(manager, fleet):
    started = make_notice(
        manager,
        starts=T0 - timedelta(minutes=5),
        ends=T0 + timedelta(hours=1),
        publish=True,
        now=T0 - timedelta(days=3),
    )
    soon = make_notice(manager, starts=T0 + timedelta(hours=3), ends=T0 + timedelta(hours=4), publish=True)
    assert soon.reminded_at == T0  # the announcement was the reminder
    result = send_reminders(T0 + timedelta(minutes=1))
    assert result.notices == 0
    assert started.reminded_at is None


def test_banner_shows_live_notices_for_this_customer(manager, fleet):
    vps = fleet["vps_web1"]
    mine = make_notice(manager, title="Mine", plans=["vps"], publish=True)
    other = make_notice(manager, title="Other plan", plans=["dedicated"], publish=True)
    make_notice(manager, title="Draft", plans=["vps"])
    make_notice(
        manager,
        title="Too far",
        starts=T0 + timedelta(days=8),
        ends=T0 + timedelta(days=8, hours=1),
        publish=True,
    )
    make_notice(
        manager, title="Over", starts=T0 - timedelta(hours=2), ends=T0 - timedelta(hours=1), publish=True
    )
    incident = make_notice(
        manager, kind="incident", title="Now", starts=T0, ends=None, servers="web-1.fra", publish=True
    )
    closed = make_notice(manager, kind="incident", title="Closed", starts=T0, ends=None, publish=True)
    services.resolve_incident(closed, manager, T0)
    db.session.commit()
    assert queries.banner_notices(vps, T0) == [incident, mine]
    assert queries.banner_notices(fleet["vps_web2"], T0) == [mine]
    assert queries.banner_notices(fleet["dedicated"], T0) == [other]


def test_status_page_sorts_events_and_forgets_them_after_a_week(manager):
    now = T0
    current = make_notice(
        manager, title="Current", starts=now - timedelta(hours=1), ends=now + timedelta(hours=1)
    )
    upcoming = make_notice(
        manager, title="Upcoming", starts=now + timedelta(days=20), ends=now + timedelta(days=21)
    )
    ended = make_notice(manager, title="Ended", starts=now - timedelta(days=2), ends=now - timedelta(days=1))
    old = make_notice(manager, title="Old", starts=now - timedelta(days=9), ends=now - timedelta(days=8))
    resolved = make_notice(
        manager, kind="incident", title="Resolved", starts=now - timedelta(days=10), ends=None
    )
    draft = make_notice(manager, title="Draft", starts=now, ends=now + timedelta(hours=1))
    for n in (current, upcoming, ended, old, resolved):
        services.publish(n, manager, now - timedelta(days=30))
    services.resolve_incident(resolved, manager, now - timedelta(hours=2))
    db.session.commit()
    page = queries.status_page(now)
    assert page.current == [current]
    assert page.upcoming == [upcoming]
    assert page.recent == [resolved, ended]  # latest to end first
    assert draft not in page.current + page.upcoming + page.recent
    assert queries.state(draft, now) == "draft" and queries.state(resolved, now) == "resolved"
