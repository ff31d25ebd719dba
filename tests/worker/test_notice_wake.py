"""Publishing a notice on the Celery path: the commit wakes a real worker, which fans the
notice out to the affected customers and then sends the mail."""

from datetime import timedelta

import pytest

from feedback import create_app
from feedback.auth.models import User
from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.notices.models import Notice
from feedback.notices.services import NoticeDraft, publish, save_notice
from tests.conftest import make_config

from .conftest import wait_until

# Celery worker processes read and write the database: they must see committed rows.
pytestmark = pytest.mark.real_commits


def test_a_published_notice_reaches_its_customers_through_a_real_worker(
    app, database_url, redis_url, make, smtp, broker, workers
):
    customers = [make.customer() for _ in range(4)]
    manager_id = make.manager().id
    worker = workers.start("w1", smtp.port)
    web = create_app(make_config(database_url, WORKER_MODE="celery", REDIS_URL=redis_url))
    try:
        with web.app_context():
            manager = db.session.get(User, manager_id)
            soon = utcnow() + timedelta(days=2)
            draft = NoticeDraft(
                kind="incident", title="Packet loss in FRA", starts_at=utcnow() - timedelta(minutes=5)
            )
            draft.ends_at = soon
            notice = save_notice(None, manager, draft, utcnow())
            publish(db.session.get(Notice, notice.id), manager, utcnow())
            db.session.commit()  # sends kontento.run_now("notice_mail") to the broker
            db.session.remove()
            db.engine.dispose()
    finally:
        web.extensions["celery"].close()

    def notice_mail():
        return [m for m in smtp.messages if "Packet loss in FRA" in str(m["Subject"])]

    wait_until(lambda: len(notice_mail()) >= len(customers), "the notice mail", logs=[worker])
    assert worker.task_lines("kontento.run_now", "succeeded")
    assert sorted(m["To"].addresses[0].addr_spec for m in notice_mail()) == sorted(c.email for c in customers)
