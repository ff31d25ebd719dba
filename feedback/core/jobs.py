"""What a periodic job is. Each feature declares its own jobs beside its code (for example
``followups/jobs.py``); the worker collects them into its table with plain imports.

Every job takes ``now`` and is idempotent: running it twice, or late, changes nothing more
than running it once on time (a job that did not run for a day catches up when it resumes).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

from ..extensions import db


@dataclass(frozen=True)
class Job:
    """A periodic job: its name, its period, and its function (taking ``now``)."""

    name: str
    every: timedelta
    run: Callable[[datetime], object]


def committing(function: Callable[[datetime], object]) -> Callable[[datetime], object]:
    """``function`` followed by a commit of whatever it left pending.

    Services add and flush and leave the commit to their caller; for a job, the caller is
    this wrapper. A job that commits as it goes (a batch per commit) ends with nothing left,
    and the final commit costs nothing.
    """

    @wraps(function)
    def run(now: datetime) -> object:
        result = function(now)
        db.session.commit()
        return result

    return run
