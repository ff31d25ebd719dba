"""Ideas report figures as pure functions: SQL aggregates (queries.py, ideas.ranking) → JSON-safe dicts."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...ideas.models import STATUSES
from ...ideas.ranking import RENEWAL_DAYS, ranking
from ..metrics import LOW_SAMPLE, ratio
from ..retention.metrics import month_bounds
from ..retention.queries import midnight
from . import queries as q

TOP = 10

DEFINITIONS = {
    "by_status": _l(
        "Ideas on the board at the end of each month (UTC; now, for the month under way), by the "
        "status they had then. Merged duplicates and hidden ideas are not counted."
    ),
    "answer_time": _l(
        "Time to first answer = median time from an idea being posted to its first official answer, over "
        "the ideas posted in the period that have one."
    ),
    "done_time": _l(
        "Time to done = median time from an idea being posted to it being marked done, over the ideas "
        "posted in the period that are done."
    ),
    "answered": _l(
        "Answered = ideas posted in the period with an official answer ÷ ideas posted in the period."
    ),
    "voters": _l(
        "Voting customers = active customer accounts that voted in the period ÷ active customer accounts "
        "(a subscription active at the end of the period, or an active login for accounts without "
        "subscriptions). Logins of one company count once."
    ),
    "top": _l(
        "Votes = customers (logins) voting; revenue = monthly revenue of the voting accounts (a company "
        "once), from their active subscriptions. Today's figures, whatever the period."
    ),
    "renewing": _l(
        "Renewing = voting accounts whose next renewal is within %(days)d days.", days=RENEWAL_DAYS
    ),
}


def definitions() -> dict[str, str]:
    """Every definition as a plain string in the current language."""
    return {k: str(v) for k, v in DEFINITIONS.items()}


def _figure(value, n: int) -> dict:
    return {"value": value, "n": int(n), "low_sample": int(n) < LOW_SAMPLE}


def _median_days(frame: pd.DataFrame, column: str) -> dict:
    """The median of ``column − created_at`` in days (one decimal) over the rows that have it."""
    spans = (pd.to_datetime(frame[column], utc=True) - pd.to_datetime(frame["created_at"], utc=True)).dropna()
    if spans.empty:
        return _figure(None, 0)
    days = spans.dt.total_seconds().median() / 86400
    return _figure(round(float(days), 1), len(spans))


def _top(now: datetime, sort: str) -> list[dict]:
    stmt = ranking(now, sort=sort).limit(TOP)
    return [
        {
            "id": r.Idea.id,
            "title": r.Idea.title,
            "status": r.Idea.status.value,
            "votes": int(r.votes),
            "accounts": int(r.accounts),
            "revenue": float(round(Decimal(r.revenue or 0), 2)),
        }
        for r in db.session.execute(stmt)
    ]


def ideas_report(start: date, end: date, now: datetime) -> dict:
    """Everything the ideas page, its chart and the API show for ``start``–``end`` (inclusive, UTC)."""
    start_at, end_at = midnight(start), midnight(end + timedelta(days=1))
    bounds = month_bounds(start, end)
    counts = {(i, getattr(s, "value", s)): n for i, s, n in q.statuses_at_month_ends(bounds)}
    months = [
        {"month": first.strftime("%Y-%m"), **{s.value: int(counts.get((i, s.value), 0)) for s in STATUSES}}
        for i, (first, _next) in enumerate(bounds)
    ]
    rows = q.durations(start_at, end_at)
    frame = pd.DataFrame(rows, columns=["created_at", "answered", "done_at", "status"])
    posted = len(frame)
    answered = int(frame["answered"].notna().sum()) if posted else 0
    active, voted = q.voter_share(start_at, end_at, end + timedelta(days=1))
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "posted": posted,
        "months": months,
        "answer_time": _median_days(frame, "answered") if posted else _figure(None, 0),
        "done_time": _median_days(frame, "done_at") if posted else _figure(None, 0),
        "answered": _figure(ratio(answered * 100, posted, 1), posted) | {"count": answered},
        "voters": _figure(ratio(int(voted) * 100, int(active), 1), int(active)) | {"count": int(voted)},
        "top_votes": _top(now, "votes"),
        "top_revenue": _top(now, "revenue"),
        "definitions": definitions(),
    }
