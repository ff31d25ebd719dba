"""``/api/v1/followups``: the staff queue and the actions on a case (same services as the pages)."""

from flask import jsonify

from ..followups import services
from ..followups.models import Followup, FollowupStatus
from ..followups.queries import QueueFilter, get_followup, queue
from ..teams.queries import may_work
from . import serializers
from .auth import api_user, staff_only
from .blueprint import bp, not_found, paginate, request_now
from .schemas import ASSIGNEES, FOLLOWUP_STATUSES, PRIORITIES, REPLY, RESOLVE, STATUS
from .validation import INT32_MAX, ApiError, QueryErrors, json_body, validate


def _followup_or_404(followup_id: int) -> Followup:
    fu = get_followup(followup_id) if followup_id <= INT32_MAX else None
    if fu is None:
        raise not_found("follow-up")
    return fu


def _workable_or_403(followup_id: int) -> Followup:
    """The case, when the token's user may act on it (as on the case page): staff read every
    team's cases but work their own teams' and those without a team, unless a manager allowed more."""
    fu = _followup_or_404(followup_id)
    if not may_work(api_user(), fu.team_id, fu.assignee_id):
        raise ApiError(403, "This case is in another team's queue: you can read it, its team works it.")
    return fu


def _conflict(exc: services.FollowupError) -> ApiError:
    # Bodies are validated before the services run, so what is left is the case's state.
    return ApiError(409, str(exc))


def _answer(fu: Followup, status: int = 200, event=None):
    """Answer with the case (and the event just added); the blueprint commits after the answer."""
    body = serializers.followup(fu, request_now(), with_timeline=True)
    if event is not None:
        body = {"event": serializers.event(event, staff=True), "followup": body}
    return jsonify(body), status


@bp.get("/followups")
@staff_only
def followup_list():
    """The queue, nearest deadline first, filtered by status, priority and assignee."""
    errors = QueryErrors()
    assignee = errors.choice("assignee", ASSIGNEES)
    flt = QueueFilter(
        status=errors.choice("status", FOLLOWUP_STATUSES, "active"),
        priority=errors.choice("priority", PRIORITIES),
        mine=assignee == "me",
        unassigned=assignee == "unassigned",
    )
    user, now = api_user(), request_now()
    result, next_url = paginate(queue(flt, user.id), errors)
    items = [serializers.followup(fu, now) for fu in result.items]
    return jsonify(serializers.page(result, items, next_url))


@bp.get("/followups/<int:followup_id>")
@staff_only
def followup_show(followup_id: int):
    """One case with its full timeline."""
    return _answer(_followup_or_404(followup_id))


@bp.post("/followups/<int:followup_id>/reply")
@staff_only
def followup_reply(followup_id: int):
    """A public reply to the customer, or an internal note."""
    fu = _workable_or_403(followup_id)
    data = validate(json_body(), REPLY)
    action = services.internal_note if data["internal"] else services.staff_reply
    try:
        event = action(fu, api_user(), data["body"], now=request_now())
    except services.FollowupError as exc:
        raise _conflict(exc) from exc
    return _answer(fu, 201, event=event)


@bp.post("/followups/<int:followup_id>/status")
@staff_only
def followup_status(followup_id: int):
    """ "waiting" on the customer, or "open" (resume a wait, reopen a resolved case)."""
    fu = _workable_or_403(followup_id)
    wanted = validate(json_body(), STATUS)["status"]
    user, now = api_user(), request_now()
    try:
        if wanted == "waiting":
            services.set_waiting(fu, user, now)
        elif fu.status == FollowupStatus.WAITING:
            services.resume(fu, user, now)
        else:
            # "open" on a resolved case reopens it; on an open one the service refuses (409).
            services.reopen(fu, user, now)
    except services.FollowupError as exc:
        raise _conflict(exc) from exc
    return _answer(fu)


@bp.post("/followups/<int:followup_id>/resolve")
@staff_only
def followup_resolve(followup_id: int):
    """Resolve the case, with an optional closing note."""
    fu = _workable_or_403(followup_id)
    data = validate(json_body(allow_empty=True), RESOLVE)
    try:
        services.resolve(fu, api_user(), request_now(), body=data["note"])
    except services.FollowupError as exc:
        raise _conflict(exc) from exc
    return _answer(fu)
