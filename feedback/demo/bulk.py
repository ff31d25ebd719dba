"""Volume data for benchmarks: many ratings inserted with Core ``insert()`` in chunks."""

import bisect
import itertools
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from ..auth.models import CustomerAccount, Role, User
from ..auth.services import DEFAULT_PRICES, hash_password
from ..core.scales import is_low_csat
from ..core.security import new_token
from ..core.time import utcnow
from ..extensions import db
from ..followups.models import Category
from ..renewals.store import mark_all_stale
from ..reports.retention.store import invalidate_from
from ..reports.rollups import rebuild_rollups
from ..surveys.models import Feedback, FeedbackKind
from . import content
from .generator import HISTORY_DAYS, renewal_date

BULK_DOMAIN = "bulk.kontento.test"
CHUNK = 10_000
# Committing every chunk costs SQLite a third of the load time (journalled index pages); this bounds
# the transaction instead.
COMMIT_EVERY = 100_000
RATINGS_PER_CUSTOMER = 50  # pool size: one customer per this many ratings …
MIN_POOL, MAX_POOL = 100, 20_000  # … within these bounds


def _cumulative(weights: dict) -> tuple[list, list[float]]:
    return list(weights), list(itertools.accumulate(weights.values()))


def _pick(rng: random.Random, table: tuple[list, list[float]]):
    keys, cum = table
    return keys[bisect.bisect(cum, rng.random() * cum[-1])]


def customer_pool(size: int, rng: random.Random, now: datetime) -> list[int]:
    """Ids of at least ``size`` bulk customers, creating the missing ones (Core inserts).

    Bulk customers signed up before the two-year window, so every rating may fall anywhere in it.
    Their password is random and unknown: they exist to own rows, not to sign in.
    """
    pattern = f"%@{BULK_DOMAIN}"
    ids = list(db.session.scalars(select(User.id).where(User.email.like(pattern)).order_by(User.id)))
    missing = size - len(ids)
    if missing <= 0:
        return ids
    password_hash = hash_password(new_token())  # hashed once, shared: hashing per user would dominate
    users, plans, signups = [], content.quota(missing, content.PLAN_WEIGHTS), []
    rng.shuffle(plans)
    for n in range(len(ids) + 1, size + 1):
        signup = now.date() - timedelta(days=HISTORY_DAYS + rng.randint(1, 365))
        signups.append(signup)
        users.append(
            {
                "email": f"bulk{n}@{BULK_DOMAIN}",
                "name": f"{rng.choice(content.FIRST_NAMES)} {rng.choice(content.LAST_NAMES)}",
                "password_hash": password_hash,
                "role": Role.CUSTOMER,
                "timezone": rng.choice(content.TIMEZONES),
                "locale": None,
                "active": True,
                "created_at": datetime.combine(signup, datetime.min.time(), UTC),
                "email_verified_at": datetime.combine(signup, datetime.min.time(), UTC),
            }
        )
    for start in range(0, len(users), CHUNK):
        db.session.execute(insert(User.__table__), users[start : start + CHUNK])
    new_ids = list(
        db.session.scalars(select(User.id).where(User.email.like(pattern)).order_by(User.id).offset(len(ids)))
    )
    accounts = [
        {
            "user_id": user_id,
            "plan": plan,
            "monthly_price": DEFAULT_PRICES[plan],
            "signup_date": signup,
            "renewal_date": renewal_date(signup, now.date(), yearly=rng.random() < 0.35, lapsed=False),
        }
        for user_id, plan, signup in zip(new_ids, plans, signups, strict=True)
    ]
    for start in range(0, len(accounts), CHUNK):
        db.session.execute(insert(CustomerAccount.__table__), accounts[start : start + CHUNK])
    db.session.commit()
    return ids + new_ids


def generate_bulk(responses: int, seed: int = 1, now: datetime | None = None, chunk: int = CHUNK) -> int:
    """Insert ``responses`` rating rows spread over the two years before ``now``; return the count.

    Rows are plain dictionaries sent with Core ``insert()`` executemany, ``chunk`` at a time,
    with a commit every ``COMMIT_EVERY`` rows; no ORM object is built per row. Distributions match the
    demo (``content``): CSAT skewed positive, NPS on ~60 % and following CSAT, weighted
    categories, a few urgent. Customers come from a pool of bulk customers (about one per
    50 ratings), created on first use and reused by later calls.

    Unlike ``generate_demo`` this does NOT open follow-ups for negative ratings: routing,
    deadlines and timelines are per-row service work, and volume tests measure the reports.
    The report rollups of the days written are rebuilt at the end (``rebuild_rollups``).
    """
    if responses <= 0:
        return 0
    now = now or utcnow()
    rng = random.Random(seed)
    pool = customer_pool(min(MAX_POOL, max(MIN_POOL, responses // RATINGS_PER_CUSTOMER)), rng, now)
    category_ids = dict(db.session.execute(select(Category.slug, Category.id)).all())
    # Each rating records its customer's plan, as the ORM path does on insert.
    plan_of = dict(
        db.session.execute(
            select(CustomerAccount.user_id, CustomerAccount.plan).where(CustomerAccount.user_id.in_(pool))
        ).all()
    )
    category_table = _cumulative({s: w for s, w in content.CATEGORY_WEIGHTS.items() if s in category_ids})
    csat_table = _cumulative(content.CSAT_WEIGHTS)
    nps_tables = {csat: _cumulative(w) for csat, w in content.NPS_GIVEN_CSAT.items()}
    channel_table = _cumulative(content.CHANNEL_WEIGHTS)
    span = timedelta(days=HISTORY_DAYS).total_seconds()
    start = now - timedelta(days=HISTORY_DAYS)
    random_ = rng.random
    done = pending = 0
    while done < responses:
        rows = []
        for _ in range(min(chunk, responses - done)):
            csat = _pick(rng, csat_table)
            slug = _pick(rng, category_table)
            row = {
                "customer_id": pool[int(random_() * len(pool))],
                "kind": FeedbackKind.RATING,
                "channel": _pick(rng, channel_table),
                "category_id": category_ids[slug],
                "csat": csat,
                "nps": _pick(rng, nps_tables[csat]) if random_() < content.NPS_SHARE else None,
                "urgent": is_low_csat(csat)
                and slug in content.URGENT_CATEGORIES
                and random_() < content.URGENT_SHARE,
                "title": None,
                "comment": content.draw_comment(rng, csat, slug),
                # sqrt: more responses lately, as the customer base grew
                "created_at": start + timedelta(seconds=span * random_() ** 0.5),
            }
            row["acknowledged_at"] = row["created_at"]  # history: no receipt mail left to send
            row["plan"] = plan_of.get(row["customer_id"])
            rows.append(row)
        db.session.execute(insert(Feedback.__table__), rows)
        done += len(rows)
        pending += len(rows)
        if pending >= COMMIT_EVERY:
            db.session.commit()
            pending = 0
    # Core inserts bypass the ORM events that keep the report rollups current: recompute the days written.
    rebuild_rollups(start.date(), now.date())
    invalidate_from(start.date())  # and the retention months stored from then on (NPS answers)
    mark_all_stale(db.session.connection())  # and the renewal queue's stored facts (new customers, ratings)
    db.session.commit()
    return done
