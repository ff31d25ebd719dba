"""SQL for the reports: aggregates only, so a page view never pulls raw rows into Python.

Every query takes a half-open UTC range ``[since, until)`` and uses the indexed timestamp.
"""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, DateTime, cast, false, func, or_, select
from sqlalchemy.orm import aliased

from ..auth.models import User
from ..core.dates import month_end, utc_range  # noqa: F401 (utc_range: the reports read it from here)
from ..core.db import count_if
from ..core.time import as_utc
from ..extensions import db
from ..followups.models import (
    ACTIVE_STATUSES,
    Category,
    EventKind,
    Followup,
    FollowupStatus,
    SlaEscalation,
    SlaTarget,
)
from ..followups.queries import had_event
from ..surveys.models import Feedback, SurveyInvitation, SurveyKind
from ..teams.models import Team
from . import followup_rollups as fr
from .models import FollowupRollup, RatingRollup

UNCATEGORISED = "Uncategorised"  # the category of ratings without one, as reports key it


def _segment_start(day):
    """The first day of the part of ``day``'s week that lies in ``day``'s month.

    Such a segment sits inside one week and inside one month, so rows grouped by it still add up to
    every weekly and monthly figure, with about a sixth of the rows of a per-day grouping.
    """
    if db.engine.dialect.name == "postgresql":
        day = cast(day, DateTime)  # a plain timestamp: date_trunc on timestamptz would consult the zone
        return cast(func.greatest(func.date_trunc("week", day), func.date_trunc("month", day)), Date)
    return func.max(func.date(day, "weekday 0", "-6 days"), func.date(day, "start of month"), type_=Date)


def daily_ratings(since: datetime, until: datetime) -> list[tuple]:
    """Rows of (day, category, plan, CSAT and NPS counts and sums), read from the rollups.

    ``rating_rollups`` is kept current by every write of a rating (see rollups.py), so a page view
    reads a few rows per day instead of every rating. ``day`` is the first day of a week-and-month
    segment (never before ``since``): enough for weekly and monthly trends. Rollups are per UTC day,
    so ``since`` and ``until`` are expected on midnight UTC, as ``utc_range`` gives them.
    """
    r = RatingRollup
    segment = _segment_start(r.day).label("day")
    stmt = (
        select(
            segment,
            func.coalesce(Category.name, UNCATEGORISED).label("category"),
            r.plan,
            func.sum(r.csat_n).label("csat_n"),
            func.sum(r.csat_satisfied).label("csat_satisfied"),
            func.sum(r.csat_sum).label("csat_sum"),
            func.sum(r.nps_n).label("nps_n"),
            func.sum(r.promoters).label("promoters"),
            func.sum(r.detractors).label("detractors"),
        )
        .select_from(r)
        .outerjoin(Category, Category.id == r.category_key)
        .where(r.day >= since.date(), r.day < until.date(), r.ratings != 0)
        .group_by(segment, Category.name, r.plan)
    )
    first = since.date()
    # Plain tuples: pandas builds its frame from these several times faster than from Row objects.
    return [(max(row[0], first), *row[1:]) for row in db.session.execute(stmt)]


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


def _spans(first: date, last: date) -> tuple[list[date], list[tuple[date, date]]]:
    """The whole months inside ``first``–``last`` (their 1st days) and the day ranges left over."""
    months, days = [], []
    day = first
    while day <= last:
        last_of_month = month_end(day)
        if day.day == 1 and last_of_month <= last:
            months.append(day)
        else:
            days.append((day, min(last_of_month, last)))
        day = last_of_month + timedelta(days=1)
    return months, days


def _rollup_span(first: date, last: date):
    """Rollup rows covering exactly the days ``first``–``last``: month rows where whole, else day rows."""
    r = FollowupRollup
    months, days = _spans(first, last)
    parts = [(r.grain == fr.MONTH) & r.day.in_(months)] if months else []
    parts += [(r.grain == fr.DAY) & (r.day >= a) & (r.day <= b) for a, b in days]
    return or_(*parts) if parts else false()


def followup_facts(start: date, end: date, now: datetime) -> list[tuple]:
    """Rows of (priority, measure, bin, count, sum in ms) from ``followup_rollups`` for the inclusive range.

    Counts that take a deadline as decided (``fr.DECIDED_BY_NOW``) are read only for days before
    ``now``'s UTC day, where that holds; ``sla_compliance_live`` counts today and later.
    """
    r = FollowupRollup
    decided = list(fr.DECIDED_BY_NOW)
    last_decided = min(end, as_utc(now).date() - timedelta(days=1))
    stmt = (
        select(r.priority, r.measure, r.bin, func.sum(r.n), func.sum(r.total_ms))
        .where(
            or_(
                r.measure.notin_(decided) & _rollup_span(start, end),
                r.measure.in_(decided) & _rollup_span(start, last_decided),
            )
        )
        .group_by(r.priority, r.measure, r.bin)
    )
    return [tuple(row) for row in db.session.execute(stmt)]


def sla_compliance_live(since: datetime, until: datetime, now: datetime):
    """Met and decided counts, by priority, of deadlines in ``[since, until)`` from ``now``'s UTC day on.

    A deadline still in the future and not yet met is undecided and left out. Earlier days come
    from the rollups (``followup_facts``); these rows are few, found through the deadline indexes.
    """
    since = max(since, datetime.combine(as_utc(now).date(), time.min, tzinfo=UTC))
    if since >= until:
        return []
    fr_due = Followup.first_response_due
    fr_in = (fr_due >= since) & (fr_due < until)
    fr_decided = fr_in & ((fr_due <= now) | Followup.first_response_at.isnot(None))
    fr_met = fr_decided & Followup.first_response_at.isnot(None) & (Followup.first_response_at <= fr_due)
    res_due = Followup.resolution_due
    res_in = (res_due >= since) & (res_due < until)
    res_met = res_in & Followup.resolved_at.isnot(None) & Followup.resolution_breached.is_(False)
    res_missed = res_in & Followup.resolution_breached.is_(True)
    res_missed = res_missed | (res_in & Followup.resolved_at.is_(None) & (res_due <= now))
    stmt = (
        select(
            Followup.priority,
            count_if(fr_met).label("first_met"),
            count_if(fr_decided).label("first_due"),
            count_if(res_met).label("resolution_met"),
            count_if(res_met | res_missed).label("resolution_due"),
        )
        .where(fr_in | res_in)
        .group_by(Followup.priority)
    )
    return db.session.execute(stmt).all()


def backlog(now: datetime):
    """Open and waiting follow-ups by priority: total, overdue and at risk at ``now``."""
    active = Followup.status.in_(ACTIVE_STATUSES)
    overdue = Followup.due_at <= now
    at_risk = (Followup.at_risk_at <= now) & (Followup.due_at > now)
    stmt = (
        select(
            Followup.priority,
            func.count(Followup.id).label("total"),
            count_if(overdue).label("overdue"),
            count_if(at_risk).label("at_risk"),
            count_if(Followup.status == FollowupStatus.WAITING).label("waiting"),
        )
        .where(active)
        .group_by(Followup.priority)
    )
    return db.session.execute(stmt).all()


def escalation_breaches(since: datetime, until: datetime) -> list[tuple[str, str, int]]:
    """Missed next-reply and 24 h ceiling deadlines that fell in the range, as (priority, target, count),
    from the sweep's escalation records. First-response and resolution misses come from the flags
    on the follow-up, counted in the rollups (``followup_facts``)."""
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
    return [tuple(row) for row in db.session.execute(stmt)]


def export_rows(since: datetime, until: datetime):
    """Every response in the range for CSV export, streamed from the database in batches."""
    stmt = (
        select(
            Feedback.id,
            Feedback.created_at,
            Feedback.kind,
            Feedback.channel,
            User.email,
            Feedback.plan,  # the plan the response was given on, as the report counts it
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
        .outerjoin(Category, Category.id == Feedback.category_id)
        .outerjoin(Followup, Followup.feedback_id == Feedback.id)
        .where(Feedback.created_at >= since, Feedback.created_at < until)
        .order_by(Feedback.created_at, Feedback.id)
        .execution_options(yield_per=1000)
    )
    return db.session.execute(stmt)


def case_export_rows(since: datetime, until: datetime):
    """Every follow-up created in the range with what its SLA outcome needs, streamed in batches:
    the customer, the assignee's and the team's names, the after-resolution CSAT (the latest
    answer) and whether it was ever reopened."""
    assignee = aliased(User)
    latest_csat = (
        select(Feedback.csat)
        .join(SurveyInvitation, SurveyInvitation.feedback_id == Feedback.id)
        .where(SurveyInvitation.followup_id == Followup.id, SurveyInvitation.kind == SurveyKind.CASE_CSAT)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    reopened = had_event(Followup.id, EventKind.REOPENED)
    stmt = (
        select(
            Followup,
            User.email.label("customer_email"),
            Feedback.plan,
            Category.name.label("category"),
            assignee.name.label("assignee"),
            latest_csat.label("csat_after_resolution"),
            reopened.label("reopened"),
            Team.name.label("team"),
        )
        .join(Feedback, Feedback.id == Followup.feedback_id)
        .join(User, User.id == Followup.customer_id)
        .outerjoin(Category, Category.id == Feedback.category_id)
        .outerjoin(assignee, assignee.id == Followup.assignee_id)
        .outerjoin(Team, Team.id == Followup.team_id)
        .where(Followup.created_at >= since, Followup.created_at < until)
        .order_by(Followup.created_at, Followup.id)
        .execution_options(yield_per=1000)
    )
    return db.session.execute(stmt)
