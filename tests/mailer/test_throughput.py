"""The dispatcher at volume: batches over one connection each, runs until the queue is empty
or its time is up, and parallel senders that still send every message exactly once."""

from collections import Counter
from types import SimpleNamespace

import pytest

from feedback.extensions import db
from feedback.mailer.dispatch import dispatch
from feedback.mailer.models import OutboxMessage, OutboxStatus
from feedback.mailer.services import queue_email
from tests.conftest import T0

RECEIPT = {"fu": None, "promise": None, "feedback": SimpleNamespace(kind=SimpleNamespace(value="rating"))}


def _queue_many(make, count: int) -> None:
    for n in range(count):
        customer = make.customer(name=f"Customer {n}")
        queue_email(customer, "surveys/received", "Your case", context=RECEIPT, now=T0)
    db.session.commit()


def _statuses() -> Counter:
    return Counter(db.session.scalars(db.select(OutboxMessage.status)).all())


def test_one_run_sends_batch_after_batch_over_one_connection_each(app, make, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BATCH_SIZE", 4)
    _queue_many(make, 10)
    before = smtp.connections  # aiosmtpd connects once itself, to see that it is up
    result = dispatch(T0)
    assert result.sent == 10  # three batches in one run, not one batch per run
    assert len(smtp.messages) == 10
    assert smtp.connections - before == 3  # one per batch (4 + 4 + 2), not one per message
    assert _statuses() == {OutboxStatus.SENT: 10}


def test_a_run_out_of_time_stops_and_wakes_the_dispatcher_again(app, make, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BATCH_SIZE", 3)
    monkeypatch.setitem(app.config, "MAIL_DISPATCH_SECONDS", 0)  # the budget is spent at once
    _queue_many(make, 5)
    kicks = app.extensions.get("kontento.kicks", 0)
    assert dispatch(T0).sent == 0
    assert app.extensions.get("kontento.kicks", 0) == kicks + 1  # asked to run again now
    monkeypatch.setitem(app.config, "MAIL_DISPATCH_SECONDS", 50)
    assert dispatch(T0).sent == 5
    assert app.extensions.get("kontento.kicks", 0) == kicks + 1  # nothing left: no wake-up
    assert len(smtp.messages) == 5


def test_a_limit_still_caps_a_run(app, make, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BATCH_SIZE", 4)
    _queue_many(make, 6)
    assert dispatch(T0, limit=5).sent == 5
    assert dispatch(T0).sent == 1
    assert len(smtp.messages) == 6


@pytest.mark.real_commits
@pytest.mark.parametrize("runs", [1, 3])
def test_parallel_senders_send_every_message_exactly_once(app, make, smtp, monkeypatch, runs):
    """Four sender threads per run (one on SQLite) and with ``runs`` 3, three runs at once, as
    three workers woken together: every message arrives once, by its outbox id and Message-ID."""
    import threading

    monkeypatch.setitem(app.config, "MAIL_SEND_CONCURRENCY", 4)
    monkeypatch.setitem(app.config, "MAIL_BATCH_SIZE", 5)
    smtp.delay = 0.002  # a server that takes a moment, so the senders overlap
    _queue_many(make, 60)
    ids = set(db.session.scalars(db.select(OutboxMessage.id)).all())
    db.session.remove()
    totals = []

    def one_run():
        with app.app_context():
            try:
                totals.append(dispatch(T0).sent)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one_run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(totals) == 60
    outbox_ids = Counter(int(m["X-Kontento-Outbox"]) for m in smtp.messages)
    assert set(outbox_ids) == ids and set(outbox_ids.values()) == {1}
    assert len({m["Message-ID"] for m in smtp.messages}) == len(smtp.messages) == 60
    assert smtp.connections > 1  # the senders really ran side by side, each on its own connection
    assert _statuses() == {OutboxStatus.SENT: 60}
