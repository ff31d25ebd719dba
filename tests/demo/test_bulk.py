"""``generate_bulk``: exact row counts, valid values, plausible distributions, a reused customer pool."""

from datetime import timedelta

from sqlalchemy import func, select

from feedback.auth.models import User, name_key
from feedback.demo.bulk import MIN_POOL, generate_bulk
from feedback.extensions import db
from feedback.followups.models import Followup
from feedback.surveys.models import Feedback, FeedbackKind
from tests.conftest import T0


def scalar(*columns, where=()):
    return db.session.execute(select(*columns).where(*where)).one()


def test_inserts_exactly_the_requested_ratings(app):
    assert generate_bulk(1000, seed=1, now=T0) == 1000
    n, low, high, nps_low, nps_high = scalar(
        func.count(),
        func.min(Feedback.csat),
        func.max(Feedback.csat),
        func.min(Feedback.nps),
        func.max(Feedback.nps),
        where=[Feedback.kind == FeedbackKind.RATING],
    )
    assert (n, low, high) == (1000, 1, 5)
    assert (nps_low, nps_high) == (0, 10)  # the whole scale is used, nothing outside it
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 1000  # ratings only
    times = list(db.session.scalars(select(Feedback.created_at)))  # read through the UTC column type
    assert all(T0 - timedelta(days=730) <= t <= T0 for t in times)
    assert db.session.scalar(select(func.count()).select_from(Followup)) == 0  # documented: no follow-ups


def test_later_loads_reuse_the_customer_pool(app):
    generate_bulk(1000, seed=1, now=T0)
    assert generate_bulk(500, seed=2, now=T0) == 500
    assert db.session.scalar(select(func.count()).select_from(User)) == MIN_POOL
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 1500
    # Made by the host, so proven: the billing import matches them (feedback/signup).
    assert db.session.scalar(select(func.count()).where(User.email_verified_at.is_(None))) == 0


def test_bulk_customers_get_their_names_search_key_though_inserted_past_the_orm(app):
    generate_bulk(1000, seed=1, now=T0)
    names = db.session.execute(select(User.name, User.name_key)).all()
    assert names and all(key == name_key(name) for name, key in names)


def test_distributions_match_the_demo(app):
    generate_bulk(20_000, seed=4, now=T0)
    by_csat = dict(db.session.execute(select(Feedback.csat, func.count()).group_by(Feedback.csat)).all())
    # Target shares 5: 45 %, 4: 25 %, 3: 12 %, 2: 9 %, 1: 9 %; ±2 points is about six standard errors.
    for csat, share in {5: 0.45, 4: 0.25, 3: 0.12, 2: 0.09, 1: 0.09}.items():
        assert abs(by_csat[csat] / 20_000 - share) < 0.02
    with_nps = db.session.scalar(select(func.count()).where(Feedback.nps.is_not(None)))
    assert abs(with_nps / 20_000 - 0.6) < 0.02
    avg_nps = dict(
        db.session.execute(select(Feedback.csat, func.avg(Feedback.nps)).group_by(Feedback.csat)).all()
    )
    assert avg_nps[5] > 8.5 and avg_nps[1] < 2.5  # NPS follows CSAT
