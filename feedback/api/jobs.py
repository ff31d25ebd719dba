"""The API's periodic job: delete Idempotency-Key rows past their 24 hours (``idempotency.py``).

An expired key is already ignored when a request sends it again; this only keeps the table to
the keys that could still answer a retry.
"""

from datetime import timedelta

from ..core.jobs import Job, committing
from .idempotency import purge_expired_keys

PURGE_IDEMPOTENCY_KEYS = Job("purge_idempotency_keys", timedelta(hours=1), committing(purge_expired_keys))
