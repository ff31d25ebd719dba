"""Celery entry point for the concurrency fault tests: ``celery -A tests.worker.probe_app worker``.

The real worker (``make_celery``) plus one test-only task that makes several workers start
an SLA sweep at the same instant, as two beats firing together would, and report what each did.
"""

import json
import time
from datetime import datetime

import redis
from sqlalchemy import text

from feedback.extensions import db
from feedback.followups.jobs import sweep
from make_celery import celery_app, flask_app


@celery_app.task(name="kontento_test.sweep_together")
def sweep_together(now: str, barrier: str, parties: int, batch_size: int) -> str:
    """Wait until ``parties`` workers are here, sweep at ``now``, commit, report to Redis."""
    client = redis.Redis.from_url(flask_app.config["REDIS_URL"])
    try:
        db.session.execute(text("SELECT 1"))  # connect first: the sweeps start at the barrier
        db.session.rollback()
        client.incr(barrier)
        deadline = time.monotonic() + 15
        while int(client.get(barrier)) < parties:
            if time.monotonic() > deadline:
                raise TimeoutError("the other sweeper never came")
            time.sleep(0.001)
        result = sweep(datetime.fromisoformat(now), batch_size=batch_size)
        db.session.commit()
        summary = {
            "checked": result.checked,
            "warnings": result.warnings,
            "breaches": result.breaches,
            "escalations": result.escalations,
        }
        client.rpush(f"{barrier}:results", json.dumps(summary))
        return json.dumps(summary)
    finally:
        db.session.remove()
        client.close()
