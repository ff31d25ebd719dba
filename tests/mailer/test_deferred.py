"""Deferred mail (the SLA sweep's): queued with its parameters, rendered by the dispatcher."""

from datetime import timedelta

from feedback.extensions import db
from feedback.followups.jobs import sweep
from feedback.followups.models import Followup
from feedback.mailer.dispatch import dispatch
from feedback.mailer.models import OutboxMessage, OutboxStatus
from tests.conftest import T0
from tests.mail_server import html_body, text_body

LATE = T0 + timedelta(hours=5)


def _breach(make):
    manager = make.manager()
    fu = make.rating(make.customer(), csat=1, category="uptime", now=T0).followup
    sweep(LATE)
    db.session.commit()
    rows = list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))
    assert rows and all(row.render_params is not None for row in rows)
    return manager, fu, rows


def test_the_dispatcher_renders_and_sends_a_deferred_mail_once(app, make, smtp):
    manager, fu, rows = _breach(make)
    assert dispatch(LATE).sent == len(rows)
    assert dispatch(LATE).sent == 0  # nothing twice
    assert len(smtp.messages) == len(rows)
    message = smtp.messages[0]
    assert message["To"].addresses[0].addr_spec == manager.email
    assert message["Subject"].startswith(f"[{fu.reference}] Breached:")
    assert message["Message-ID"] == f"<outbox-{rows[0].id}@kontento>"
    assert message["References"] == f"<case-{fu.id}@kontento>"  # in the case's thread
    assert f"{fu.reference}" in text_body(message) and "Open the case" in text_body(message)
    assert "Open the case" in html_body(message) and f"{fu.reference}" in html_body(message)
    for row in rows:
        db.session.refresh(row)
        # Stored as sent: the outbox page and a resend show the same mail.
        assert row.status == OutboxStatus.SENT and row.render_params is None
        assert text_body(message).strip() and row.body_text.strip()


def test_a_mail_whose_case_is_gone_fails_alone(app, make, smtp):
    _manager, fu, rows = _breach(make)
    other = make.rating(make.customer(), csat=1, category="uptime", now=T0).followup
    sweep(LATE)
    db.session.commit()
    db.session.delete(db.session.get(Followup, fu.id))
    db.session.commit()
    result = dispatch(LATE)
    assert (result.failed, result.sent) == (len(rows), len(rows))  # the other case's mail goes
    failed = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED))
    assert all("cannot render" in row.last_error for row in failed)
    assert all(f"[{other.reference}]" in m["Subject"] for m in smtp.messages)


def test_a_mail_that_cannot_render_fails_alone_and_for_good(app, make, smtp):
    # Parameters a template cannot use (here: not JSON) fail the message at once, with the
    # reason, instead of failing its sender over and over and holding the rows after it.
    _manager, fu, rows = _breach(make)
    other = make.rating(make.customer(), csat=1, category="uptime", now=T0).followup
    sweep(LATE)
    db.session.execute(
        db.update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows])).values(render_params="{")
    )
    db.session.commit()
    result = dispatch(LATE)
    assert (result.failed, result.sent) == (len(rows), len(rows))
    failed = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED))
    assert all("cannot render" in row.last_error for row in failed)
    assert all(f"[{other.reference}]" in m["Subject"] for m in smtp.messages)


def test_the_outbox_page_shows_a_deferred_mail_as_it_will_be_sent(app, make, auth, client, no_mail_server):
    manager, fu, rows = _breach(make)
    auth.login(manager)
    page = client.get(f"/outbox/{rows[0].id}").get_data(as_text=True)
    assert "Open the case" in page and f"{fu.reference} (" in page
    db.session.refresh(rows[0])
    assert rows[0].render_params is not None  # looking did not render it for good


def test_the_demo_inbox_shows_a_deferred_mail(app, make, auth, client, demo_inbox, no_mail_server):
    manager, fu, rows = _breach(make)
    auth.login(manager)
    page = client.get(f"/inbox/{rows[0].id}").get_data(as_text=True)
    assert "Open the case" in page
    assert "Open the case" in client.get(f"/inbox/{rows[0].id}/html").get_data(as_text=True)
