"""A rating submitted to a web app on the Celery path: the commit wakes a real worker, which
queues the receipt and the team's alert and then sends them."""

import pytest

from feedback import create_app
from feedback.auth.models import User
from feedback.extensions import db
from feedback.surveys.services import submit_rating
from tests.conftest import make_config

from .conftest import wait_until

# Celery worker processes read and write the database: they must see committed rows.
pytestmark = pytest.mark.real_commits


def test_a_submission_is_acknowledged_through_a_real_worker(
    app, database_url, redis_url, make, smtp, broker, workers
):
    customer, staff = make.customer(), make.staff()
    addresses = sorted([customer.email, staff.email])
    customer_id = customer.id
    worker = workers.start("w1", smtp.port)
    web = create_app(make_config(database_url, WORKER_MODE="celery", REDIS_URL=redis_url))
    try:
        with web.app_context():
            submit_rating(db.session.get(User, customer_id), csat=2, comment="Slow since Tuesday")
            db.session.commit()  # sends kontento.run_now("feedback_receipts") to the broker
            db.session.remove()
            db.engine.dispose()
    finally:
        web.extensions["celery"].close()

    wait_until(lambda: len(smtp.messages) >= 2, "the receipt and the team's alert", logs=[worker])
    assert worker.task_lines("kontento.run_now", "succeeded")
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.messages) == addresses
    subjects = sorted(str(m["Subject"]) for m in smtp.messages)
    assert "We are on it: your feedback opened a case" in subjects[1]
    assert "New high follow-up, unassigned" in subjects[0]


def test_a_burst_of_submissions_sends_one_wake_up_and_every_receipt_goes_once(
    app, database_url, redis_url, redis_client, make, smtp, workers
):
    customers = [make.customer() for _ in range(12)]
    ids = [c.id for c in customers]
    web = create_app(make_config(database_url, WORKER_MODE="celery", REDIS_URL=redis_url))

    def submit(customer_id: int) -> None:
        with web.app_context():
            submit_rating(db.session.get(User, customer_id), csat=5, comment="Fast support")
            db.session.commit()
            db.session.remove()

    try:
        for customer_id in ids[:-1]:
            submit(customer_id)  # no worker yet: the first commit's task is still waiting
        assert redis_client.llen("kontento") == 1
        worker = workers.start("w1", smtp.port)
        wait_until(lambda: len(smtp.messages) >= len(ids) - 1, "the burst's receipts", logs=[worker])
        submit(ids[-1])  # the task cleared its mark when it started: this commit wakes it again
        wait_until(lambda: len(smtp.messages) >= len(ids), "the last receipt", logs=[worker])
        with web.app_context():
            db.engine.dispose()
    finally:
        web.extensions["celery"].close()

    assert len(worker.task_lines("kontento.run_now", "succeeded")) == 2
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.messages) == sorted(c.email for c in customers)
