"""``/api/v1/announcements``: the notices a hosting panel shows its customer (or staff, all)."""

from flask import jsonify

from ..notices.models import Notice
from ..notices.queries import affects, state, status_page
from .auth import api_user
from .blueprint import bp, request_now
from .serializers import iso


def _notice(notice: Notice, now, affects_you: bool | None) -> dict:
    return {
        "id": notice.id,
        "kind": notice.kind.value,
        "title": notice.title,
        "body": notice.body,
        "state": state(notice, now),
        "starts_at": iso(notice.starts_at),
        "ends_at": iso(notice.ends_at),
        "expected_downtime_minutes": notice.expected_downtime_minutes,
        "resolved_at": iso(notice.resolved_at),
        "affects_you": affects_you,
        "updates": [{"body": u.body, "created_at": iso(u.created_at)} for u in notice.updates],
    }


@bp.get("/announcements")
def announcements():
    """Current, upcoming and recently ended notices. Customers get those affecting them."""
    user, now = api_user(), request_now()
    page = status_page(now)
    notices = [*page.current, *page.upcoming, *page.recent]
    if user.is_customer:
        account = user.account
        plan, server = (account.plan, account.server) if account else (None, None)
        items = [_notice(n, now, True) for n in notices if affects(n, plan, server)]
    else:
        items = [_notice(n, now, None) for n in notices]
    return jsonify({"items": items})
