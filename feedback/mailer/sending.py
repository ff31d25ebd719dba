"""The state the sender threads of one dispatcher run share (see :mod:`.dispatch`)."""

import threading
import time
from datetime import datetime, timedelta


class SendRun:
    """What the sender threads of one dispatcher run share: the clock, the count, the stop."""

    def __init__(self, now: datetime, limit: int | None, seconds: float):
        self.now = now
        self.limit = limit
        self.started = time.monotonic()
        self.seconds = seconds
        self.handled = 0
        self.stopped = False  # the server is unreachable: every thread stops
        self.out_of_time = False
        self.lock = threading.Lock()

    def clock(self) -> datetime:
        # ``now`` moved on by the time this run has taken: claims and renewals are stamped
        # with it, so a lease counts from when a row was last touched, not from the start.
        return self.now + timedelta(seconds=time.monotonic() - self.started)

    def take(self, batch: int) -> int:
        """Reserve up to ``batch`` rows of the run's limit for the calling thread (0: stop)."""
        with self.lock:
            if self.stopped:
                return 0
            if time.monotonic() - self.started >= self.seconds:
                self.out_of_time = True
                return 0
            if self.limit is not None:
                batch = max(min(batch, self.limit - self.handled), 0)
            self.handled += batch
            return batch

    def give_back(self, unused: int) -> None:
        """Return what a thread reserved but did not claim (fewer rows were due)."""
        with self.lock:
            self.handled -= unused

    def stop(self) -> bool:
        """Stop every thread; True for the first caller (it alone spends an attempt on an outage)."""
        with self.lock:
            first, self.stopped = not self.stopped, True
            return first
