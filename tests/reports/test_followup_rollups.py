"""The support report, read from ``followup_rollups``, equals the raw computation over the follow-ups.

Random (seeded) follow-ups live through the real services — created, answered, put on wait and
resumed, resolved, reopened, breached by the SLA sweep — and some ratings are deleted. The oracle is
the report as it was computed before the rollups: every follow-up of the range into pandas for
the median and 90th percentile, and counts over the raw rows. Counts must be equal; percentiles
within the histogram's stated bound (1 %, or 1 s, plus rounding to hundredths of an hour).
"""

import random
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import event, select

from feedback.extensions import db
from feedback.followups import services
from feedback.followups.jobs import sweep
from feedback.followups.models import Followup, FollowupStatus, Priority
from feedback.reports.followup_rollups import (
    BIN_RATIO,
    bin_bounds,
    bin_of,
    percentile,
    rebuild_followup_rollups,
)
from feedback.reports.metrics import support_report
from feedback.reports.models import FollowupRollup
from tests.factories import T0

PRIORITIES = [p.value for p in Priority]
START = T0 - timedelta(days=75)
END = T0 + timedelta(days=3)


def _utc(value):
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def raw_support(start: date, end: date, now: datetime) -> dict:
    """The report's figures from every follow-up row, computed the way the report did before rollups."""
    since = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    rows = db.session.execute(select(Followup)).scalars().all()
    frame = pd.DataFrame(
        [
            (
                r.priority.value,
                _utc(r.created_at),
                r.first_response_at and _utc(r.first_response_at),
                r.resolved_at and _utc(r.resolved_at),
                r.paused_seconds,
            )
            for r in rows
            if since <= _utc(r.created_at) < until
        ],
        columns=["priority", "created_at", "first_response_at", "resolved_at", "paused_seconds"],
    )
    for column in ("created_at", "first_response_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["first"] = (frame["first_response_at"] - frame["created_at"]).dt.total_seconds()
    frame["resolution"] = (frame["resolved_at"] - frame["created_at"]).dt.total_seconds() - frame[
        "paused_seconds"
    ].astype("float64")

    def hours(seconds):
        clean = seconds.dropna()
        if clean.empty:
            return (None, None, 0)
        return (float(clean.median()) / 3600, float(clean.quantile(0.9)) / 3600, len(clean))

    out = {
        "created": len(frame),
        "first_response": hours(frame["first"]),
        "resolution": hours(frame["resolution"]),
    }
    for p in PRIORITIES:
        part = frame[frame["priority"] == p]
        out[p] = {
            "created": len(part),
            "first_response": hours(part["first"]),
            "resolution": hours(part["resolution"]),
        }

    sla = {p: [0, 0, 0, 0] for p in PRIORITIES}  # first met, first due, resolution met, resolution due
    breaches = {p: [0, 0] for p in PRIORITIES}
    for r in rows:
        fr_due, first_at = _utc(r.first_response_due), r.first_response_at and _utc(r.first_response_at)
        if since <= fr_due < until:
            if fr_due <= now or first_at is not None:
                sla[r.priority.value][1] += 1
                sla[r.priority.value][0] += first_at is not None and first_at <= fr_due
            breaches[r.priority.value][0] += r.first_response_breached
        res_due = r.resolution_due and _utc(r.resolution_due)
        if res_due is not None and since <= res_due < until:
            met = r.resolved_at is not None and not r.resolution_breached
            missed = r.resolution_breached or (r.resolved_at is None and res_due <= now)
            sla[r.priority.value][2] += met
            sla[r.priority.value][3] += met or missed
            breaches[r.priority.value][1] += r.resolution_breached
    out["sla"] = sla
    out["breaches"] = breaches
    return out


def _close(reported, exact) -> None:
    """A reported percentile (hours, 2 decimals) against the exact one, within the stated bound."""
    if exact is None:
        assert reported is None
        return
    assert abs(reported - exact) <= (BIN_RATIO - 1) * abs(exact) + 1 / 3600 + 0.005 + 1e-9, (reported, exact)


def _times(part: dict, raw: tuple) -> None:
    _close(part["median_hours"], raw[0])
    _close(part["p90_hours"], raw[1])
    assert part["n"] == raw[2]


def assert_matches(start: date, end: date, now: datetime) -> None:
    report, raw = support_report(start, end, now=now), raw_support(start, end, now)
    where = (start, end, now)
    assert report["followups_created"] == raw["created"], where
    _times(report["first_response"], raw["first_response"])
    _times(report["resolution"], raw["resolution"])
    for part in report["by_priority"]:
        p = part["priority"]
        assert part["followups"] == raw[p]["created"], where
        _times(part["first_response"], raw[p]["first_response"])
        _times(part["resolution"], raw[p]["resolution"])
    for part in report["sla_compliance"]["by_priority"]:
        first_met, first_due, res_met, res_due = raw["sla"][part["priority"]]
        assert (part["first_response"]["met"], part["first_response"]["n"]) == (first_met, first_due), where
        assert (part["resolution"]["met"], part["resolution"]["n"]) == (res_met, res_due), where
    for part in report["breaches"]["by_priority"]:
        assert [part["first_response"], part["resolution"]] == raw["breaches"][part["priority"]], where


def rollup_table() -> dict:
    rows = db.session.execute(select(FollowupRollup.__table__)).all()
    return {tuple(r[:5]): tuple(r[5:]) for r in rows if any(r[5:])}


def _plan(rng: random.Random, start: datetime) -> list[tuple[datetime, str]]:
    """A follow-up's random life after ``start``: (moment, action) in time order."""
    steps, at = [], start
    for action in rng.choice(
        [
            ["reply", "resolve"],
            ["reply", "waiting", "resume", "resolve"],
            ["waiting", "customer", "reply", "resolve", "reopen", "resolve"],
            ["reply", "customer"],
            ["resolve", "reopen"],
            [],
        ]
    ):
        at += timedelta(minutes=rng.choice([rng.randint(1, 90), rng.randint(60, 3000), rng.randint(1, 59)]))
        at += timedelta(seconds=rng.randint(0, 59), microseconds=rng.randint(0, 999_999))
        steps.append((at, action))
    return steps


ACTIONS = {
    "reply": lambda fu, agent, now: services.staff_reply(fu, agent, "On it", now=now),
    "customer": lambda fu, agent, now: services.customer_reply(fu, fu.customer, "Still broken", now=now),
    "waiting": lambda fu, agent, now: services.set_waiting(fu, agent, now=now),
    "resume": lambda fu, agent, now: services.resume(fu, agent, now=now),
    "resolve": lambda fu, agent, now: services.resolve(fu, agent, now=now),
    "reopen": lambda fu, agent, now: services.reopen(fu, agent, now=now),
}


def live_randomly(make, rng: random.Random, count: int) -> None:
    """``count`` follow-ups created between START and END, living their plans, with a sweep twice a day."""
    customers = [make.customer() for _ in range(3)]
    agent = make.staff()
    moments = []
    for _ in range(count):
        created = START + timedelta(seconds=rng.randint(0, int((END - START).total_seconds())))
        moments.append((created, "create", None))
    moments.sort(key=lambda m: m[0])
    sweep_at = START
    queue = list(moments)
    while queue:
        queue.sort(key=lambda m: m[0])
        at, action, fu_id = queue.pop(0)
        while sweep_at + timedelta(hours=12) <= at:
            sweep_at += timedelta(hours=12)
            sweep(now=sweep_at)
            db.session.commit()
        if action == "create":
            fb = make.rating(
                rng.choice(customers), csat=rng.choice([1, 2, 3]), urgent=rng.random() < 0.2, now=at
            )
            if fb.followup is None:
                continue
            queue += [(when, step, fb.followup.id) for when, step in _plan(rng, at)]
            continue
        fu = db.session.get(Followup, fu_id)
        if fu is None:
            continue
        if (
            action in ("reply", "customer", "waiting", "resume", "resolve")
            and fu.status == FollowupStatus.RESOLVED
        ):
            continue
        if action == "resume" and fu.status != FollowupStatus.WAITING:
            continue
        if action == "waiting" and fu.status != FollowupStatus.OPEN:
            continue
        if action == "reopen" and fu.status != FollowupStatus.RESOLVED:
            continue
        ACTIONS[action](fu, agent, at)
        db.session.commit()


def test_percentile_is_within_the_bin_bound_and_exact_for_single_values():
    rng = random.Random(7)
    values = [rng.uniform(0, 400_000) for _ in range(500)] + [0.2, 5.0, 5.0]
    bins: dict[int, list[int]] = {}
    for v in values:
        figures = bins.setdefault(bin_of(v), [0, 0])
        figures[0] += 1
        figures[1] += round(v * 1000)
    low, high = bin_bounds(bin_of(3600))
    assert low <= 3600 < high and high / low == pytest.approx(BIN_RATIO)
    series = pd.Series(values)
    for q in (0.1, 0.5, 0.9, 0.99):
        exact = float(series.quantile(q))
        assert (
            abs(percentile({k: tuple(v) for k, v in bins.items()}, q) - exact) <= (BIN_RATIO - 1) * exact + 1
        )
    assert percentile({bin_of(3600): (1, 3_600_000), bin_of(21600): (1, 21_600_000)}, 0.9) == 19800
    assert percentile({}, 0.5) is None


def test_support_report_equals_raw_through_the_write_paths(app, make):
    rng = random.Random(15)
    live_randomly(make, rng, 70)
    now = END + timedelta(hours=5)
    ranges = [
        (START.date(), END.date()),  # whole months in the middle, partial ones at both ends
        (date(2026, 2, 1), date(2026, 2, 28)),  # one whole month
        (date(2026, 1, 20), date(2026, 2, 3)),
        (T0.date(), T0.date()),  # one day
        (T0.date() - timedelta(days=2), T0.date() + timedelta(days=10)),  # today and the future: live
    ]
    for now_at in (now, T0 + timedelta(hours=3)):  # deadlines undecided at an earlier ``now`` too
        for start, end in ranges:
            assert_matches(start, end, now_at)
    # The random lives reached every path that moves a figure.
    whole = support_report(START.date(), END.date(), now=now)
    assert whole["breaches"]["total"] > 0 and whole["resolution"]["n"] > 0
    assert db.session.scalar(select(Followup.id).where(Followup.paused_seconds > 0).limit(1))
    kept = rollup_table()
    assert kept

    # The rebuild (for Core writes) gives the same table as the hooks, whole or for a range.
    rebuild_followup_rollups(date(2026, 2, 10), date(2026, 2, 20))
    assert rollup_table() == kept
    rebuild_followup_rollups()
    assert rollup_table() == kept

    # A deleted follow-up leaves the rollups.
    for fu in db.session.scalars(select(Followup).order_by(Followup.id).limit(5)):
        db.session.delete(fu)
    db.session.commit()
    for start, end in ranges:
        assert_matches(start, end, now)
    after = rollup_table()
    rebuild_followup_rollups()
    assert rollup_table() == after


def test_a_new_follow_up_costs_one_rollup_statement_and_no_read_back(app, make):
    customer = make.customer()
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        fb = make.rating(customer, csat=1, now=T0)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert fb.followup is not None
    assert sum("followup_rollups" in s for s in seen) == 1
    assert not [s for s in seen if s.lstrip().startswith("SELECT") and "FROM followups" in s]
    assert rollup_table() == (rebuild_followup_rollups() and rollup_table())
