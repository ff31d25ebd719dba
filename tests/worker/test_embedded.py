"""Without Redis: the scheduler thread inside each web process sends mail when woken, and
several of them run each periodic job once per period."""

from datetime import timedelta

import pytest

from feedback import create_app
from feedback.auth.models import User
from feedback.extensions import db
from feedback.followups import services
from feedback.followups.models import Followup
from feedback.surveys.services import submit_rating
from feedback.worker import embedded, jobs
from feedback.worker.models import JobRun
from tests.conftest import make_config

from .conftest import all_settled, delivery_counts, outbox, report, wait_until

# The scheduler threads and the second web apps read and write the database: they must see committed rows.
pytestmark = pytest.mark.real_commits


@pytest.fixture
def web_app(database_url):
    """Build a web process's app in embedded mode; its scheduler is stopped after the test."""
    built = []

    def build(**config):
        web = create_app(make_config(database_url, WORKER_MODE="embedded", REDIS_URL=None, **config))
        built.append(web)
        return web

    yield build
    for web in built:
        web.extensions["kontento.scheduler"].stop()
        with web.app_context():
            db.engine.dispose()


def test_the_embedded_scheduler_sends_committed_mail_when_woken(app, database_url, make, smtp, web_app):
    customer, staff = make.customer(), make.staff()
    followup_id = make.rating(customer, csat=2).followup.id
    web = web_app(MAIL_PORT=smtp.port)
    with web.app_context():
        fu = db.session.get(Followup, followup_id)
        services.staff_reply(fu, db.session.get(User, staff.id), "We are looking at it.")
        db.session.commit()  # wakes the scheduler thread, which dispatches
        db.session.remove()
    ids = set(outbox())
    wait_until(lambda: all_settled(ids), "the scheduler thread to send the mail")
    counts = delivery_counts(smtp, ids)
    report("embedded-kick", database_url, jobs=web.extensions["kontento.kicks"], kills=0, **counts)
    assert counts == {"sent": len(ids), "duplicates": 0, "lost": 0}


def test_a_submission_is_acknowledged_by_the_scheduler_thread(app, database_url, make, smtp, web_app):
    customer_id, staff = make.customer().id, make.staff()
    web = web_app(MAIL_PORT=smtp.port)
    with web.app_context():
        submit_rating(db.session.get(User, customer_id), csat=1, comment="Backups failed twice")
        db.session.commit()  # wakes the thread: receipts job, then the dispatcher
        db.session.remove()

    def case_mail():
        return [
            m
            for m in smtp.messages
            if "opened a case" in str(m["Subject"]) or "follow-up" in str(m["Subject"])
        ]

    wait_until(lambda: len(case_mail()) >= 2, "the receipt and the team's alert")
    assert sorted(m["To"].addresses[0].addr_spec for m in case_mail()) == sorted(
        [db.session.get(User, customer_id).email, staff.email]
    )


def test_two_web_processes_run_a_periodic_job_once_per_period(app, database_url, web_app, monkeypatch):
    runs = []
    probe = jobs.Job("fault_probe", timedelta(hours=1), lambda now: runs.append(now) or len(runs))
    table = {"dispatch_outbox": jobs.JOBS["dispatch_outbox"], "fault_probe": probe}
    monkeypatch.setattr(jobs, "JOBS", table)
    monkeypatch.setattr(embedded, "JOBS", table)
    schedulers = [web_app().extensions["kontento.scheduler"] for _ in range(2)]
    for scheduler in schedulers:
        scheduler.start()
    for _ in range(3):  # several ticks each, all within the hour
        targets = [s.ticks + 1 for s in schedulers]
        for scheduler in schedulers:
            scheduler.kick()
        wait_until(lambda t=targets: all(s.ticks >= n for s, n in zip(schedulers, t, strict=True)), "a tick")
    for scheduler in schedulers:
        scheduler.stop()
    ticks = sum(s.ticks for s in schedulers)
    db.session.rollback()
    last = db.session.get(JobRun, "fault_probe")
    report(
        "embedded-two-schedulers", database_url, jobs=1, ticks=ticks, runs=len(runs), duplicates=len(runs) - 1
    )
    assert ticks >= 6
    assert len(runs) == 1
    assert last.last_result == "1" and last.last_error == ""


def test_a_published_notice_is_mailed_by_the_embedded_worker_right_after_the_commit(
    app, database_url, make, smtp, web_app
):
    from feedback.core.time import utcnow
    from feedback.notices.models import Notice
    from feedback.notices.services import NoticeDraft, publish, save_notice

    customers = [make.customer() for _ in range(3)]
    manager_id = make.manager().id
    web = web_app(MAIL_PORT=smtp.port)
    with web.app_context():
        manager = db.session.get(User, manager_id)
        soon = utcnow() + timedelta(days=2)
        draft = NoticeDraft(
            kind="maintenance", title="Router swap", starts_at=soon, ends_at=soon + timedelta(hours=1)
        )
        notice_id = save_notice(None, manager, draft, utcnow()).id
        publish(db.session.get(Notice, notice_id), manager, utcnow())
        db.session.commit()  # wakes the thread: notice mail job, then the dispatcher
        db.session.remove()

    def notice_mail():  # the thread also runs its periodic jobs (the NPS survey, …)
        return [m for m in smtp.messages if "Router swap" in str(m["Subject"])]

    wait_until(lambda: len(notice_mail()) >= len(customers), "the notice mail to go out")
    assert sorted(m["To"].addresses[0].addr_spec for m in notice_mail()) == sorted(c.email for c in customers)
