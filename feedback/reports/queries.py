"""SQL for the reports: aggregates only, so a page view never pulls raw rows into Python.

Every query takes a half-open UTC range ``[since, until)`` and uses the indexed timestamp.
"""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, case, cast, func, select

from ..auth.models import CustomerAccount, User
from ..extensions import db
from ..followups.models import Followup, FollowupStatus, SlaEscalation, SlaTarget
from ..surveys.models import Category, Feedback, FeedbackKind, SurveyInvitation


def utc_range(start: date, end: date) -> tuple[datetime, datetime]:
    """The inclusive date range ``start``–``end`` as a half-open UTC datetime range."""
    return (
        datetime.combine(start, time.min, tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
    )


def day_of(column):
    """The UTC calendar day of a timestamp column, on SQLite and PostgreSQL alike."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def daily_ratings(since: datetime, until: datetime):
    """One row per (day, category, plan): CSAT and NPS counts and sums."""
    day = day_of(Feedback.created_at).label("day")
    stmt = (
        select(
            day,
            func.coalesce(Category.name, "Uncategorised").label("category"),
            func.coalesce(CustomerAccount.plan, "none").label("plan"),
            func.count(Feedback.csat).label("csat_n"),
            _count_if(Feedback.csat >= 4).label("csat_satisfied"),
            func.coalesce(func.sum(Feedback.csat), 0).label("csat_sum"),
            func.count(Feedback.nps).label("nps_n"),
            _count_if(Feedback.nps >= 9).label("promoters"),
            _count_if(Feedback.nps <= 6).label("detractors"),
        )
        .select_from(Feedback)
        .outerjoin(Category, Category.id == Feedback.category_id)
        .outerjoin(CustomerAccount, CustomerAccount.user_id == Feedback.customer_id)
        .where(
            Feedback.kind == FeedbackKind.RATING,
            Feedback.created_at >= since,
            Feedback.created_at < until,
        )
        .group_by(day, Category.name, CustomerAccount.plan)
    )
    return db.session.execute(stmt).all()


def survey_responses(since: datetime, until: datetime):
    """Per survey kind: surveys e-mailed in the range, and how many of them were answered (at any time)."""
    stmt = (
        select(
            SurveyInvitation.kind,
            func.count(SurveyInvitation.id).label("sent"),
            func.count(SurveyInvitation.used_at).label("answered"),
        )
        .where(SurveyInvitation.sent_at >= since, SurveyInvitation.sent_at < until)
        .group_by(SurveyInvitation.kind)
    )
    return db.session.execute(stmt).all()


def followup_durations(since: datetime, until: datetime):
    """Per follow-up created in the range: priority, created, first response, resolved, paused seconds.

    Percentiles need the individual durations; only these five narrow columns are read.
    """
    stmt = select(
        Followup.priority,
        Followup.created_at,
        Followup.first_response_at,
        Followup.resolved_at,
        Followup.paused_seconds,
    ).where(Followup.created_at >= since, Followup.created_at < until)
    return db.session.execute(stmt).all()


def sla_compliance(since: datetime, until: datetime, now: datetime):
    """Met and missed counts for first-response and resolution deadlines that fell in the range.

    A deadline still in the future and not yet met is undecided and left out.
    """
    fr_due = Followup.first_response_due
    fr_decided = (
        (fr_due >= since) & (fr_due < until) & ((fr_due <= now) | Followup.first_response_at.isnot(None))
    )
    fr_met = fr_decided & Followup.first_response_at.isnot(None) & (Followup.first_response_at <= fr_due)
    res_due = Followup.resolution_due
    res_in = (res_due >= since) & (res_due < until)
    res_met = res_in & Followup.resolved_at.isnot(None) & Followup.resolution_breached.is_(False)
    res_missed = res_in & Followup.resolution_breached.is_(True)
    res_missed = res_missed | (res_in & Followup.resolved_at.is_(None) & (res_due <= now))
    stmt = select(
        Followup.priority,
        _count_if(fr_met).label("first_met"),
        _count_if(fr_decided).label("first_due"),
        _count_if(res_met).label("resolution_met"),
        _count_if(res_met | res_missed).label("resolution_due"),
    ).group_by(Followup.priority)
    return db.session.execute(stmt).all()


def backlog(now: datetime):
    """Open and waiting follow-ups by priority: total, overdue and at risk at ``now``."""
    active = Followup.status != FollowupStatus.RESOLVED
    overdue = Followup.due_at <= now
    at_risk = (Followup.at_risk_at <= now) & (Followup.due_at > now)
    stmt = (
        select(
            Followup.priority,
            func.count(Followup.id).label("total"),
            _count_if(overdue).label("overdue"),
            _count_if(at_risk).label("at_risk"),
            _count_if(Followup.status == FollowupStatus.WAITING).label("waiting"),
        )
        .where(active)
        .group_by(Followup.priority)
    )
    return db.session.execute(stmt).all()


def breaches(since: datetime, until: datetime) -> list[tuple[str, str, int]]:
    """Missed deadlines that fell in the range, as (priority, target, count).

    First response and resolution come from the flags on the follow-up, which are set even when
    the deadline was missed between two sweeps; next-reply and 24 h ceiling misses come from the
    sweep's escalation records.
    """
    out = []
    for target, due, flag in (
        (SlaTarget.FIRST_RESPONSE, Followup.first_response_due, Followup.first_response_breached),
        (SlaTarget.RESOLUTION, Followup.resolution_due, Followup.resolution_breached),
    ):
        stmt = (
            select(Followup.priority, func.count(Followup.id))
            .where(flag.is_(True), due >= since, due < until)
            .group_by(Followup.priority)
        )
        out += [(priority, target, n) for priority, n in db.session.execute(stmt)]
    stmt = (
        select(Followup.priority, SlaEscalation.target, func.count(SlaEscalation.id))
        .join(Followup, Followup.id == SlaEscalation.followup_id)
        .where(
            SlaEscalation.level == "breach",
            SlaEscalation.target.in_([SlaTarget.NEXT_REPLY, SlaTarget.ATTENTION]),
            SlaEscalation.due_at >= since,
            SlaEscalation.due_at < until,
        )
        .group_by(Followup.priority, SlaEscalation.target)
    )
    out += [tuple(row) for row in db.session.execute(stmt)]
    return out


def export_rows(since: datetime, until: datetime):
    """Every response in the range for CSV export, streamed from the database in batches."""
    stmt = (
        select(
            Feedback.id,
            Feedback.created_at,
            Feedback.kind,
            Feedback.channel,
            User.email,
            CustomerAccount.plan,
            Category.name,
            Feedback.csat,
            Feedback.nps,
            Feedback.urgent,
            Feedback.title,
            Feedback.comment,
            Followup.status,
            Followup.priority,
        )
        .join(User, User.id == Feedback.customer_id)
        .outerjoin(CustomerAccount, CustomerAccount.user_id == Feedback.customer_id)
        .outerjoin(Category, Category.id == Feedback.category_id)
        .outerjoin(Followup, Followup.feedback_id == Feedback.id)
        .where(Feedback.created_at >= since, Feedback.created_at < until)
        .order_by(Feedback.created_at, Feedback.id)
        .execution_options(yield_per=1000)
    )
    return db.session.execute(stmt)
