"""``/api/v1/feedback``: customers leave feedback and read their own; staff read everyone's."""

from flask import jsonify
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..extensions import db
from ..followups.models import Followup
from ..surveys.models import Channel, Feedback
from ..surveys.queries import all_feedback, customer_feedback, customer_feedback_item
from ..surveys.services import (
    FeedbackError,
    active_categories,
    category_by_slug,
    submit_rating,
    submit_suggestion,
)
from . import serializers
from .auth import api_user, customers_only
from .blueprint import bp, not_found, paginate, request_now
from .schemas import KINDS, RATING, SUGGESTION
from .validation import INT32_MAX, ApiError, QueryErrors, json_body, validate


def _category(slug: str | None):
    if slug is None:
        return None
    category = category_by_slug(slug)
    if category is None:
        choices = ", ".join(c.slug for c in active_categories())
        raise ApiError(
            422,
            "The request body has invalid fields.",
            {"category": f"Unknown category; use one of: {choices}."},
        )
    return category


def _parse_feedback() -> dict:
    body = json_body()
    kind = body.get("kind", "rating")
    if kind not in KINDS:
        # Validate against the rating schema so "kind" gets its message (and other fields theirs).
        validate(body, RATING)
    return validate(body, SUGGESTION if kind == "suggestion" else RATING)


@bp.post("/feedback")
@customers_only
def feedback_create():
    """Leave a rating (opening its follow-up when negative) or a suggestion; channel "api"."""
    data = _parse_feedback()
    category = _category(data["category"])
    customer, now = api_user(), request_now()
    try:
        if data["kind"] == "suggestion":
            item = submit_suggestion(
                customer,
                title=data["title"],
                text=data["text"],
                category=category,
                channel=Channel.API,
                now=now,
            )
        else:
            item = submit_rating(
                customer,
                csat=data["csat"],
                nps=data["nps"],
                category=category,
                comment=data["comment"],
                urgent=data["urgent"],
                channel=Channel.API,
                now=now,
            )
    except FeedbackError as exc:  # the service's own rules (e.g. limits checked after trimming)
        # The service's messages are lazy (translated when rendered): JSON gets plain strings.
        fields = {name: str(message) for name, message in exc.fields.items()}
        raise ApiError(422, "The request body has invalid fields.", fields) from exc
    # Built before the commit, which would expire the new rows and make the answer reload them.
    body = serializers.feedback(item, staff=False)
    db.session.commit()
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = body["url"]
    return response


@bp.get("/feedback")
def feedback_list():
    """Customers: their own feedback; staff: everyone's, filtered by customer and date."""
    user = api_user()
    errors = QueryErrors()
    customer_id = errors.integer("customer_id", None, 1, INT32_MAX)
    since = errors.moment("since")
    # A customer's list is scoped first; their filters only narrow it further.
    if user.is_staff:
        stmt = all_feedback().options(  # what the staff view of each item shows, in the same query
            joinedload(Feedback.customer).joinedload(User.account),
            joinedload(Feedback.followup).joinedload(Followup.assignee),
        )
    else:
        stmt = customer_feedback(user.id)
    if customer_id is not None:
        stmt = stmt.where(Feedback.customer_id == customer_id)
    if since is not None:
        stmt = stmt.where(Feedback.created_at >= since)
    result, next_url = paginate(stmt, errors)
    items = [serializers.feedback(f, staff=user.is_staff) for f in result.items]
    return jsonify(serializers.page(result, items, next_url))


@bp.get("/feedback/<int:feedback_id>")
def feedback_show(feedback_id: int):
    """One item with its case timeline (public entries only for its customer)."""
    user = api_user()
    item = None
    if feedback_id <= INT32_MAX:
        item = (
            db.session.get(Feedback, feedback_id)
            if user.is_staff
            else customer_feedback_item(user.id, feedback_id)
        )
    if item is None:
        raise not_found("feedback")
    data = serializers.feedback(item, staff=user.is_staff, with_timeline=True)
    db.session.commit()
    return jsonify(data)
