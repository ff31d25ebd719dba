"""The accounts' periodic job: delete expired sessions (``sessions.prune_sessions``).

An expired session already fails at sign-in time; this only keeps the table to the
sessions that could still be used.
"""

from datetime import timedelta

from ..core.jobs import Job, committing
from .sessions import prune_sessions

PRUNE_SESSIONS = Job("prune_sessions", timedelta(hours=1), committing(prune_sessions))
