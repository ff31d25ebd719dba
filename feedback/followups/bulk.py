"""Bulk actions from the staff queue: one action applied to each selected case.

Each case goes through the same service as on its own page (services.py), so each gets its own
timeline event with the person acting as its actor, and its own notifications; the request
commits once for all of them. A case the action does not fit (resolving a resolved one) is
skipped and counted with why, rather than refusing the lot.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import User
from ..core.time import utcnow
from ..extensions import db
from ..teams.queries import workable_teams
from . import services
from .models import Followup

MAX_CASES = 100  # a page of the queue holds fewer; more in one request is not from the page

# The actions, and why a case is skipped: the one refusal (FollowupError) each service has, or for
# "assign" a case already with that person.
SKIPPED_BECAUSE = {
    "assign": _l("already assigned so"),
    "waiting": _l("not open"),
    "resume": _l("not waiting on the customer"),
    "resolve": _l("already resolved"),
}
ACTIONS = tuple(SKIPPED_BECAUSE)
NOT_FOUND = _l("not found")
OTHER_TEAM = _l("another team's case")


class BulkError(ValueError):
    """A bulk request refused as a whole: nothing was changed."""


@dataclass
class BulkResult:
    """What a bulk action did: how many cases changed, and the skipped ones by reason."""

    updated: int = 0
    skipped: Counter = field(default_factory=Counter)


def apply(
    action: str,
    case_ids: list[int],
    actor: User,
    assignee: User | None = None,
    now: datetime | None = None,
) -> BulkResult:
    """Apply ``action`` (one of ``ACTIONS``) to the cases ``case_ids``, as ``actor``; "assign"
    gives them to ``assignee`` (None: unassigned). Ids of no case are skipped as not found.
    Raise :class:`BulkError` for no case or more than ``MAX_CASES``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown bulk action: {action!r}")
    case_ids = list(dict.fromkeys(case_ids))  # a case ticked twice is one case
    if not case_ids:
        raise BulkError(_l("Select at least one case."))
    if len(case_ids) > MAX_CASES:
        raise BulkError(_l("At most %(limit)d cases at a time.", limit=MAX_CASES))
    now = now or utcnow()
    found = {fu.id: fu for fu in db.session.scalars(select(Followup).where(Followup.id.in_(case_ids)))}
    allowed = workable_teams(actor)  # as on each case's page: other teams' cases are read-only
    result = BulkResult()
    for case_id in case_ids:
        fu = found.get(case_id)
        if fu is None:
            result.skipped[NOT_FOUND] += 1
            continue
        theirs = fu.assignee_id == actor.id  # the assignee works their case, whatever its team
        if fu.team_id is not None and allowed is not None and fu.team_id not in allowed and not theirs:
            result.skipped[OTHER_TEAM] += 1
            continue
        try:
            changed = _apply_one(action, fu, actor, assignee, now)
        except services.FollowupError:
            # Each service refuses before it changes anything: a skipped case is left as it was.
            changed = False
        if changed:
            result.updated += 1
        else:
            result.skipped[SKIPPED_BECAUSE[action]] += 1
    return result


def _apply_one(action: str, fu: Followup, actor: User, assignee: User | None, now: datetime) -> bool:
    """Apply ``action`` to ``fu``; whether it changed anything."""
    if action == "assign":
        if fu.assignee_id == (assignee.id if assignee else None):
            return False
        services.assign(fu, actor, assignee, now)
    elif action == "waiting":
        services.set_waiting(fu, actor, now)
    elif action == "resume":
        services.resume(fu, actor, now)
    else:
        services.resolve(fu, actor, now)
    return True
