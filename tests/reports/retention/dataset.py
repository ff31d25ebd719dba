"""A small hand-built history whose every figure is worked out by hand in test_metrics.py.

Customers (price per month):
A shared 10 from 2025-12-10, renewed 01-10 and 02-10, NPS 3 on 02-20, cancelled 03-10.
B shared 10 from 01-05, upgraded to VPS 30 on 03-05, renewed 04-05.
C VPS 30 from 01-20, downgraded to shared 10 on 02-15, CSAT 1 on 03-01 (breached case), lapsed 04-20.
D dedicated 100 from 2025-11-01, NPS 8 on 2025-12-15, renewed 02-01 (next renewal 08-01), NPS 2 on 06-10.
E shared 10 from 02-10, NPS 10 on 02-25, renewed 03-10, upgraded to dedicated 100 on 05-01.
"""

from datetime import UTC, date, datetime

from feedback.auth.models import Plan
from feedback.extensions import db

# The report's range and clock for this history: six months, read two weeks after their end,
# and again once every upgrade window of the range has passed.
START, END = date(2026, 1, 1), date(2026, 6, 30)
NOW = datetime(2026, 7, 15, 9, tzinfo=UTC)
LATER = datetime(2027, 3, 1, 9, tzinfo=UTC)


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)


def build(make, subs) -> dict:
    """Insert the history above and return the customers by letter."""
    people = {k: make.customer(name=f"Customer {k}") for k in "ABCDE"}
    a = subs.start(people["A"], Plan.SHARED, 10, date(2025, 12, 10))
    subs.renew(a, date(2026, 1, 10))
    subs.renew(a, date(2026, 2, 10))
    subs.end(a, date(2026, 3, 10))
    b = subs.start(people["B"], Plan.SHARED, 10, date(2026, 1, 5))
    subs.change(b, Plan.VPS, 30, date(2026, 3, 5))
    subs.renew(b, date(2026, 4, 5), date(2026, 5, 5))
    c = subs.start(people["C"], Plan.VPS, 30, date(2026, 1, 20))
    subs.change(c, Plan.SHARED, 10, date(2026, 2, 15))
    subs.end(c, date(2026, 4, 20), lapsed=True)
    d = subs.start(people["D"], Plan.DEDICATED, 100, date(2025, 11, 1), cycle_months=6)
    subs.renew(d, date(2026, 2, 1), date(2026, 8, 1))
    e = subs.start(people["E"], Plan.SHARED, 10, date(2026, 2, 10))
    subs.renew(e, date(2026, 3, 10), date(2026, 4, 10))
    subs.change(e, Plan.DEDICATED, 100, date(2026, 5, 1))
    db.session.commit()

    make.rating(people["A"], csat=4, nps=3, now=at(2026, 2, 20))
    fu = make.rating(people["C"], csat=1, now=at(2026, 3, 1)).followup
    fu.breached = True
    make.rating(people["D"], csat=4, nps=8, now=at(2025, 12, 15))
    make.rating(people["D"], csat=3, nps=2, now=at(2026, 6, 10))
    make.rating(people["E"], csat=5, nps=10, now=at(2026, 2, 25))
    db.session.commit()
    return people
