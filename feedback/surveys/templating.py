"""What pages of other features show of a customer's ratings, without importing surveys.

The staff case page (followups) sits below surveys, so its template calls this global,
registered by the app factory: ``customer_ratings(customer_id)``.
"""

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..core.scales import nps_band
from ..extensions import db
from .models import Feedback, FeedbackKind

HISTORY_LIMIT = 5


@dataclass(frozen=True)
class RatingHistory:
    """A customer's latest ratings, how many they left in all, and their latest NPS answer."""

    latest: list[Feedback]
    total: int
    nps: int | None
    nps_band: str  # one of core.scales.NPS_BANDS ("none": never answered)


def customer_ratings(customer_id: int, limit: int = HISTORY_LIMIT) -> RatingHistory:
    """The customer's ratings, newest first (``limit`` of them), and their latest NPS answer."""
    own_ratings = (Feedback.customer_id == customer_id, Feedback.kind == FeedbackKind.RATING)
    latest = list(
        db.session.scalars(
            select(Feedback)
            .where(*own_ratings)
            .options(joinedload(Feedback.followup), joinedload(Feedback.category))
            .order_by(Feedback.created_at.desc(), Feedback.id.desc())
            .limit(limit)
        )
    )
    total = db.session.scalar(select(func.count()).select_from(Feedback).where(*own_ratings))
    nps = db.session.scalar(
        select(Feedback.nps)
        .where(Feedback.customer_id == customer_id, Feedback.nps.is_not(None))
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(1)
    )
    return RatingHistory(latest, total or 0, nps, nps_band(nps))


def init_app(app: Flask) -> None:
    """Register the global."""
    app.jinja_env.globals["customer_ratings"] = customer_ratings
