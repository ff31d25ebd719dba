"""The outbox and its dispatcher against a real SMTP server on loopback."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from feedback.extensions import db
from feedback.mailer.dispatch import dispatch
from feedback.mailer.models import OutboxMessage, OutboxStatus
from feedback.mailer.services import MailHeaderError, queue_email
from tests.conftest import T0
from tests.mail_server import html_body, text_body

RECEIPT = {"fu": None, "promise": None, "feedback": SimpleNamespace(kind=SimpleNamespace(value="rating"))}


def _queue(user, subject="Your case", key=None):
    row = queue_email(user, "surveys/received", subject, context=RECEIPT, dedupe_key=key, now=T0)
    db.session.commit()
    return row


def test_a_queued_message_is_sent_once_with_text_and_html(app, make, smtp):
    customer = make.customer(name="Ana Pérez")
    row = _queue(customer)
    result = dispatch(T0)
    assert result.sent == 1
    assert dispatch(T0).sent == 0  # nothing twice
    [message] = smtp.messages
    assert message["To"] == f"Ana Pérez <{customer.email}>"
    assert message["Subject"] == "Your case"
    assert message["Message-ID"] == f"<outbox-{row.id}@kontento>"
    assert "Thank you for your feedback." in text_body(message)
    assert "Thank you for your feedback." in html_body(message)
    assert "Ana Pérez" in html_body(message)
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.sent_at is not None


def test_nothing_is_queued_when_the_transaction_rolls_back(app, make):
    customer = make.customer()
    queue_email(customer, "surveys/received", "Hi", context=RECEIPT, now=T0)
    db.session.rollback()
    assert db.session.query(OutboxMessage).count() == 0


@pytest.mark.parametrize("subject", ["Hello\r\nBcc: victim@example.test", "Hi\nthere", "Hi\rthere"])
def test_line_breaks_in_a_subject_are_refused(app, make, subject):
    customer = make.customer()
    with pytest.raises(MailHeaderError, match="cannot contain line breaks"):
        queue_email(customer, "surveys/received", subject, context=RECEIPT, now=T0)


def test_a_dedupe_key_queues_a_message_once(app, make):
    customer = make.customer()
    assert _queue(customer, key="k1") is not None
    assert _queue(customer, key="k1") is None
    assert db.session.query(OutboxMessage).count() == 1


def test_mail_waits_while_the_server_is_down_and_goes_when_it_returns(app, make, smtp):
    customer = make.customer()
    for _ in range(3):
        _queue(customer)
    smtp.stop()
    down = dispatch(T0)
    assert (down.sent, down.deferred, down.failed) == (0, 3, 0)
    rows = db.session.query(OutboxMessage).all()
    assert {r.status for r in rows} == {OutboxStatus.PENDING}
    assert sum(r.attempts for r in rows) == 1  # one try spent, the others just wait
    assert all("cannot reach" in r.last_error or "Error" in r.last_error for r in rows if r.attempts)
    assert dispatch(T0 + timedelta(seconds=10)).sent == 0  # still backing off
    smtp.start()
    back = dispatch(T0 + timedelta(minutes=2))
    assert back.sent == 3
    assert len(smtp.messages) == 3


def test_a_permanent_refusal_marks_the_message_failed(app, make, smtp):
    customer = make.customer()
    row = _queue(customer)
    smtp.reject_code = 550
    result = dispatch(T0)
    assert result.failed == 1
    db.session.refresh(row)
    assert row.status == OutboxStatus.FAILED and "550" in row.last_error


def test_a_claim_left_by_a_dead_dispatcher_is_requeued_after_its_lease(app, make, smtp):
    customer = make.customer()
    row = _queue(customer)
    row.status, row.claimed_at = OutboxStatus.SENDING, T0  # as if a worker died mid-send
    db.session.commit()
    assert dispatch(T0 + timedelta(seconds=30)).sent == 0  # the lease still holds
    result = dispatch(T0 + timedelta(minutes=6))
    assert (result.requeued, result.sent) == (1, 1)


def test_jobs_cli_runs_a_job_and_reports_its_status(app, make, smtp, runner):
    _queue(make.customer())
    result = runner.invoke(args=["jobs", "run", "dispatch_outbox", "--now", "2026-03-02T09:00:00"])
    assert result.exit_code == 0, result.output
    assert "sent=1" in result.output
    assert len(smtp.messages) == 1
    status = runner.invoke(args=["jobs", "status"]).output
    assert "dispatch_outbox" in status and "never ran" in status  # run by hand: no period claimed
    assert runner.invoke(args=["jobs", "run", "nope"]).exit_code != 0


def test_a_message_that_cannot_be_encoded_fails_alone_and_the_queue_goes_on(app, make, smtp):
    broken, fine = make.customer(), make.customer()
    broken.email = "rené@example.test"  # say, from an import; sign-up refuses such addresses
    db.session.commit()
    bad, good = _queue(broken), _queue(fine)
    result = dispatch(T0)
    assert (result.sent, result.failed) == (1, 1)
    db.session.refresh(bad)
    db.session.refresh(good)
    assert bad.status == OutboxStatus.FAILED and "cannot build the message" in bad.last_error
    assert good.status == OutboxStatus.SENT


def test_a_server_that_never_answers_times_out_and_the_mail_waits(app, make, monkeypatch):
    import socket

    from tests import conftest

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections (in the backlog) but never sends a greeting
    port = silent.getsockname()[1]
    conftest._TEST_SMTP_PORTS.add(port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 0.5)
    monkeypatch.setattr(app.extensions["mail"], "port", port)
    try:
        row = _queue(make.customer())
        result = dispatch(T0)
    finally:
        silent.close()
        conftest._TEST_SMTP_PORTS.discard(port)
    assert (result.sent, result.deferred) == (0, 1)
    db.session.refresh(row)
    assert row.status == OutboxStatus.PENDING and "timed out" in row.last_error


def test_a_temporary_recipient_refusal_is_retried_and_a_permanent_one_is_not(app, make, smtp):
    row = _queue(make.customer())
    smtp.rcpt_code = 451  # greylisting
    assert dispatch(T0).deferred == 1
    db.session.refresh(row)
    assert row.status == OutboxStatus.PENDING and "451" in row.last_error
    smtp.rcpt_code = 550
    assert dispatch(T0 + timedelta(minutes=5)).failed == 1
    db.session.refresh(row)
    assert row.status == OutboxStatus.FAILED


def test_retrying_a_failed_message_gives_it_a_fresh_set_of_tries(app, make, smtp):
    from feedback.mailer.services import retry

    row = _queue(make.customer())
    row.status, row.attempts = OutboxStatus.FAILED, 9
    retry(row, T0 + timedelta(days=2))
    db.session.commit()
    smtp.stop()
    dispatch(T0 + timedelta(days=2))  # one more failure, two days after it was queued
    db.session.refresh(row)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1


def test_a_stored_name_with_a_line_break_is_folded_not_a_header(app, make, smtp):
    customer = make.customer()
    customer.name = "Eve\r\nBcc: victim@example.test"  # stored before sign-up refused it
    db.session.commit()
    _queue(customer)
    dispatch(T0)
    [message] = smtp.messages
    assert message["Bcc"] is None
    assert smtp.envelopes[0][1] == [customer.email]
    assert "Eve Bcc: victim@example.test" in message["To"]
