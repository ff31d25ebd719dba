"""Report figures as pure functions: SQL aggregates (queries.py) → pandas → JSON-safe dicts.

The HTML pages, the CSV export and the JSON API all read these, so one definition holds everywhere.
"""

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from fractions import Fraction

import pandas as pd
from flask_babel import lazy_gettext as _l

from ..core.scales import NPS_DETRACTOR_MAX, NPS_MAX, NPS_MIN, NPS_PROMOTER_MIN
from ..core.time import utcnow
from ..followups.models import Priority, SlaTarget
from ..surveys.models import SurveyKind
from . import followup_rollups as fr
from . import queries
from .followup_rollups import percentile

LOW_SAMPLE = 5  # a figure on fewer responses is flagged (docs/metrics.md)
GRANULARITIES = ("week", "month")
COUNT_COLUMNS = ["csat_n", "csat_satisfied", "csat_sum", "nps_n", "promoters", "detractors"]
PRIORITIES = [p.value for p in Priority]

DEFINITIONS = {
    "csat": _l("CSAT % = responses rated 4 or 5 ÷ all CSAT responses × 100."),
    # Placeholders rather than a bare "% d…", which gettext tools would read as a format directive.
    "nps": _l(
        "NPS = %% promoters (%(promoters)s) − %% detractors (%(detractors)s) of NPS responses, rounded "
        "to a whole number (halves away from zero); skipped NPS questions are not counted.",
        promoters=f"{NPS_PROMOTER_MIN}–{NPS_MAX}",
        detractors=f"{NPS_MIN}–{NPS_DETRACTOR_MAX}",
    ),
    "average": _l("Average rating = mean of the CSAT scores (1–5)."),
    "responses": _l("Responses = ratings received in the period (suggestions are not ratings)."),
    "response_rate": _l(
        "Response rate = responses ÷ surveys sent, for the surveys e-mailed in the period "
        "(answers that came later count)."
    ),
    "first_response": _l(
        "First response time = from the follow-up's creation to the first public staff reply, "
        "over follow-ups created in the period."
    ),
    "resolution": _l(
        "Resolution time = from creation to resolution, minus time spent waiting on the customer, "
        "over follow-ups created in the period and resolved."
    ),
    "sla": _l(
        "SLA compliance = deadlines met ÷ deadlines that fell in the period and are decided "
        "(met, or passed unmet). First response: answered by its deadline. "
        "Resolution: resolved without breach."
    ),
    "backlog": _l(
        "Backlog = follow-ups open or waiting on the customer now; overdue = past their nearest "
        "deadline; at risk = past %(percent)d %% of it.",
        percent=80,
    ),
    "breaches": _l(
        "Breaches = deadlines missed (first response, next reply, resolution, 24 h update), "
        "counted on the date the deadline fell."
    ),
}


def definitions(*keys: str) -> dict[str, str]:
    """The definitions of ``keys`` as plain strings in the current language (reports are JSON-safe)."""
    return {k: str(DEFINITIONS[k]) for k in keys}


def ratio(numerator: int, denominator: int, places: int = 0) -> float | int | None:
    """``numerator ÷ denominator`` to ``places`` decimals, halves away from zero, computed exactly.

    Not with floats: 127 ÷ 40 = 3.175 is stored a hair below, so round() gives 3.17, while
    numpy's round (the counts come through pandas) gives 3.18. None when the denominator is 0.
    """
    if not denominator:
        return None
    scaled = Fraction(numerator) / Fraction(denominator) * 10**places
    # int(): counts from pandas keep their numpy type through Fraction, and JSON refuses numpy ints.
    whole = int(math.floor(abs(scaled) + Fraction(1, 2))) * (1 if scaled >= 0 else -1)
    return whole if places == 0 else whole / 10**places


def _figure(value, n: int) -> dict:
    return {"value": value, "n": int(n), "low_sample": int(n) < LOW_SAMPLE}


def _csat_pct(satisfied: int, n: int) -> float | None:
    return ratio(satisfied * 100, n, 1)


def _nps(promoters: int, detractors: int, n: int) -> int | None:
    return ratio((promoters - detractors) * 100, n)


def _average(total: int, n: int) -> float | None:
    return ratio(total, n, 2)


def _summary(frame: pd.DataFrame) -> dict:
    return _summary_of_sums(frame[COUNT_COLUMNS].sum())


def _summary_of_sums(s: pd.Series) -> dict:
    n, nps_n = int(s.csat_n), int(s.nps_n)
    return {
        "csat": _figure(_csat_pct(s.csat_satisfied, n), n),
        "nps": _figure(_nps(s.promoters, s.detractors, nps_n), nps_n),
        "average": _figure(_average(s.csat_sum, n), n),
        "responses": _figure(n, n),
    }


def ratings_frame(start: date, end: date) -> pd.DataFrame:
    """Daily rating aggregates per category and plan in the inclusive date range."""
    rows = queries.daily_ratings(*queries.utc_range(start, end))
    frame = pd.DataFrame(rows, columns=["day", "category", "plan", *COUNT_COLUMNS])
    frame["day"] = pd.to_datetime(frame["day"])
    frame[COUNT_COLUMNS] = frame[COUNT_COLUMNS].astype("int64")
    frame["plan"] = frame["plan"].map(lambda p: getattr(p, "value", p))
    return frame


def bucket_starts(start: date, end: date, granularity: str) -> list[date]:
    """Every week (Monday) or month start touching the range, so empty periods still show."""
    if granularity == "month":
        first = start.replace(day=1)
        out = []
        while first <= end:
            out.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return out
    first = start - timedelta(days=start.weekday())
    return [first + timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]


def _bucket_of(days: pd.Series, granularity: str) -> pd.Series:
    if granularity == "month":
        return days.dt.to_period("M").dt.start_time.dt.date
    return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.date


def _breakdown(frame: pd.DataFrame, column: str) -> list[dict]:
    out = []
    for key, group in frame.groupby(column, sort=True):
        out.append({column: key, **_summary(group)})
    return out


def _rate(sent: int, responses: int) -> dict:
    return _figure(ratio(responses * 100, sent, 1), sent) | {
        "sent": int(sent),
        "responses": int(responses),
    }


def response_rate(start: date, end: date) -> dict:
    """Responses ÷ surveys sent for surveys e-mailed in the range, overall and per survey kind.

    ``value`` is the rate in % (None when nothing was sent); ``n`` = ``sent`` is the sample size.
    """
    rows = {
        getattr(kind, "value", kind): (sent, answered)
        for kind, sent, answered in queries.survey_responses(*queries.utc_range(start, end))
    }
    by_kind = [{"kind": k.value, **_rate(*rows.get(k.value, (0, 0)))} for k in SurveyKind]
    return _rate(sum(k["sent"] for k in by_kind), sum(k["responses"] for k in by_kind)) | {"by_kind": by_kind}


def satisfaction_report(start: date, end: date, granularity: str = "week") -> dict:
    """CSAT %, NPS, average and counts for the range, with a trend and breakdowns by category and plan."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}")
    frame = ratings_frame(start, end)
    # One groupby, then a lookup per period: empty periods get zero sums.
    frame["bucket"] = _bucket_of(frame["day"], granularity) if not frame.empty else []
    sums = frame.groupby("bucket")[COUNT_COLUMNS].sum()
    zeros = pd.Series(0, index=COUNT_COLUMNS)
    trend = [
        {"period_start": b.isoformat(), **_summary_of_sums(sums.loc[b] if b in sums.index else zeros)}
        for b in bucket_starts(start, end, granularity)
    ]
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat(), "granularity": granularity},
        **_summary(frame),
        "trend": trend,
        "by_category": _breakdown(frame, "category"),
        "by_plan": _breakdown(frame, "plan"),
        "response_rate": response_rate(start, end),
        "definitions": definitions("csat", "nps", "average", "responses", "response_rate"),
    }


def hours_figure(bins: dict[int, tuple[int, int]]) -> dict:
    """Median and 90th percentile, in hours, of the durations counted in histogram ``bins``."""
    n = sum(count for count, _ in bins.values())
    if not n:
        return {"median_hours": None, "p90_hours": None, "n": 0, "low_sample": True}
    return {
        "median_hours": round(percentile(bins, 0.5) / 3600, 2),
        "p90_hours": round(percentile(bins, 0.9) / 3600, 2),
        "n": n,
        "low_sample": n < LOW_SAMPLE,
    }


def ratio_figure(met: int, due: int) -> dict:
    """``met`` ÷ ``due`` as a percentage with one decimal, with its sample size and ``met``."""
    return _figure(ratio(met * 100, due, 1), due) | {"met": int(met)}


def support_report(start: date, end: date, now: datetime | None = None) -> dict:
    """Response and resolution times, SLA compliance, backlog and breaches for the range.

    Read from ``followup_rollups`` (counts exact; median and p90 within 1 % or 1 s, see
    followup_rollups.py), plus live counts of today's and later deadlines and of the backlog.
    """
    now = now or utcnow()
    since, until = queries.utc_range(start, end)
    # (priority, measure) → {bin: (count, ms)}; counts other than durations sit in bin 0.
    facts: dict[tuple[str, str], dict[int, tuple[int, int]]] = defaultdict(dict)
    for priority, measure, k, n, ms in queries.followup_facts(start, end, now):
        facts[(priority, measure)][k] = (int(n), int(ms))

    def bins(measure: str, priorities=PRIORITIES) -> dict[int, tuple[int, int]]:
        out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for p in priorities:
            for k, (n, ms) in facts[(p, measure)].items():
                out[k][0] += n
                out[k][1] += ms
        return {k: (n, ms) for k, (n, ms) in out.items()}

    def count(measure: str, priority: str) -> int:
        return sum(n for n, _ in facts[(priority, measure)].values())

    times = {"first_response": hours_figure(bins(fr.FIRST)), "resolution": hours_figure(bins(fr.RESOLUTION))}
    by_priority = [
        {
            "priority": p,
            "followups": count(fr.CREATED, p),
            "first_response": hours_figure(bins(fr.FIRST, [p])),
            "resolution": hours_figure(bins(fr.RESOLUTION, [p])),
        }
        for p in PRIORITIES
    ]

    live = {
        getattr(r.priority, "value", r.priority): r for r in queries.sla_compliance_live(since, until, now)
    }
    totals = {"first_met": 0, "first_due": 0, "resolution_met": 0, "resolution_due": 0}
    rolled = {
        "first_met": fr.FIRST_MET,
        "first_due": fr.FIRST_DUE,
        "resolution_met": fr.RES_MET,
        "resolution_due": fr.RES_DUE,
    }
    compliance_by_priority = []
    for priority in PRIORITIES:
        row = live.get(priority)
        counts = {k: count(rolled[k], priority) + (int(getattr(row, k) or 0) if row else 0) for k in totals}
        for k in totals:
            totals[k] += counts[k]
        compliance_by_priority.append(
            {
                "priority": priority,
                "first_response": ratio_figure(counts["first_met"], counts["first_due"]),
                "resolution": ratio_figure(counts["resolution_met"], counts["resolution_due"]),
            }
        )

    backlog_rows = {getattr(r.priority, "value", r.priority): r for r in queries.backlog(now)}
    backlog = []
    for priority in PRIORITIES:
        row = backlog_rows.get(priority)
        backlog.append(
            {
                "priority": priority,
                **{
                    k: int(getattr(row, k) or 0) if row else 0
                    for k in ("total", "overdue", "at_risk", "waiting")
                },
            }
        )

    breach_counts = {p: {t.value: 0 for t in SlaTarget} for p in PRIORITIES}
    for p in PRIORITIES:
        breach_counts[p][SlaTarget.FIRST_RESPONSE.value] = count(fr.FIRST_BREACH, p)
        breach_counts[p][SlaTarget.RESOLUTION.value] = count(fr.RES_BREACH, p)
    for priority, target, n in queries.escalation_breaches(since, until):
        breach_counts[getattr(priority, "value", priority)][getattr(target, "value", target)] += int(n)

    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "as_of": now.isoformat().replace("+00:00", "Z"),
        "followups_created": sum(count(fr.CREATED, p) for p in PRIORITIES),
        **times,
        "by_priority": by_priority,
        "sla_compliance": {
            "first_response": ratio_figure(totals["first_met"], totals["first_due"]),
            "resolution": ratio_figure(totals["resolution_met"], totals["resolution_due"]),
            "by_priority": compliance_by_priority,
        },
        "backlog": {
            "total": sum(b["total"] for b in backlog),
            "overdue": sum(b["overdue"] for b in backlog),
            "at_risk": sum(b["at_risk"] for b in backlog),
            "by_priority": backlog,
        },
        "breaches": {
            "total": sum(sum(v.values()) for v in breach_counts.values()),
            "by_priority": [{"priority": p, **breach_counts[p]} for p in PRIORITIES],
        },
        "definitions": definitions("first_response", "resolution", "sla", "backlog", "breaches"),
    }
