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
from . import store

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


def _rows(result) -> list[list]:
    """(band, breached, n, hits) rows as JSON-safe lists."""
    return [[band, bool(breached), int(n), int(hits)] for band, breached, n, hits in result]


def _raw_months(bounds) -> list[dict]:
    """Each month's figures as JSON-safe values: what is stored for a closed month and computed live
    for an open one (one definition for both, so stored + live months equal all-live ones)."""
    if not bounds:
        return []
    renewals = {i: (n, renewed) for i, n, renewed in q.renewals(bounds)}
    churn = {i: (n, churned) for i, n, churned in q.churn(bounds)}
    mrr_start = {i: (n, total) for i, n, total in q.mrr_at_start(bounds)}
    moves: dict[int, dict] = {}
    for i, kind, _n, amount in q.mrr_moves(bounds):
        moves.setdefault(i, {})[getattr(kind, "value", kind)] = str(Decimal(amount or 0))
    raws = []
    for i, (first, following) in enumerate(bounds):
        subs, start_mrr = mrr_start.get(i, (0, 0))
        raws.append(
            {
                "renewals": [int(v) for v in renewals.get(i, (0, 0))],
                "churn": [int(v) for v in churn.get(i, (0, 0))],
                "mrr_start": [int(subs), str(Decimal(start_mrr or 0))],
                "moves": moves.get(i, {}),
                "churn_sat": _rows(q.churn_by_satisfaction([(first, following)])),
                "renew_sat": _rows(q.renewals_by_satisfaction(first, following)),
            }
        )
    return raws


def _start_raws(bounds) -> list[dict]:
    """What is fixed once a month has started: the MRR at its start and its customers by NPS band
    and breach (their churned counts as of now are left out: they still move)."""
    if not bounds:
        return []
    mrr_start = {i: (n, total) for i, n, total in q.mrr_at_start(bounds)}
    out = []
    for i, (first, following) in enumerate(bounds):
        subs, total = mrr_start.get(i, (0, 0))
        customers = q.churn_by_satisfaction([(first, following)])
        out.append(
            {
                "mrr_start": [int(subs), str(Decimal(total or 0))],
                "customers": [[band, bool(breached), int(n)] for band, breached, n, _hits in customers],
            }
        )
    return out


def _open_month(first: date, following: date, start: dict, today: date) -> dict:
    """A month under way: its start figures (stored) and what happened in it so far, each query
    bounded by the month's events and endings, not by every customer. Its renewal split covers
    the days up to today (``renew_sat_until``), what a range ending today asks for."""
    so_far = today + timedelta(days=1)
    renewals = q.renewals([(first, following)])
    came_up, renewed = renewals[0][1:] if renewals else (0, 0)
    moves = {
        getattr(kind, "value", kind): str(Decimal(amount or 0))
        for _i, kind, _n, amount in q.mrr_moves([(first, following)])
    }
    churned = {
        (band, bool(breached)): int(hits)
        for band, breached, _n, hits in q.churn_by_satisfaction([(first, following)], ending_only=True)
    }
    churn_sat = [
        [band, breached, n, churned.get((band, breached), 0)] for band, breached, n in start["customers"]
    ]
    return {
        "renewals": [int(came_up), int(renewed)],
        # The same customers as the split: active at the start, churned by now.
        "churn": [sum(r[2] for r in churn_sat), sum(r[3] for r in churn_sat)],
        "mrr_start": start["mrr_start"],
        "moves": moves,
        "churn_sat": churn_sat,
        "renew_sat": _rows(q.renewals_by_satisfaction(first, so_far)),
        "renew_sat_until": so_far.isoformat(),
    }


def month_figures(bounds, today: date) -> list[dict]:
    """The raw figures of every month of ``bounds``: ended months from the store (computed and
    stored the first time); the month under way from its stored start figures and its own rows;
    months not started yet live."""
    closed = [(m, n) for m, n in bounds if n <= today]
    under_way = [(m, n) for m, n in bounds if m <= today < n]
    stored = store.load(store.MONTH, [m for m, _n in closed])
    starts = store.load(store.START, [m for m, _n in under_way])
    missing = [(m, n) for m, n in closed if m not in stored]
    new_starts = [(m, n) for m, n in under_way if m not in starts]
    live = missing + [(m, n) for m, n in bounds if m > today]
    seen = store.epoch()
    computed = dict(zip([m for m, _n in live], _raw_months(live), strict=True))
    fresh = dict(zip([m for m, _n in new_starts], _start_raws(new_starts), strict=True))
    # A month's start figures depend on facts before its first day only.
    store.save(store.START, [(m, m, fresh[m]) for m, _n in new_starts], seen)
    store.save(store.MONTH, [(m, n, computed[m]) for m, n in missing], seen)
    for m, n in under_way:
        computed[m] = _open_month(m, n, starts.get(m) or fresh[m], today)
    return [stored[m] if m in stored else computed[m] for m, _n in bounds]


def _monthly(bounds, raws: list[dict], today: date) -> list[dict]:
    rows = []
    for (first, following), raw in zip(bounds, raws, strict=True):
        came_up, renewed = raw["renewals"]
        active, churned = raw["churn"]
        subs, start_mrr = raw["mrr_start"]
        m = {kind: Decimal(amount) for kind, amount in raw["moves"].items()}
        lost_churn = m.get("cancelled", 0) + m.get("lapsed", 0)
        lost_down = -m.get("downgraded", 0)  # stored as after − before, a negative change
        start_mrr = Decimal(start_mrr)
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


def _cohort_counts(bounds, checks) -> list[list[int]]:
    """Per cohort: its size and the active counts at each check; a row whose reached checks did not
    change since it was stored is read, the others computed (and stored once a check has passed)."""
    reached = [sum(c is not None for c in row) for row in checks]
    stored = store.load(store.COHORT, [m for m, _n in bounds])
    need = [i for i, (m, _n) in enumerate(bounds) if (stored.get(m) or {}).get("reached") != reached[i]]
    seen = store.epoch()
    computed = {i: [0] * (COHORT_OFFSETS + 1) for i in need}
    if need:
        for j, *counts in q.cohorts([bounds[i] for i in need], [checks[i] for i in need]):
            computed[need[j]] = [int(c) for c in counts]
    keep = [
        (
            bounds[i][0],
            max(c for c in checks[i] if c is not None),
            {"reached": reached[i], "counts": computed[i]},
        )
        for i in need
        if reached[i]
    ]
    store.save(store.COHORT, keep, seen)
    return [computed[i] if i in computed else stored[m]["counts"] for i, (m, _n) in enumerate(bounds)]


def _cohorts(bounds, today: date) -> dict:
    checks = [
        [
            add_months(first, k + 1) if add_months(first, k + 1) <= today else None
            for k in range(COHORT_OFFSETS)
        ]
        for first, _next in bounds
    ]
    counts = _cohort_counts(bounds, checks)
    rows = []
    for i, (first, _next) in enumerate(bounds):
        size, *active = counts[i]
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


def _at_stake(today: date) -> list[list]:
    """Revenue at stake by band (``q.revenue_at_stake``), computed once a day and stored: it changes
    with today's subscriptions, whose every write forgets it (store.forget_today)."""
    stored = store.load(store.STAKE, [today]).get(today)
    if stored is not None:
        return stored["bands"]
    seen = store.epoch()
    rows = [
        [band, int(customers), str(Decimal(mrr or 0)), int(soon_customers), str(Decimal(soon_mrr or 0))]
        for band, customers, mrr, soon_customers, soon_mrr in q.revenue_at_stake(
            today, today + timedelta(days=AT_STAKE_DAYS)
        )
    ]
    store.save(store.STAKE, [(today, today, {"bands": rows})], seen)
    return rows


def _satisfaction(bounds, raws: list[dict], start: date, end: date, today: date) -> dict:
    until = end + timedelta(days=1)
    renewals, churn = [], []
    for (first, following), raw in zip(bounds, raws, strict=True):
        churn += raw["churn_sat"]
        covered = date.fromisoformat(raw["renew_sat_until"]) if "renew_sat_until" in raw else following
        if start <= first and min(until, following) == covered:
            renewals += raw["renew_sat"]
        else:  # a month the range cuts: only its decisions inside the range
            renewals += _rows(q.renewals_by_satisfaction(max(start, first), min(until, following)))

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
    for band, customers, mrr, soon_customers, soon_mrr in _at_stake(today):
        stake[band] = (customers, Decimal(mrr), soon_customers, Decimal(soon_mrr))
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
    raws = month_figures(bounds, today)
    months = _monthly(bounds, raws, today)
    came_up = sum(m["renewal"]["n"] for m in months)
    renewed = sum(m["renewal"]["renewed"] for m in months)
    active = sum(m["churn"]["n"] for m in months)
    churned = sum(m["churn"]["churned"] for m in months)
    satisfaction = _satisfaction(bounds, raws, start, end, today)
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
