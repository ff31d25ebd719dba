"""Retention figures as pure functions: SQL aggregates (queries.py) → JSON-safe dicts.

The page, the CSV/XLSX export and the JSON API all read ``retention_report``.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from ...auth.models import Plan
from ...core.dates import add_months
from ...core.scales import NPS_BANDS
from ...core.time import utcnow
from ..metrics import LOW_SAMPLE, ratio
from . import queries as q

COHORT_OFFSETS = 13  # k = 0 … 12 months after signup
AT_STAKE_DAYS = 90
HIGHER = (Plan.VPS, Plan.DEDICATED)

DEFINITIONS = {
    "months": _l(
        "Figures are per whole calendar month (UTC) touching the chosen range. A subscription "
        "is active at the start of a day when it started before that day and had not ended before it."
    ),
    "renewal": _l(
        "Renewal rate = subscriptions renewed ÷ subscriptions that came up for renewal in the "
        "month. A subscription came up for renewal when it has a renewed, cancelled or lapsed event dated "
        "in the month (each such event counts once; a cancellation before the term ends counts as not "
        "renewed)."
    ),
    "churn": _l(
        "Churn rate (monthly) = customers active at the start of the month who had no active "
        "subscription left at its end (their last one was cancelled or lapsed) ÷ customers active at the "
        "start of the month. Customers who joined during the month are not in either count."
    ),
    "cohorts": _l(
        "Cohort retention = of the customers whose first subscription started in month M, the "
        "share with a subscription still active at the end of month M + k. Cells not reached yet are "
        "blank; cohorts of fewer than 5 customers are marked."
    ),
    "upgrades": _l(
        "Upgrade rate = of the customers whose first subscription started on shared hosting in "
        "the range, the share on VPS or dedicated (an upgrade or a new subscription) within 6 and within "
        "12 calendar months of that start. Only customers whose whole 6- or 12-month window has passed "
        "count. VPS → dedicated: the same, from a customer's first day on VPS."
    ),
    "mrr": _l(
        "MRR movement per month: start = monthly prices of subscriptions active at its start; lost "
        "to cancellations/lapses and to downgrades (only subscriptions active at the start); gained from "
        "upgrades and from new subscriptions. Retained = start − lost (both kinds); retained % = retained "
        "÷ start."
    ),
    "satisfaction": _l(
        "Satisfaction vs retention: the same renewal and churn rates, split by the "
        "customer's latest NPS answer before the event (renewals) or before the month started (churn): "
        "promoter 9–10, passive 7–8, detractor 0–6, no NPS; and by whether the customer had a follow-up "
        "that breached its SLA opened before then. Churn here pools all months: churned ÷ customer-months."
    ),
    "at_stake": _l(
        "Revenue at stake = monthly prices of the active subscriptions of customers whose "
        "latest NPS answer is a detractor (0–6); also those due to renew within 90 days."
    ),
}


def _figure(value, n: int, **extra) -> dict:
    return {"value": value, "n": int(n), "low_sample": int(n) < LOW_SAMPLE, **extra}


def _pct(part: int, whole: int) -> float | None:
    return ratio(part * 100, whole, 1)


def _money(value) -> float:
    return float(round(Decimal(value or 0), 2))


def month_bounds(start: date, end: date) -> list[tuple[date, date]]:
    """(first day, first day of the next month) for every month touching ``start``–``end``."""
    out, first = [], start.replace(day=1)
    while first <= end:
        out.append((first, add_months(first, 1)))
        first = add_months(first, 1)
    return out


def _monthly(bounds, today: date) -> list[dict]:
    renewals = {i: (n, renewed) for i, n, renewed in q.renewals(bounds)}
    churn = {i: (n, churned) for i, n, churned in q.churn(bounds)}
    mrr_start = {i: (n, total) for i, n, total in q.mrr_at_start(bounds)}
    moves: dict[int, dict] = {}
    for i, kind, _n, amount in q.mrr_moves(bounds):
        moves.setdefault(i, {})[getattr(kind, "value", kind)] = Decimal(amount or 0)
    rows = []
    for i, (first, following) in enumerate(bounds):
        came_up, renewed = renewals.get(i, (0, 0))
        active, churned = churn.get(i, (0, 0))
        subs, start_mrr = mrr_start.get(i, (0, 0))
        m = moves.get(i, {})
        lost_churn = m.get("cancelled", 0) + m.get("lapsed", 0)
        lost_down = -m.get("downgraded", 0)  # stored as after − before, a negative change
        start_mrr = Decimal(start_mrr or 0)
        retained = start_mrr - lost_churn - lost_down
        rows.append(
            {
                "month": first.strftime("%Y-%m"),
                "partial": following > today,
                "renewal": _figure(_pct(renewed, came_up), came_up, renewed=int(renewed)),
                "churn": _figure(_pct(churned, active), active, churned=int(churned)),
                "mrr": {
                    "start": _money(start_mrr),
                    "subscriptions": int(subs),
                    "lost_churn": _money(lost_churn),
                    "lost_downgrade": _money(lost_down),
                    "gained_upgrade": _money(m.get("upgraded", 0)),
                    "gained_new": _money(m.get("started", 0)),
                    "retained": _money(retained),
                    "retained_pct": round(float(retained / start_mrr * 100), 1) if start_mrr else None,
                },
            }
        )
    return rows


def _cohorts(bounds, today: date) -> dict:
    checks = [
        [
            add_months(first, k + 1) if add_months(first, k + 1) <= today else None
            for k in range(COHORT_OFFSETS)
        ]
        for first, _next in bounds
    ]
    counts = {row[0]: row[1:] for row in q.cohorts(bounds, checks)}
    rows = []
    for i, (first, _next) in enumerate(bounds):
        size, *active = counts.get(i, (0,) + (0,) * COHORT_OFFSETS)
        rows.append(
            {
                "cohort": first.strftime("%Y-%m"),
                "customers": int(size),
                "low_sample": int(size) < LOW_SAMPLE,
                "retention": [
                    _pct(a, size) if checks[i][k] is not None and size else None for k, a in enumerate(active)
                ],
            }
        )
    return {"offsets": list(range(COHORT_OFFSETS)), "rows": rows}


def _upgrade(from_plan: Plan, targets: tuple[Plan, ...], start: date, end: date, today: date) -> dict:
    entrants, e6, m6, e12, m12 = q.upgrades(from_plan, targets, start, end, today)
    return {
        "entrants": int(entrants),
        "within_6": _figure(_pct(m6, e6), e6, moved=int(m6)),
        "within_12": _figure(_pct(m12, e12), e12, moved=int(m12)),
    }


def _split(rows, key) -> dict:
    """Sum (n, hits) rows of (band, breached, n, hits) by ``key`` (0 band, 1 breached)."""
    out: dict = {}
    for row in rows:
        n, hits = out.get(row[key], (0, 0))
        out[row[key]] = (n + int(row[2]), hits + int(row[3]))
    return out


def _satisfaction(bounds, start: date, end: date, today: date) -> dict:
    renewals = q.renewals_by_satisfaction(start, end + timedelta(days=1))
    churn = q.churn_by_satisfaction(bounds)

    def pair(renew: dict, churned: dict, key) -> dict:
        rn, rhits = renew.get(key, (0, 0))
        cn, chits = churned.get(key, (0, 0))
        return {
            "renewal": _figure(_pct(rhits, rn), rn, renewed=rhits),
            "churn": _figure(_pct(chits, cn), cn, churned=chits),
        }

    rb, cb = _split(renewals, 0), _split(churn, 0)
    rr = {bool(k): v for k, v in _split(renewals, 1).items()}
    cr = {bool(k): v for k, v in _split(churn, 1).items()}
    stake = {band: (0, Decimal(0), 0, Decimal(0)) for band in NPS_BANDS}
    for band, customers, mrr, soon_customers, soon_mrr in q.revenue_at_stake(
        today, today + timedelta(days=AT_STAKE_DAYS)
    ):
        stake[band] = (customers, mrr, soon_customers, soon_mrr)
    return {
        "by_nps": [{"band": b, **pair(rb, cb, b)} for b in NPS_BANDS],
        "by_breach": [{"breached": flag, **pair(rr, cr, flag)} for flag in (False, True)],
        "at_stake": [
            {
                "band": b,
                "customers": int(stake[b][0]),
                "mrr": _money(stake[b][1]),
                "renewing_90d_customers": int(stake[b][2]),
                "renewing_90d_mrr": _money(stake[b][3]),
            }
            for b in NPS_BANDS
        ],
    }


def retention_report(start: date, end: date, now: datetime | None = None) -> dict:
    """Renewal, churn, cohorts, upgrades, MRR movement and satisfaction vs retention for the range."""
    today = (now or utcnow()).date()
    bounds = month_bounds(start, end)
    months = _monthly(bounds, today)
    came_up = sum(m["renewal"]["n"] for m in months)
    renewed = sum(m["renewal"]["renewed"] for m in months)
    active = sum(m["churn"]["n"] for m in months)
    churned = sum(m["churn"]["churned"] for m in months)
    satisfaction = _satisfaction(bounds, start, end, today)
    detractors = next(s for s in satisfaction["at_stake"] if s["band"] == "detractor")
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "as_of": today.isoformat(),
        "renewal": _figure(_pct(renewed, came_up), came_up, renewed=renewed),
        "churn": _figure(_pct(churned, active), active, churned=churned),
        "revenue_at_stake": _figure(detractors["mrr"], detractors["customers"])
        | {"renewing_90d_mrr": detractors["renewing_90d_mrr"]},
        "months": months,
        "cohorts": _cohorts(bounds, today),
        "upgrades": {
            "shared_to_vps_or_dedicated": _upgrade(
                Plan.SHARED, (Plan.VPS, Plan.DEDICATED), start, end, today
            ),
            "shared_to_dedicated": _upgrade(Plan.SHARED, (Plan.DEDICATED,), start, end, today),
            "vps_to_dedicated": _upgrade(Plan.VPS, (Plan.DEDICATED,), start, end, today),
        },
        "satisfaction": satisfaction,
        "definitions": {k: str(text) for k, text in DEFINITIONS.items()},  # JSON-safe, this language
    }
