"""Reads for the customer dashboard, always scoped to one customer."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
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


def all_feedback():
    """Every feedback item, newest first (staff views and the API)."""
    return (
        select(Feedback)
        .options(joinedload(Feedback.followup), joinedload(Feedback.category), joinedload(Feedback.customer))
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
    )
