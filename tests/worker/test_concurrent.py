"""Two real workers at once: each e-mail goes once, each SLA escalation is recorded and mailed once."""

import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.followups.models import SlaEscalation
from tests.conftest import T0

from .conftest import all_settled, delivery_counts, outbox, queue_rows, report, wait_until

# Celery worker processes read and write the database: they must see committed rows.
pytestmark = pytest.mark.real_commits

DISPATCH = "kontento.dispatch_outbox"
H = timedelta(hours=1)


def test_two_dispatchers_on_a_slow_server_send_each_message_once(app, database_url, smtp, broker, workers):
    """The second dispatcher starts when the first has held its batch longer than the lease:
    it may take over rows the first has not reached, never one the first goes on to send."""
    ids = set(queue_rows(30))
    smtp.delay = 0.1  # one batch of 20 takes longer than the 1 s lease
    first, second = workers.start_many(["a", "b"], smtp.port, queues=["fault-a", "fault-b"])
    broker.send_task(DISPATCH, queue="fault-a")
    wait_until(
        lambda: len(smtp.messages) >= 15, "the first dispatcher to be well into its batch", logs=[first]
    )
    broker.send_task(DISPATCH, queue="fault-b")
    wait_until(lambda: all_settled(ids), "every message to be sent", logs=[first, second])
    for worker in (first, second):
        wait_until(
            lambda w=worker: w.task_lines(DISPATCH, "succeeded"), f"{worker.name} to finish", logs=[worker]
        )
    counts = delivery_counts(smtp, ids)
    report("two-dispatchers", database_url, jobs=2, kills=0, **counts)
    assert counts == {"sent": 30, "duplicates": 0, "lost": 0}


FOLLOWUPS_PER_PRIORITY = 8
# At T0 + 58 h, follow-ups opened at T0 (docs/metrics.md policies): critical and high have breached
# first response, resolution and the 24 h attention ceiling; normal has breached first response
# and attention, and passed 80 % of its 72 h resolution (57.6 h), a warning. Every breached
# deadline is also past twice its span (48 h at most), the last level: the managers are told.
SWEEP_AT = T0 + 58 * H
BREACHES = FOLLOWUPS_PER_PRIORITY * (3 + 3 + 2)
WARNINGS = FOLLOWUPS_PER_PRIORITY * 1
ESCALATIONS = BREACHES
LEVELS = BREACHES + WARNINGS + ESCALATIONS


@pytest.mark.postgres
def test_two_workers_sweeping_at_once_escalate_and_mail_each_breach_once(
    app, database_url, make, smtp, broker, redis_client, workers
):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: SQLite has no row locks, so two sweeps cannot overlap there")
    make.manager()  # breach alerts go to managers
    make.staff()  # warnings go to the team when nobody has the case
    customer = make.customer()
    for _ in range(FOLLOWUPS_PER_PRIORITY):
        make.rating(customer, csat=1, category="uptime", now=T0)  # critical
        make.rating(customer, csat=2, now=T0)  # high
        make.rating(customer, csat=4, nps=0, now=T0)  # normal
    followups = 3 * FOLLOWUPS_PER_PRIORITY
    mail_before = set(outbox())

    first, second = workers.start_many(
        ["a", "b"], smtp.port, app="tests.worker.probe_app", queues=["kontento,fault-a", "kontento,fault-b"]
    )
    # Small batches, so the two sweeps interleave row by row instead of one taking everything.
    args = (SWEEP_AT.isoformat(), "fault:barrier", 2, 3)
    broker.send_task("kontento_test.sweep_together", args=args, queue="fault-a")
    broker.send_task("kontento_test.sweep_together", args=args, queue="fault-b")
    wait_until(lambda: redis_client.llen("fault:barrier:results") == 2, "both sweeps", logs=[first, second])
    results = [json.loads(r) for r in redis_client.lrange("fault:barrier:results", 0, -1)]

    escalations = db.session.execute(
        select(SlaEscalation.followup_id, SlaEscalation.target, SlaEscalation.level, SlaEscalation.due_at)
    ).all()
    db.session.rollback()
    assert sum(r["checked"] for r in results) == followups  # each follow-up handled by one sweep
    assert all(r["checked"] for r in results), results  # and both really swept
    assert sum(r["breaches"] for r in results) == BREACHES
    assert sum(r["warnings"] for r in results) == WARNINGS
    assert sum(r["escalations"] for r in results) == ESCALATIONS
    assert len(escalations) == len(set(escalations)) == LEVELS

    # Each sweep's commit woke the dispatcher on a worker; both send at once.
    mail = {i: row for i, row in outbox().items() if i not in mail_before}
    kinds = Counter(row.kind for row in mail.values())
    assert kinds == {
        "followups/sla_breach": BREACHES,
        "followups/sla_warning": WARNINGS,
        "followups/sla_escalated": ESCALATIONS,
    }
    everything = set(outbox())
    wait_until(lambda: all_settled(everything), "every e-mail to be sent", logs=[first, second])
    counts = delivery_counts(smtp, everything)
    escalation_mail = delivery_counts(smtp, set(mail))
    kicks = sum(len(w.task_lines(DISPATCH, "succeeded")) for w in (first, second))
    report(
        "two-sweepers",
        database_url,
        jobs=2 + kicks,
        kills=0,
        escalations=len(escalations),
        split="/".join(str(r["checked"]) for r in results),
        **escalation_mail,
    )
    assert escalation_mail == {"sent": LEVELS, "duplicates": 0, "lost": 0}
    assert counts["duplicates"] == counts["lost"] == 0
    assert db.session.scalar(select(func.count()).select_from(SlaEscalation)) == LEVELS
