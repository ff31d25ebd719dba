"""How a case's next deadline is put to staff: which one, and how long is left.

"First response in 42 minutes", "Resolution overdue by 3 hours": the nearest deadline still
running (the one the queue sorts on, ``Followup.due_at``), named, with the time left in words
of the viewer's language. Pages show the moment itself beside it, in the viewer's time zone.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import format_timedelta, gettext
from flask_babel import lazy_gettext as _l

from .models import Followup, SlaTarget

DEADLINE_NAMES = {
    SlaTarget.FIRST_RESPONSE: _l("First response"),
    SlaTarget.NEXT_REPLY: _l("Next reply"),
    SlaTarget.RESOLUTION: _l("Resolution"),
    SlaTarget.ATTENTION: _l("24 h update"),
}
# Weeks from two weeks, days from two days, hours from two hours, else minutes: "100 minutes",
# "47 hours", "2 days". The span is cut down to whole units of the one it is told in, and Babel is
# asked with the same threshold, so it tells that unit and that number: never rounded up.
_THRESHOLD = 2
_UNITS = (timedelta(weeks=1), timedelta(days=1), timedelta(hours=1), timedelta(minutes=1))


def _floored(span: timedelta) -> timedelta:
    """``span`` cut down to whole units of the one it is told in: 3 h 40 min reads "3 hours",
    never "4 hours", so the time left is never overstated."""
    for unit in _UNITS:
        if span >= unit * _THRESHOLD or unit == _UNITS[-1]:
            return unit * (span // unit)
    return span


@dataclass(frozen=True)
class NextDeadline:
    """The nearest running deadline of an open case."""

    target: SlaTarget
    due: datetime


def next_deadline(fu: Followup) -> NextDeadline | None:
    """The nearest deadline still running on ``fu``, from its stored deadlines (the ones
    ``sla.apply_deadlines`` keeps); None once resolved."""
    if not fu.is_open:
        return None
    running = []
    if fu.first_response_at is None:
        running.append(NextDeadline(SlaTarget.FIRST_RESPONSE, fu.first_response_due))
    elif fu.next_reply_due is not None:
        running.append(NextDeadline(SlaTarget.NEXT_REPLY, fu.next_reply_due))
    if fu.paused_at is None:
        running.append(NextDeadline(SlaTarget.RESOLUTION, fu.resolution_due))
    if fu.attention_due is not None:
        running.append(NextDeadline(SlaTarget.ATTENTION, fu.attention_due))
    return min(running, key=lambda d: d.due, default=None)


def deadline_phrase(fu: Followup, now: datetime) -> str:
    """ "First response in 42 minutes" or "Resolution overdue by 3 hours"; "" once resolved."""
    deadline = next_deadline(fu)
    if deadline is None:
        return ""
    name = DEADLINE_NAMES[deadline.target]
    span = format_timedelta(_floored(abs(deadline.due - now)), granularity="minute", threshold=_THRESHOLD)
    if deadline.due > now:
        return gettext("%(deadline)s in %(left)s", deadline=name, left=span)
    return gettext("%(deadline)s overdue by %(late)s", deadline=name, late=span)
