"""The embedded worker: one scheduler thread per web process, no extra service needed.

Several web processes may each run one; the periodic jobs claim their period in the
``job_runs`` table (see :func:`.jobs.claim_run`), so each runs once per period in all, and
the dispatcher claims outbox rows, so no e-mail goes twice.
"""

import logging
import threading

from flask import Flask

from ..extensions import db
from .jobs import JOBS, run_job

log = logging.getLogger(__name__)
TICK_SECONDS = 20


class EmbeddedScheduler:
    """Runs every periodic job on its period, and the dispatcher whenever woken."""

    def __init__(self, app: Flask):
        self.app = app
        self.ticks = 0  # loops completed, for health checks and tests
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._soon: set[str] = set()  # jobs asked for by a commit, run at the next wake-up

    def start(self) -> None:
        """Start the thread (once)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._loop, name="kontento-scheduler", daemon=True)
        self._thread.start()

    def kick(self) -> None:
        """Mail was committed: send it now rather than at the next tick."""
        self.start()
        self._wake.set()

    def run_soon(self, job: str) -> None:
        """A commit left ``job`` work: run it now rather than on its schedule."""
        with self._lock:
            self._soon.add(job)
        self.kick()

    def stop(self, timeout: float = 10.0) -> None:
        """Let the thread finish its current tick and end (tests, orderly shutdown)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            # Clear only a wake-up we act on: one arriving after this check stays set and
            # makes the wait below return at once, so no kick is lost.
            woken = self._wake.is_set()
            if woken:
                self._wake.clear()
            with self.app.app_context():
                try:
                    if woken:
                        with self._lock:
                            soon, self._soon = self._soon, set()
                        for name in sorted(soon):
                            self._run(name, claim=False)
                        self._run("dispatch_outbox", claim=False)  # last: the jobs may have queued mail
                    for name in list(JOBS):
                        if self._stopping.is_set():
                            break
                        self._run(name)
                except Exception:  # the database is gone: try again next tick
                    log.exception("embedded scheduler tick failed")
                finally:
                    db.session.remove()
            self.ticks += 1
            self._wake.wait(TICK_SECONDS)

    @staticmethod
    def _run(name: str, claim: bool = True) -> None:
        # One failing job must not keep the jobs after it from running (or stop the thread).
        try:
            run_job(name, claim=claim)
        except Exception:  # logged and recorded in job_runs by run_job
            log.warning("embedded job %s failed", name, exc_info=True)
            db.session.rollback()
