"""The worker's job table is what the features declare, with the names and periods of old:
Celery beat, the embedded scheduler and ``flask jobs`` all read it."""

from datetime import timedelta

from feedback.api.jobs import PURGE_IDEMPOTENCY_KEYS
from feedback.auth.jobs import PRUNE_SESSIONS
from feedback.followups.jobs import NEW_CASE_DIGESTS, PROGRESS_REPORTS, SLA_SWEEP
from feedback.ideas.jobs import IDEA_MAIL
from feedback.lifecycle.jobs import SUBSCRIPTION_IMPORTS
from feedback.mailer.dispatch import DISPATCH_OUTBOX
from feedback.notices.jobs import NOTICE_MAIL
from feedback.reports.digest import DAILY_DIGEST
from feedback.surveys.jobs import FEEDBACK_RECEIPTS, RELATIONSHIP_SURVEYS
from feedback.worker.jobs import JOBS

M, H = timedelta(minutes=1), timedelta(hours=1)

# Names are stored in job_runs and sent in tasks; periods are the product's promises.
EXPECTED = {
    "dispatch_outbox": M,
    "sla_sweep": M,
    "progress_reports": 5 * M,
    "relationship_surveys": H,
    "feedback_receipts": M,
    "new_case_digests": M,
    "notice_mail": M,
    "ideas": M,
    "daily_digest": H,
    "prune_sessions": H,
    "purge_idempotency_keys": H,
    "subscription_imports": M,
}


def test_every_feature_job_is_in_the_table_under_its_old_name_and_period():
    declared = [
        DISPATCH_OUTBOX,
        SLA_SWEEP,
        PROGRESS_REPORTS,
        RELATIONSHIP_SURVEYS,
        FEEDBACK_RECEIPTS,
        NEW_CASE_DIGESTS,
        NOTICE_MAIL,
        IDEA_MAIL,
        DAILY_DIGEST,
        PRUNE_SESSIONS,
        PURGE_IDEMPOTENCY_KEYS,
        SUBSCRIPTION_IMPORTS,
    ]
    assert {job.name: job.every for job in declared} == EXPECTED
    assert list(JOBS) == list(EXPECTED)  # the embedded scheduler runs them in this order
    for job in declared:
        assert JOBS[job.name] is job


def test_beat_schedules_each_job_by_name_and_the_task_names_stay(app):
    celery = app.extensions["celery"]
    assert celery.conf.beat_schedule == {
        name: {"task": "kontento.run_periodic", "schedule": every.total_seconds(), "args": (name,)}
        for name, every in EXPECTED.items()
    }
    assert {"kontento.run_periodic", "kontento.dispatch_outbox", "kontento.run_now"} <= set(celery.tasks)


def test_jobs_status_lists_every_job(runner):
    result = runner.invoke(args=["jobs", "status"])
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()] == list(EXPECTED)
