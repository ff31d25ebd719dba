"""Wake-ups coalesced per process (feedback/worker/wake.py): under a burst of commits a process
asks Redis about a job at most once per WAKE_COALESCE_SECONDS, and owes one wake-up at the end
of the span, so the burst's last rows are not left for the job's next period."""

import pytest

from feedback.worker import wake


@pytest.fixture
def woken(app, monkeypatch):
    """The wake-ups sent (past the Redis check), and the timers set for owed ones."""
    monkeypatch.setitem(app.config, "WORKER_MODE", "celery")
    monkeypatch.setitem(app.config, "WAKE_COALESCE_SECONDS", 1.0)
    app.extensions.pop("kontento.wake_coalesce", None)
    sent, timers = [], []
    monkeypatch.setattr(wake, "_mark_pending", lambda app, job: sent.append(job) or True)
    monkeypatch.setattr(wake, "_wake", lambda task, args, embedded, what: None)

    class Timer:
        def __init__(self, delay, function, args):
            timers.append((delay, function, args))
            self.daemon = False

        def start(self):
            pass

    monkeypatch.setattr(wake.threading, "Timer", Timer)
    yield sent, timers
    app.extensions.pop("kontento.wake_coalesce", None)


def test_a_burst_asks_redis_once_and_owes_one_wake_up_at_the_end_of_the_span(app, woken):
    sent, timers = woken
    assert not wake._coalesced(app, "feedback_receipts", 100.0)  # the first asks at once
    assert wake._coalesced(app, "feedback_receipts", 100.25)
    assert wake._coalesced(app, "feedback_receipts", 100.75)  # one owed wake-up, not two
    assert [round(delay, 2) for delay, *_ in timers] == [0.75]
    assert not wake._coalesced(app, "notice_mail", 100.5)  # each job has its own span

    _, function, args = timers[0]
    function(*args)  # the timer fires: the owed wake-up goes (its own span starts then)
    assert sent == ["feedback_receipts"]
    assert not wake._coalesced(app, "feedback_receipts", 1e9)  # a span later: at once again


def test_off_when_the_span_is_zero(app, woken, monkeypatch):
    sent, timers = woken
    monkeypatch.setitem(app.config, "WAKE_COALESCE_SECONDS", 0)
    assert [wake._coalesced(app, "feedback_receipts", 100.0 + i / 10) for i in range(3)] == [False] * 3
    assert timers == []
