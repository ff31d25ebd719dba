"""The imports' job: run the queued subscription imports (woken by each upload's commit)."""

from datetime import timedelta

from ..core.jobs import Job, committing
from .imports import JOB, run_queued

SUBSCRIPTION_IMPORTS = Job(JOB, timedelta(minutes=1), committing(run_queued))
