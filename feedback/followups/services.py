"""Writes on follow-ups. Every action recomputes the deadlines and adds a timeline event.

Functions add and flush; the request (or CLI command) commits once.
"""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ..auth.models import Plan, User
from ..core.time import utcnow
from ..extensions import db
from . import notify
from .models import (
    ACTIVE_STATUSES,
    EventKind,
    Followup,
    FollowupEvent,
    FollowupStatus,
    Priority,
)
from .policies import policy_for, policy_for_new
from .routing import Outcome
from .signals import followup_resolved
from .sla import Policy, apply_deadlines

MAX_BODY = 10_000


class FollowupError(ValueError):
    """An action that the follow-up's current state does not allow."""


def _event(
    fu: Followup, kind: EventKind, actor: User | None, now: datetime, body: str = "", detail: str = ""
):
    event = FollowupEvent(followup=fu, kind=kind, actor=actor, body=body, detail=detail, created_at=now)
    db.session.add(event)
    return event


def _refresh(fu: Followup) -> None:
    apply_deadlines(fu, policy_for(fu))
    db.session.flush()


def _clock_seconds(fu: Followup, start: datetime, end: datetime) -> int:
    """Whole seconds between ``start`` and ``end`` on the case's clock (working time on a
    business-hours policy): what a pause adds to its resolution deadline."""
    return max(0, int(policy_for(fu, end).clock.between(start, end).total_seconds()))


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise FollowupError(_l("Write a message first."))
    if len(body) > MAX_BODY:
        raise FollowupError(_l("Messages are limited to %(limit)d characters.", limit=MAX_BODY))
    return body


def _require_open(fu: Followup) -> None:
    if not fu.is_open:
        raise FollowupError(_l("This follow-up is resolved; reopen it first."))


def new_followup(
    feedback: "Feedback",  # noqa: F821
    routed: Outcome | Priority,
    now: datetime,
    policy: Policy,
    sla_policy_id: int | None = None,
) -> Followup:
    """The follow-up for ``feedback`` with its deadlines and its "created" event, built but not
    added to the session: ``open_followup`` adds it, the rating write inserts it with Core.
    ``routed``: what routing decided (or just a priority); ``policy`` the SLA policy (row
    ``sla_policy_id``) for that priority, the customer's plan and the team."""
    if not isinstance(routed, Outcome):
        routed = Outcome(routed)
    fu = Followup(
        feedback=feedback,
        customer=feedback.customer,
        customer_id=feedback.customer_id,
        priority=routed.priority,
        team_id=routed.team_id,
        assignee_id=routed.assignee_id,
        sla_policy_id=sla_policy_id,
        status=FollowupStatus.OPEN,
        created_at=now,
        attention_since=now,
        paused_seconds=0,
    )
    priority = routed.priority
    apply_deadlines(fu, policy)
    FollowupEvent(followup=fu, kind=EventKind.CREATED, actor=None, detail=priority.value, created_at=now)
    return fu


def open_followup(
    feedback: "Feedback",  # noqa: F821  (surveys' model: surveys build on follow-ups)
    routed: Outcome | Priority,
    now: datetime | None = None,
    plan: Plan | None = None,
) -> Followup:
    """Open the follow-up for negative feedback, with its deadlines computed from ``now`` on the
    policy for its priority and the customer's ``plan``.

    ``feedback`` may still be pending (not flushed): the follow-up is flushed with it.
    """
    now = now or utcnow()
    if not isinstance(routed, Outcome):
        routed = Outcome(routed)
    # Read before the new row exists, so autoflush has nothing half-built.
    policy, policy_id = policy_for_new(routed.priority, plan, routed.team_id, now)
    fu = new_followup(feedback, routed, now, policy, policy_id)
    db.session.add(fu)
    db.session.add_all(fu.events)
    db.session.flush()
    return fu


def claim(fu: Followup, staff: User, now: datetime | None = None) -> None:
    """Take the follow-up on oneself."""
    assign(fu, staff, staff, now)


def assign(fu: Followup, actor: User, assignee: User | None, now: datetime | None = None) -> None:
    """Assign to a staff member (or unassign with None)."""
    now = now or utcnow()
    if assignee is not None and not assignee.is_staff:
        raise FollowupError(_l("Follow-ups can only be assigned to staff."))
    if fu.assignee_id == (assignee.id if assignee else None):
        return
    fu.assignee = assignee
    if assignee is not None and assignee.id == actor.id:
        _event(fu, EventKind.CLAIMED, actor, now)
    else:
        _event(fu, EventKind.ASSIGNED, actor, now, detail=assignee.name if assignee else "")
    db.session.flush()
    notify.assigned(fu, actor, assignee, now)


def staff_reply(fu: Followup, staff: User, body: str, now: datetime | None = None) -> FollowupEvent:
    """A public reply: answers the first response / next reply and resets the 24 h clock."""
    now = now or utcnow()
    body = _clean_body(body)
    _require_open(fu)
    if fu.assignee_id is None:
        claim(fu, staff, now)
    if fu.first_response_at is None:
        fu.first_response_at = now
        if now > fu.first_response_due:
            fu.first_response_breached = True
            fu.breached = True
    elif fu.next_reply_due is not None and now > fu.next_reply_due:
        fu.breached = True
    fu.awaiting_reply_since = None
    fu.attention_since = now
    event = _event(fu, EventKind.PUBLIC_REPLY, staff, now, body=body)
    _refresh(fu)
    notify.public_reply(fu, event, now)
    return event


# What may follow a public reply in the same action ("Send and wait", "Send and resolve").
AFTER_REPLY = ("waiting", "resolve")


def staff_reply_then(
    fu: Followup, staff: User, body: str, then: str | None, now: datetime | None = None
) -> FollowupEvent:
    """A public reply, then (``then``) the case waits on the customer or is resolved: one action,
    one transaction, the reply's event first. A ``then`` the case's state does not allow refuses
    the whole action, reply included."""
    now = now or utcnow()
    if then is not None and then not in AFTER_REPLY:
        raise ValueError(f"unknown follow-up action after a reply: {then!r}")
    if then == "waiting" and fu.status != FollowupStatus.OPEN:
        raise FollowupError(_l("Only an open follow-up can wait on the customer."))
    event = staff_reply(fu, staff, body, now)
    if then == "waiting":
        set_waiting(fu, staff, now)
    elif then == "resolve":
        resolve(fu, staff, now)
    return event


def internal_note(fu: Followup, staff: User, body: str, now: datetime | None = None) -> FollowupEvent:
    """A note for staff only; it never counts as a response."""
    now = now or utcnow()
    event = _event(fu, EventKind.INTERNAL_NOTE, staff, now, body=_clean_body(body))
    db.session.flush()
    return event


def _resume_clock(fu: Followup, now: datetime) -> None:
    if fu.paused_at is not None:
        fu.paused_seconds += _clock_seconds(fu, fu.paused_at, now)
        fu.paused_at = None


def reopen_by_customer_until(fu: Followup) -> datetime | None:
    """Until when the customer may answer this resolved case, which reopens it
    (``CUSTOMER_REOPEN_DAYS`` after it was resolved); None while it is open."""
    if fu.is_open or fu.resolved_at is None:
        return None
    return fu.resolved_at + timedelta(days=current_app.config["CUSTOMER_REOPEN_DAYS"])


def customer_reply(fu: Followup, customer: User, body: str, now: datetime | None = None) -> FollowupEvent:
    """The customer writes back: starts the next-reply clock and ends any wait on them. On a
    case resolved less than ``CUSTOMER_REOPEN_DAYS`` ago the message reopens it; later it is
    refused (the customer leaves new feedback, which opens a new case)."""
    now = now or utcnow()
    body = _clean_body(body)
    if not fu.is_open:
        until = reopen_by_customer_until(fu)
        if until is None or now > until:
            raise FollowupError(
                _l(
                    "This case was resolved too long ago to reopen. "
                    "Leave new feedback from your dashboard and we will open a new case."
                )
            )
        reopen(fu, customer, now)
    if fu.status == FollowupStatus.WAITING:
        _resume_clock(fu, now)
        fu.status = FollowupStatus.OPEN
    if fu.awaiting_reply_since is None:
        fu.awaiting_reply_since = now
    event = _event(fu, EventKind.CUSTOMER_REPLY, customer, now, body=body)
    _refresh(fu)
    return event


def set_waiting(fu: Followup, staff: User, now: datetime | None = None) -> None:
    """Mark as waiting on the customer: the resolution clock pauses."""
    now = now or utcnow()
    if fu.status != FollowupStatus.OPEN:
        raise FollowupError(_l("Only an open follow-up can wait on the customer."))
    fu.status = FollowupStatus.WAITING
    fu.paused_at = now
    _event(fu, EventKind.WAITING, staff, now)
    _refresh(fu)


def resume(fu: Followup, staff: User, now: datetime | None = None) -> None:
    """Staff take the follow-up off "waiting on customer"; the resolution clock runs again."""
    now = now or utcnow()
    if fu.status != FollowupStatus.WAITING:
        raise FollowupError(_l("This follow-up is not waiting on the customer."))
    _resume_clock(fu, now)
    fu.status = FollowupStatus.OPEN
    _event(fu, EventKind.RESUMED, staff, now)
    _refresh(fu)


def resolve(fu: Followup, staff: User, now: datetime | None = None, body: str = "") -> None:
    """Resolve: stops every clock and records whether the resolution deadline was met."""
    now = now or utcnow()
    _require_open(fu)
    _resume_clock(fu, now)
    fu.status = FollowupStatus.RESOLVED
    fu.resolved_at = now
    fu.awaiting_reply_since = None
    _refresh(fu)
    if now > fu.resolution_due:
        fu.resolution_breached = True
        fu.breached = True
    _event(fu, EventKind.RESOLVED, staff, now, body=(body or "").strip()[:MAX_BODY])
    db.session.flush()
    followup_resolved.send(fu, now=now)  # surveys ask the customer how it went


def reopen(fu: Followup, actor: User, now: datetime | None = None) -> None:
    """Reopen a resolved follow-up; time spent resolved does not count against resolution."""
    now = now or utcnow()
    if fu.is_open:
        raise FollowupError(_l("This follow-up is already open."))
    fu.paused_seconds += _clock_seconds(fu, fu.resolved_at, now)
    fu.status = FollowupStatus.OPEN
    fu.resolved_at = None
    fu.attention_since = now
    _event(fu, EventKind.REOPENED, actor, now)
    _refresh(fu)


def recheck_open_cases(*conditions, now: datetime | None = None) -> int:
    """Have the next sweep work out again the deadlines of the open cases meeting ``conditions``
    (after a change of their policy, their team's calendar, or the escalation levels): their next
    check becomes ``now``, so deadlines, queue badges and escalations follow the change within a
    sweep, not at the old moment. How many cases."""
    now = now or utcnow()
    result = db.session.execute(
        update(Followup)
        .where(Followup.status.in_(ACTIVE_STATUSES), *conditions)
        .values(next_check_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
