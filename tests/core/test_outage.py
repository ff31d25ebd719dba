"""A shared service that keeps failing is reported once a period, not once per request."""

import logging

from feedback.core.outage import OutageLog


def test_an_outage_is_logged_once_then_once_a_period_with_the_quiet_count(caplog):
    log = OutageLog(logging.getLogger("kontento.test.outage"), every=60)
    error = ConnectionError("Connection refused")

    with caplog.at_level(logging.WARNING, logger="kontento.test.outage"):
        logged = [log.failed("waking the worker", error, now=t) for t in (0, 1, 30, 59.9)]
        logged.append(log.failed("checking Redis", error, now=2))  # another step: its own warning
        logged.append(log.failed("waking the worker", error, now=60))

    assert logged == [True, False, False, False, True, True]
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "waking the worker failed (ConnectionError: Connection refused); carrying on without it",
        "checking Redis failed (ConnectionError: Connection refused); carrying on without it",
        "waking the worker failed (ConnectionError: Connection refused); carrying on without it"
        " (3 more failures since the last warning)",
    ]
