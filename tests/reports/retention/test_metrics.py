"""Every retention definition against the hand-computed history in dataset.py."""

from datetime import date

import pytest

from feedback.auth.models import Plan
from feedback.extensions import db
from feedback.reports.retention.metrics import DEFINITIONS, month_bounds, retention_report

from .dataset import END, LATER, NOW, START, build


@pytest.fixture
def report(make, subs):
    build(make, subs)
    return retention_report(START, END, now=NOW)


def _by_month(report, key):
    return {m["month"]: m[key] for m in report["months"]}


def test_renewal_rate_per_month(report):
    renewal = _by_month(report, "renewal")

    # Jan: A renewed. Feb: A and D renewed. Mar: E renewed, A cancelled. Apr: B renewed, C lapsed.
    assert [(renewal[m]["renewed"], renewal[m]["n"], renewal[m]["value"]) for m in sorted(renewal)] == [
        (1, 1, 100.0),
        (2, 2, 100.0),
        (1, 2, 50.0),
        (1, 2, 50.0),
        (0, 0, None),
        (0, 0, None),
    ]
    assert renewal["2026-03"]["low_sample"] is True
    assert report["renewal"] == {"value": 71.4, "n": 7, "low_sample": False, "renewed": 5}


def test_churn_uses_customers_active_at_the_start_of_the_month(report):
    churn = _by_month(report, "churn")

    # Active at 1 Jan: A, D. 1 Feb: A B C D. 1 Mar: all five. 1 Apr: B C D E. May, Jun: B D E.
    assert [churn[m]["n"] for m in sorted(churn)] == [2, 4, 5, 4, 3, 3]
    # A cancelled in March, C lapsed in April; B, C and E joining do not count as churn or base.
    assert [churn[m]["churned"] for m in sorted(churn)] == [0, 0, 1, 1, 0, 0]
    assert churn["2026-03"]["value"] == 20.0 and churn["2026-04"]["value"] == 25.0
    assert report["churn"]["churned"] == 2 and report["churn"]["n"] == 21
    assert report["churn"]["value"] == 9.5


def test_mrr_movement(report):
    mrr = _by_month(report, "mrr")

    assert [mrr[m]["start"] for m in sorted(mrr)] == [110.0, 150.0, 140.0, 150.0, 140.0, 230.0]
    assert mrr["2026-01"]["gained_new"] == 40.0  # B 10 + C 30
    assert mrr["2026-02"] | {} == {
        "start": 150.0,
        "subscriptions": 4,
        "lost_churn": 0.0,
        "lost_downgrade": 20.0,  # C 30 → 10
        "gained_upgrade": 0.0,
        "gained_new": 10.0,  # E
        "retained": 130.0,
        "retained_pct": 86.7,
    }
    assert (mrr["2026-03"]["lost_churn"], mrr["2026-03"]["gained_upgrade"]) == (10.0, 20.0)
    assert mrr["2026-03"]["retained"] == 130.0
    assert (mrr["2026-04"]["lost_churn"], mrr["2026-04"]["retained_pct"]) == (10.0, 93.3)
    assert mrr["2026-05"]["gained_upgrade"] == 90.0  # E 10 → 100
    assert mrr["2026-06"]["retained_pct"] == 100.0


def test_cohort_matrix_with_unreached_cells_blank(report):
    rows = {r["cohort"]: r for r in report["cohorts"]["rows"]}

    assert report["cohorts"]["offsets"] == list(range(13))
    jan, feb = rows["2026-01"], rows["2026-02"]
    assert (jan["customers"], jan["low_sample"]) == (2, True)  # B and C
    # Still active at the end of Jan, Feb, Mar: both; end of Apr, May, Jun: only B; end of Jul not yet.
    assert jan["retention"][:7] == [100.0, 100.0, 100.0, 50.0, 50.0, 50.0, None]
    assert feb["customers"] == 1 and feb["retention"][:6] == [100.0] * 5 + [None]
    assert rows["2026-03"]["customers"] == 0 and set(rows["2026-03"]["retention"]) == {None}


def test_upgrades_only_count_customers_whose_window_has_passed(report, make, subs):
    up = report["upgrades"]["shared_to_vps_or_dedicated"]

    # Shared starters in the range: B and E (A started before it, C started on VPS).
    assert up["entrants"] == 2
    # By 15 Jul 2026 only B's six months have passed (E's end 10 Aug); B moved in March.
    assert up["within_6"] == {"value": 100.0, "n": 1, "low_sample": True, "moved": 1}
    assert up["within_12"] == {"value": None, "n": 0, "low_sample": True, "moved": 0}

    later = retention_report(START, END, now=LATER)["upgrades"]
    assert later["shared_to_vps_or_dedicated"]["within_6"]["moved"] == 2
    assert later["shared_to_vps_or_dedicated"]["within_12"]["value"] == 100.0
    assert later["shared_to_dedicated"]["within_6"] | {} == {
        "value": 50.0,
        "n": 2,
        "low_sample": True,
        "moved": 1,
    }
    # VPS entrants: C (20 Jan) and B (5 Mar); nobody reached dedicated; B's 12 months end 5 Mar 2027.
    vps = later["vps_to_dedicated"]
    assert (vps["entrants"], vps["within_6"]["n"], vps["within_6"]["value"]) == (2, 2, 0.0)
    assert (vps["within_12"]["n"], vps["within_12"]["moved"]) == (1, 0)


def test_satisfaction_vs_retention(report):
    sat = report["satisfaction"]
    by_nps = {row["band"]: row for row in sat["by_nps"]}

    # Renewal decisions by the latest NPS before the day: none A A B C; detractor A; passive D; promoter E.
    assert {b: (r["renewal"]["renewed"], r["renewal"]["n"]) for b, r in by_nps.items()} == {
        "none": (3, 4),
        "detractor": (0, 1),
        "passive": (1, 1),
        "promoter": (1, 1),
    }
    # Customer-months by band at each month start; A churned as a detractor, C with no NPS.
    assert {b: (r["churn"]["churned"], r["churn"]["n"]) for b, r in by_nps.items()} == {
        "none": (1, 10),
        "detractor": (1, 1),
        "passive": (0, 6),
        "promoter": (0, 4),
    }
    assert by_nps["detractor"]["churn"]["value"] == 100.0
    breach = {row["breached"]: row for row in sat["by_breach"]}
    assert (breach[True]["renewal"]["renewed"], breach[True]["renewal"]["n"]) == (0, 1)  # C lapsed
    assert (breach[True]["churn"]["churned"], breach[True]["churn"]["n"]) == (1, 1)
    assert (breach[False]["renewal"]["value"], breach[False]["churn"]["n"]) == (83.3, 20)


def test_revenue_at_stake_from_detractors(report):
    stake = {row["band"]: row for row in report["satisfaction"]["at_stake"]}

    # D's latest answer (2 on 10 Jun) makes it a detractor; it renews on 1 Aug, within 90 days.
    assert stake["detractor"] == {
        "band": "detractor",
        "customers": 1,
        "mrr": 100.0,
        "renewing_90d_customers": 1,
        "renewing_90d_mrr": 100.0,
    }
    assert stake["promoter"]["mrr"] == 100.0  # E, now on dedicated
    assert report["revenue_at_stake"] == {
        "value": 100.0,
        "n": 1,
        "low_sample": True,
        "renewing_90d_mrr": 100.0,
    }


def test_definitions_are_in_the_report(report):
    assert report["definitions"] == DEFINITIONS
    assert "customers active at the start of the month" in DEFINITIONS["churn"]


def test_no_subscriptions_gives_empty_figures_not_errors(app):
    report = retention_report(date(2026, 1, 1), date(2026, 2, 28), now=NOW)

    assert report["renewal"] == {"value": None, "n": 0, "low_sample": True, "renewed": 0}
    assert report["churn"]["value"] is None
    assert [m["mrr"]["start"] for m in report["months"]] == [0.0, 0.0]
    assert all(r["customers"] == 0 for r in report["cohorts"]["rows"])
    assert report["upgrades"]["shared_to_vps_or_dedicated"]["entrants"] == 0
    assert report["revenue_at_stake"]["value"] == 0.0


def test_month_bounds_cover_every_month_touching_the_range():
    assert month_bounds(date(2025, 12, 15), date(2026, 1, 3)) == [
        (date(2025, 12, 1), date(2026, 1, 1)),
        (date(2026, 1, 1), date(2026, 2, 1)),
    ]


def test_a_future_month_is_marked_partial(app):
    months = retention_report(date(2026, 7, 1), date(2026, 8, 31), now=NOW)["months"]

    assert [m["partial"] for m in months] == [True, True]


def test_upgrade_window_ends_on_the_last_day_of_a_shorter_month(make, subs):
    # Both start on shared on 31 Aug 2025; six calendar months later is 28 Feb 2026 (no 31 Feb).
    # Moving on 28 Feb is inside the window, on 2 Mar outside it, on SQLite and PostgreSQL alike.
    on_time, late = make.customer(name="On time"), make.customer(name="Late")
    subs.change(subs.start(on_time, Plan.SHARED, 10, date(2025, 8, 31)), Plan.VPS, 30, date(2026, 2, 28))
    subs.change(subs.start(late, Plan.SHARED, 10, date(2025, 8, 31)), Plan.VPS, 30, date(2026, 3, 2))
    db.session.commit()

    up = retention_report(date(2025, 8, 1), date(2025, 8, 31), now=LATER)["upgrades"]

    assert up["shared_to_vps_or_dedicated"]["within_6"] | {} == {
        "value": 50.0,
        "n": 2,
        "low_sample": True,
        "moved": 1,
    }
    assert up["shared_to_vps_or_dedicated"]["within_12"]["moved"] == 2
