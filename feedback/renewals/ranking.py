"""The queue's ranking from the stored facts of ``customer_risk``: recompute the rows writes marked
stale (:func:`refresh`), then rank the stored rows (:func:`ranked`). Each row holds what the live
rule (queries.py) weighs, computed by the same subqueries, so a view does not look up four signals
for every customer renewing in the window; only the displayed page's customers are read live.

Concurrency (PostgreSQL): a write marks its customers stale in its own transaction and bumps their
``version`` (store.stale_upsert). :func:`refresh` reads each due row's version in its statement's
snapshot and clears ``stale`` only where the row still has that version when it writes: a writer
that committed after the snapshot (whose rows the computation did not see) bumped the version, or
holds the row locked until it does (``ON CONFLICT DO UPDATE`` waits, then re-checks the condition on
the committed row), so its row stays stale for the next view. SQLite has one writer at a time.
"""

from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, literal, or_, select

from ..auth.models import Role, User
from ..core.db import UTCDateTime, conflict_insert
from ..core.scales import detractor_sql, low_csat_sql
from ..extensions import db
from ..followups.models import Followup
from ..surveys.models import Feedback, FeedbackKind
from .models import CustomerRisk
from .queries import (
    BREACH_DAYS,
    LOW_CSAT_DAYS,
    customer_facts,
    latest_nps,
    low_ratings,
    open_cases_of,
    own_breaches,
    risk_score,
)

FACTS = (
    "active",
    "renews_on",
    "revenue",
    "latest_nps",
    "latest_low_csat_at",
    "latest_breach_at",
    "open_signal",
    "next_at",
    "as_of",
)


def stored_facts(now: datetime, only):
    """Per customer login in ``only`` (a ``select()`` of user ids): the time-independent facts the
    rule ranks by, as of ``now``, in the columns of ``customer_risk`` (models.CustomerRisk).

    The same subqueries as the live statement, keeping the newest dated fact instead of testing
    it against a window: :func:`stored_score` then scores the row at any instant from ``as_of``
    to ``next_at``, the first rating or breached case dated after ``now`` (none in production,
    where nothing is future-dated; a view at or after it recomputes the row)."""
    facts = customer_facts(only).subquery("facts")
    open_cases = open_cases_of(only)
    latest_low = select(func.max(Feedback.created_at)).where(*low_ratings(), Feedback.created_at <= now)
    latest_breach = select(func.max(Followup.created_at)).where(*own_breaches(), Followup.created_at <= now)
    next_rating = select(func.min(Feedback.created_at)).where(
        Feedback.customer_id == User.id,
        Feedback.kind == FeedbackKind.RATING,
        or_(Feedback.nps.is_not(None), low_csat_sql(Feedback.csat)),
        Feedback.created_at > now,
    )
    next_breach = select(func.min(Followup.created_at)).where(*own_breaches(), Followup.created_at > now)
    found = (
        select(
            User.id.label("customer_id"),
            # A login that stopped being a customer is stored as inactive (never listed).
            and_(User.active.is_(True), User.role == Role.CUSTOMER).label("active"),
            facts.c.renews_on,
            facts.c.revenue,
            latest_nps(now).label("latest_nps"),
            latest_low.scalar_subquery().label("latest_low_csat_at"),
            latest_breach.scalar_subquery().label("latest_breach_at"),
            func.coalesce(open_cases.c.signal, 0).label("open_signal"),
            next_rating.scalar_subquery().label("next_rating"),
            next_breach.scalar_subquery().label("next_breach"),
        )
        .select_from(User)
        .outerjoin(facts, facts.c.customer_id == User.id)
        .outerjoin(open_cases, open_cases.c.customer_id == User.id)
        .where(User.id.in_(only))
        .cte("found")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    f = found.c
    next_at = case(
        (f.next_rating.is_(None), f.next_breach),
        (f.next_breach.is_(None), f.next_rating),
        (f.next_rating <= f.next_breach, f.next_rating),
        else_=f.next_breach,
    )
    return select(
        f.customer_id,
        f.active,
        f.renews_on,
        f.revenue,
        f.latest_nps,
        f.latest_low_csat_at,
        f.latest_breach_at,
        f.open_signal,
        next_at.label("next_at"),
        literal(now, UTCDateTime()).label("as_of"),
    )


def stored_score(risk, now: datetime):
    """SQL: the risk score at ``now`` of a ``customer_risk`` row (``risk``: the table or an alias),
    by the rule of the live statement."""
    return risk_score(
        case((detractor_sql(risk.latest_nps), 1), else_=0),
        case((risk.latest_low_csat_at > now - timedelta(days=LOW_CSAT_DAYS), 1), else_=0),
        case((risk.latest_breach_at > now - timedelta(days=BREACH_DAYS), 1), else_=0),
        risk.open_signal,
    )


def _due_when(now: datetime):
    """The three reasons a view at ``now`` recomputes a row: marked stale, computed for a later
    instant, or its dated facts change by ``now`` (each read through its index)."""
    r = CustomerRisk
    return r.stale.is_(True), r.as_of > now, r.next_at <= now


def _due(now: datetime):
    """The rows a view at ``now`` recomputes."""
    return select(CustomerRisk.customer_id, CustomerRisk.version).where(or_(*_due_when(now)))


def _any_due(now: datetime) -> bool:
    # One EXISTS per reason: each a plain index scan stopping at the first entry, which also marks
    # the entries of rows no longer stale dead as it passes them (a bitmap scan of the OR would
    # visit them at every view until a vacuum).
    return db.session.scalar(
        select(or_(*(select(CustomerRisk.customer_id).where(c).exists() for c in _due_when(now))))
    )


def refresh(now: datetime) -> int:
    """Recompute the stored facts of the rows due at ``now`` in one ``INSERT … SELECT … ON CONFLICT``
    (see the module docstring for the version check); return how many rows were written."""
    if not _any_due(now):
        return 0  # the usual case: cheaper to find out than to plan the recomputing statement
    due = _due(now).cte("due")
    facts = stored_facts(now, select(due.c.customer_id)).subquery("facts")
    rows = (
        select(
            facts.c.customer_id, literal(False).label("stale"), due.c.version, *(facts.c[c] for c in FACTS)
        )
        .select_from(facts)
        .join(due, due.c.customer_id == facts.c.customer_id)
        # The WHERE also keeps SQLite from reading the join's ON as the upsert's ON CONFLICT.
        .where(facts.c.customer_id.is_not(None))
        .order_by(facts.c.customer_id)  # rows locked in one order by every view: no deadlock between views
    )
    table = CustomerRisk.__table__
    stmt = conflict_insert(db.session.get_bind(), table).from_select(
        ["customer_id", "stale", "version", *FACTS], rows
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["customer_id"],
        set_={"stale": False, **{c: stmt.excluded[c] for c in FACTS}},
        where=table.c.version == stmt.excluded.version,
    )
    # Counted from RETURNING: the drivers give no row count for a statement that starts with WITH.
    return len(db.session.execute(stmt.returning(table.c.customer_id)).all())


def ranked(now: datetime, within_days: int):
    """Customer ids renewing within ``within_days`` days of ``now`` with a risk signal, by priority
    (revenue × score) then nearest renewal, from the stored rows (fresh after :func:`refresh`).
    Reads ``ix_customer_risk_renews_on``."""
    r, today = CustomerRisk, now.date()
    score = stored_score(r, now)
    return (
        select(r.customer_id)
        .where(
            r.renews_on >= today,
            r.renews_on <= today + timedelta(days=within_days),
            r.stale.is_(False),
            r.active.is_(True),
            score > 0,
        )
        .order_by((func.coalesce(r.revenue, 0) * score).desc(), r.renews_on.asc(), r.customer_id.asc())
    )
