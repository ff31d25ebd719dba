"""Reads for surveys: the customer dashboard (always scoped to one customer), the staff list of
all feedback, and the interval between relationship surveys."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..core.app_settings import AppSetting
from ..extensions import db
from ..followups.models import Followup
from .models import Feedback


def customer_feedback(customer_id: int):
    """A customer's own feedback, newest first, with follow-up and category loaded."""
    return (
        select(Feedback)
        .where(Feedback.customer_id == customer_id)
        .options(joinedload(Feedback.followup), joinedload(Feedback.category))
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
    )


def customer_feedback_item(customer_id: int, feedback_id: int) -> Feedback | None:
    """One feedback item, or None when it does not exist or belongs to someone else."""
    return db.session.scalar(
        select(Feedback).where(Feedback.id == feedback_id, Feedback.customer_id == customer_id)
    )


def customer_case_feedback(customer_id: int, followup_id: int) -> Feedback | None:
    """The feedback whose case is ``followup_id``, or None when there is no such case or it is
    someone else's."""
    return db.session.scalar(
        select(Feedback)
        .join(Feedback.followup)
        .where(Followup.id == followup_id, Feedback.customer_id == customer_id)
    )


def all_feedback():
    """Every feedback item, newest first (staff views and the API)."""
    return (
        select(Feedback)
        .options(joinedload(Feedback.followup), joinedload(Feedback.category), joinedload(Feedback.customer))
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
    )


NPS_INTERVAL_KEY = "nps_survey_interval_days"
DEFAULT_NPS_INTERVAL_DAYS = 90
MAX_NPS_INTERVAL_DAYS = 365


def nps_interval_days() -> int:
    """Days between relationship (NPS) surveys to one customer; 0 means they are off.

    An unset or unreadable value falls back to the default rather than stopping the surveys.
    """
    row = db.session.get(AppSetting, NPS_INTERVAL_KEY)
    if row is None:
        return DEFAULT_NPS_INTERVAL_DAYS
    try:
        days = int(row.value)
    except ValueError:
        return DEFAULT_NPS_INTERVAL_DAYS
    return days if 0 <= days <= MAX_NPS_INTERVAL_DAYS else DEFAULT_NPS_INTERVAL_DAYS
