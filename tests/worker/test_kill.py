"""SIGKILL a real Celery worker in the middle of a dispatch: the job comes back and every
message goes out exactly once."""

import os
import signal
from datetime import timedelta

import pytest

from feedback.core.time import utcnow
from feedback.mailer.models import OutboxStatus

from .conftest import LEASE, all_settled, delivery_counts, outbox, queue_rows, report, wait_until

# Celery worker processes read and write the database: they must see committed rows.
pytestmark = pytest.mark.real_commits

MESSAGES = 30
KILL_AFTER = 10
TASK = "kontento.dispatch_outbox"


def test_a_worker_killed_mid_job_loses_and_doubles_nothing(app, database_url, smtp, broker, workers):
    ids = set(queue_rows(MESSAGES))
    # Kill while the worker waits for the server's answer to a message: the server holds its
    # data but has not accepted it (the worst moment the dispatcher can see), so that message
    # must be sent again, once, and the ten before it never again.
    smtp.hold(KILL_AFTER + 1)
    first = workers.start("w1", smtp.port)
    job = broker.send_task(TASK).id
    wait_until(smtp.holding.is_set, f"{KILL_AFTER} messages and one more on the wire", logs=[first])
    first.kill()
    wait_until(lambda: smtp.dropped == 1, "the server to drop the message the dead worker was sending")
    smtp.release()
    assert len(smtp.messages) == KILL_AFTER
    assert first.task_lines(TASK, "received") == [job]
    assert first.task_lines(TASK, "succeeded") == []

    # Nobody sends the job again: Redis hands the unacknowledged task to the new worker.
    second = workers.start("w2", smtp.port)
    wait_until(lambda: all_settled(ids), "every message to be sent", logs=[first, second])
    wait_until(lambda: second.task_lines(TASK, "succeeded"), "the job to finish", logs=[second])
    counts = delivery_counts(smtp, ids)
    report("kill", database_url, jobs=1, kills=1, **counts)
    assert second.task_lines(TASK, "succeeded") == [job]  # the same job, completed once
    assert counts == {"sent": MESSAGES, "duplicates": 0, "lost": 0}


def test_a_pool_process_killed_mid_job_loses_and_doubles_nothing(app, database_url, smtp, broker, workers):
    """The default pool (prefork), and the usual way a worker dies: the OOM killer takes the
    pool process. The job goes back to the queue at once and runs again; rows the dead
    process had claimed wait out their lease and go with the next periodic dispatch."""
    ids = set(queue_rows(MESSAGES))
    smtp.hold(KILL_AFTER + 1)
    worker = workers.start("w1", smtp.port, pool="prefork")
    [child] = worker.children()
    job = broker.send_task(TASK).id
    wait_until(smtp.holding.is_set, f"{KILL_AFTER} messages and one more on the wire", logs=[worker])
    os.kill(child, signal.SIGKILL)
    wait_until(lambda: smtp.dropped == 1, "the server to drop the message the dead process was sending")
    smtp.release()
    wait_until(lambda: worker.task_lines(TASK, "succeeded"), "the job to run again", logs=[worker])
    assert worker.task_lines(TASK, "succeeded") == [job]  # the same job, completed once

    # What the dead process held is neither sent nor lost: claimed, until its lease runs out.
    def leases_ran_out():
        held = [r for r in outbox().values() if r.status == OutboxStatus.SENDING]
        return all(r.claimed_at < utcnow() - timedelta(seconds=LEASE) for r in held)

    wait_until(leases_ran_out, "the dead process's claims to expire", logs=[worker])
    broker.send_task("kontento.run_periodic", args=("dispatch_outbox",))  # what beat sends each minute
    wait_until(lambda: all_settled(ids), "every message to be sent", logs=[worker])
    counts = delivery_counts(smtp, ids)
    report("kill-pool-process", database_url, jobs=2, kills=1, **counts)
    assert "WorkerLostError" in worker.log()
    assert counts == {"sent": MESSAGES, "duplicates": 0, "lost": 0}
