"""The mail server goes away under a real worker: mail waits, and goes out once when it is back."""

import pytest
from sqlalchemy import update

from feedback import create_app
from feedback.auth.models import User
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups import services
from feedback.followups.models import Followup
from feedback.mailer.models import OutboxMessage, OutboxStatus
from tests.conftest import make_config

from .conftest import all_settled, delivery_counts, outbox, report, wait_until

# Celery worker processes read and write the database: they must see committed rows.
pytestmark = pytest.mark.real_commits

TASK = "kontento.dispatch_outbox"


def _reply_on_each_case(database_url: str, redis_url: str, followup_ids: list[int], staff_id: int) -> int:
    """Staff replies, committed by a web app in Celery mode: the commit wakes the worker."""
    web = create_app(make_config(database_url, WORKER_MODE="celery", REDIS_URL=redis_url))
    try:
        with web.app_context():
            staff = db.session.get(User, staff_id)
            for followup_id in followup_ids:
                services.staff_reply(db.session.get(Followup, followup_id), staff, "We are looking at it.")
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        return web.extensions["kontento.kicks"]
    finally:
        web.extensions["celery"].close()


def test_mail_waits_while_the_server_is_down_and_goes_once_when_it_returns(
    app, database_url, redis_url, make, smtp, broker, workers
):
    customer, staff = make.customer(), make.staff()
    followup_ids = [make.rating(customer, csat=2).followup.id for _ in range(3)]
    smtp.stop()
    worker = workers.start("w1", smtp.port)

    kicks = _reply_on_each_case(database_url, redis_url, followup_ids, staff.id)
    assert kicks == 1  # one commit, one wake-up
    wait_until(lambda: worker.task_lines(TASK, "succeeded"), "the woken dispatcher to run", logs=[worker])
    rows = outbox()
    ids = set(rows)
    assert len(ids) >= 3  # the replies, and whatever the ratings queued
    assert {r.status for r in rows.values()} == {OutboxStatus.PENDING}
    assert sum(r.attempts for r in rows.values()) == 1  # one try spent; the rest just wait
    assert any("cannot reach the mail server" in r.last_error for r in rows.values())
    assert all(r.next_attempt_at > utcnow() for r in rows.values())  # backing off

    smtp.start()  # the server is back, on the same address
    broker.send_task(TASK)  # woken again within the backoff: nothing goes yet
    wait_until(lambda: len(worker.task_lines(TASK, "succeeded")) == 2, "the second run", logs=[worker])
    assert smtp.messages == []

    # The backoff's minute passes (beat runs the dispatcher every minute in production):
    # make the rows due rather than sleep through it.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(next_attempt_at=utcnow())
    )
    db.session.commit()
    broker.send_task(TASK)
    wait_until(lambda: all_settled(ids), "the waiting mail to go out", logs=[worker])
    counts = delivery_counts(smtp, ids)
    report("smtp-down", database_url, jobs=3, kills=0, **counts)
    assert counts == {"sent": len(ids), "duplicates": 0, "lost": 0}
    assert sum(r.attempts for r in outbox().values()) == len(ids) + 1
