"""Who gets which e-mail as a case moves, checked on a real SMTP server."""

from datetime import timedelta

from feedback.extensions import db
from feedback.followups import services
from feedback.followups.jobs import sweep
from feedback.followups.models import EventKind
from feedback.followups.progress import progress_reports
from feedback.mailer.dispatch import dispatch
from feedback.mailer.models import OutboxMessage
from feedback.worker.jobs import run_job
from tests.conftest import T0
from tests.mail_server import html_body, text_body

H = timedelta(hours=1)
M = timedelta(minutes=1)


def sent(smtp, now=T0 + timedelta(days=30)):
    """Queue pending receipts, dispatch what is queued and return the subjects each address received."""
    run_job("feedback_receipts", now, claim=False)
    dispatch(now)
    by_address: dict[str, list[str]] = {}
    for message in smtp.messages:
        address = message["To"].addresses[0].addr_spec
        by_address.setdefault(address, []).append(str(message["Subject"]))
    smtp.messages.clear()
    return by_address


def test_negative_feedback_tells_the_customer_when_we_answer_and_alerts_the_team(app, make, smtp):
    customer = make.customer(timezone="Asia/Tokyo")
    staff_a, staff_b, manager = make.staff(), make.staff(), make.manager()
    fu = make.rating(customer, csat=1, category="uptime", now=T0).followup  # critical: 1 h
    run_job("feedback_receipts", T0, claim=False)  # as the worker does, woken by the commit
    dispatch(T0)
    [to_customer] = smtp.to(customer.email)
    assert to_customer["Subject"] == f"[{fu.reference}] We are on it: your feedback opened a case"
    body = text_body(to_customer)
    # 09:00 UTC + 1 h, shown in the customer's own zone (Tokyo is UTC+9).
    assert "We will answer by 2 Mar 2026, 19:00 (Asia/Tokyo)" in body
    assert f"http://kontento.test/cases/{fu.reference}" in body
    # Every mail about the case refers to one root message, so mail clients keep them in one thread.
    assert to_customer["References"] == f"<case-{fu.id}@kontento>"
    for member in (staff_a, staff_b):
        [alert] = smtp.to(member.email)
        assert "New critical follow-up, unassigned" in alert["Subject"]
        assert alert["References"] == f"<case-{fu.id}@kontento>"
        assert f"http://kontento.test/queue/{fu.reference}" in html_body(alert)
        assert "Site was slow" in text_body(alert)
    assert smtp.to(manager.email) == []  # managers hear about breaches, not every case


def test_positive_feedback_gets_a_receipt_unless_optional_mail_is_off(app, make, smtp):
    keen, quiet = make.customer(), make.customer()
    quiet.optional_mail = False
    db.session.commit()
    make.rating(keen, csat=5, now=T0)
    make.rating(quiet, csat=5, now=T0)
    got = sent(smtp)
    assert got == {keen.email: ["Thank you for your feedback"]}


def test_case_mail_goes_even_with_optional_mail_off(app, make, smtp):
    customer = make.customer()
    customer.optional_mail = False
    db.session.commit()
    fu = make.rating(customer, csat=1, now=T0).followup
    run_job("feedback_receipts", T0, claim=False)
    staff = make.staff()
    services.staff_reply(fu, staff, "We restarted the server.\nIt should be quick again.", T0 + M)
    db.session.commit()
    got = sent(smtp)
    assert got[customer.email] == [
        f"[{fu.reference}] We are on it: your feedback opened a case",
        f"[{fu.reference}] New reply on your case",
    ]


def test_a_public_reply_reaches_the_customer_but_an_internal_note_does_not(app, make, smtp):
    customer, staff = make.customer(), make.staff()
    fu = make.rating(customer, csat=2, now=T0).followup
    sent(smtp)
    services.internal_note(fu, staff, "Customer is on the old PHP version", T0 + M)
    services.staff_reply(fu, staff, "Hello <b>Ana</b>, fixed.", T0 + 2 * M)
    db.session.commit()
    dispatch(T0 + 2 * M)
    [reply] = smtp.messages
    assert reply["To"].addresses[0].addr_spec == customer.email
    assert "old PHP version" not in text_body(reply) + html_body(reply)
    assert "Hello <b>Ana</b>, fixed." in text_body(reply)
    assert "Hello &lt;b&gt;Ana&lt;/b&gt;, fixed." in html_body(reply)  # escaped, never markup
    assert f"{staff.name} replied on your case {fu.reference}" in text_body(reply)
    assert reply["References"] == f"<case-{fu.id}@kontento>"  # in the case's thread


def test_assignment_tells_the_assignee_but_claiming_tells_nobody(app, make, smtp):
    customer, lead, agent = make.customer(), make.manager(), make.staff()
    fu = make.rating(customer, csat=2, now=T0).followup
    sent(smtp)
    services.claim(fu, agent, T0 + M)
    db.session.commit()
    assert sent(smtp) == {}
    services.assign(fu, lead, None, T0 + 2 * M)
    db.session.commit()
    assert list(sent(smtp)) == [agent.email]  # back with the team (the lead unassigned it)
    services.assign(fu, lead, agent, T0 + 3 * M)
    db.session.commit()
    assert sent(smtp) == {agent.email: [f"[{fu.reference}] {lead.name} assigned you a follow-up"]}


def test_warning_goes_to_the_assignee_and_breach_to_the_managers_once_each(app, make, smtp):
    customer, agent, other, manager = make.customer(), make.staff(), make.staff(), make.manager()
    fu = make.rating(customer, csat=1, category="uptime", now=T0).followup
    services.claim(fu, agent, T0)
    db.session.commit()
    sent(smtp)
    sweep(T0 + 48 * M)
    db.session.commit()
    assert sent(smtp) == {agent.email: [f"[{fu.reference}] Due soon: first response deadline"]}
    for _ in range(2):  # a repeated sweep sends nothing more
        sweep(T0 + 61 * M)
        db.session.commit()
    got = sent(smtp)
    assert got[manager.email] == [f"[{fu.reference}] Breached: first response deadline"]
    assert other.email not in got and customer.email not in got


def test_progress_report_after_the_interval_once_and_reset_by_a_reply(app, make, smtp):
    customer, agent = make.customer(), make.staff()
    fu = make.rating(customer, csat=2, now=T0).followup  # high: progress interval 12 h
    services.claim(fu, agent, T0)
    db.session.commit()
    sent(smtp)
    assert progress_reports(T0 + 11 * H) == 0
    assert progress_reports(T0 + 12 * H) == 1
    assert progress_reports(T0 + 13 * H) == 0  # once per interval
    db.session.commit()
    got = sent(smtp)
    assert got == {
        customer.email: [f"[{fu.reference}] An update on your case"],
        agent.email: [f"[{fu.reference}] Reminder: post a progress update"],
    }
    assert fu.events[-1].kind == EventKind.PROGRESS_REPORT and fu.events[-1].is_public
    services.staff_reply(fu, agent, "Still on it, the disk is being replaced.", T0 + 14 * H)
    db.session.commit()
    assert progress_reports(T0 + 25 * H) == 0  # 11 h after the reply: not yet
    assert progress_reports(T0 + 26 * H) == 1


def test_a_case_waiting_on_the_customer_gets_no_progress_report(app, make):
    customer, agent = make.customer(), make.staff()
    fu = make.rating(customer, csat=2, now=T0).followup
    services.staff_reply(fu, agent, "Which domain is it?", T0 + H)
    services.set_waiting(fu, agent, T0 + H)
    db.session.commit()
    assert progress_reports(T0 + 3 * 24 * H) == 0


def test_rolled_back_actions_leave_no_mail(app, make):
    customer, agent = make.customer(), make.staff()
    fu = make.rating(customer, csat=2, now=T0).followup
    before = db.session.query(OutboxMessage).count()
    services.staff_reply(fu, agent, "This reply is never committed.", T0 + M)
    db.session.rollback()
    assert db.session.query(OutboxMessage).count() == before
