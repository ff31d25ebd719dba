"""Degrading when a shared service (Redis) is unreachable: fail fast, carry on, log sparingly.

A request must never fail because Redis is down (house style, anti-pattern 10): rate limits
count in the process meanwhile and wake-ups are dropped for the periodic run to catch up.
What is left is telling the operator, once, not once per request: under load an outage would
otherwise write thousands of identical tracebacks.
"""

import logging
import threading
import time

# How long a shared service may keep failing before the same warning is written again.
REPEAT_SECONDS = 60.0


class OutageLog:
    """Warn about an unreachable service the first time, then at most once per ``every`` seconds.

    Each warning says how many failures were kept quiet since the previous one.
    """

    def __init__(self, logger: logging.Logger, every: float = REPEAT_SECONDS):
        self._log = logger
        self._every = every
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._quiet: dict[str, int] = {}

    def failed(self, what: str, exc: BaseException, now: float | None = None) -> bool:
        """Record one failure of ``what``; return True if it was logged (False: kept quiet)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            last = self._last.get(what)
            if last is not None and now - last < self._every:
                self._quiet[what] = self._quiet.get(what, 0) + 1
                return False
            self._last[what] = now
            quiet = self._quiet.pop(what, 0)
        # The exception's text, not its traceback: the cause is the service, not this code.
        self._log.warning(
            "%s failed (%s: %s); carrying on without it%s",
            what,
            type(exc).__name__,
            exc,
            f" ({quiet} more failures since the last warning)" if quiet else "",
        )
        return True
