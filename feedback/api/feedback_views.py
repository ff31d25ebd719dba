"""``/api/v1/feedback``: customers leave feedback and read their own; staff read everyone's.

A "suggestion" sent here is posted to the idea board (it is an idea now, not a feedback row):
the answer keeps ``"kind": "suggestion"`` and the fields old clients read, with ``id`` and
``url`` those of the idea at ``/api/v1/ideas/<id>``.
"""

from flask import jsonify, request
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..extensions import db, limiter
from ..followups.models import Followup
from ..ideas.labels import status_labels
from ..ideas.services import IdeaError, post_idea
from ..surveys.models import Channel, Feedback
from ..surveys.pace import RatingLimitReached, take_rating_slot
from ..surveys.queries import all_feedback, customer_feedback, customer_feedback_item
from ..surveys.services import (
    FeedbackError,
    active_categories,
    category_by_slug,
    submit_rating,
)
from . import auth, serializers
from .auth import api_user, customers_only
from .blueprint import bp, not_found, paginate, request_now
from .schemas import KINDS, RATING, SUGGESTION
from .validation import INT32_MAX, ApiError, QueryErrors, json_body, validate


def category_or_422(slug: str | None):
    """The active category ``slug`` names (None for none), or 422 naming the valid slugs."""
    if slug is None:
        return None
    category = category_by_slug(slug, request_now())
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


def _not_a_suggestion() -> bool:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested too deeply: the view answers 400 and posts nothing
        return True
    return not (isinstance(body, dict) and body.get("kind") == "suggestion")


@bp.post("/feedback")
@customers_only
@limiter.shared_limit(
    auth.idea_post_rate_limit,
    scope=auth.IDEA_POST_SCOPE,
    key_func=auth.rate_limit_key,
    override_defaults=False,
    deduct_when=auth.idea_was_posted,
    exempt_when=_not_a_suggestion,  # ratings have a budget of their own (surveys/pace.py)
)
@auth.customer_idea_limit(exempt_when=_not_a_suggestion)
def feedback_create():
    """Leave a rating (channel "api"; opening its follow-up when negative) or a suggestion,
    which is posted to the idea board."""
    data = _parse_feedback()
    category = category_or_422(data["category"])
    customer, now = api_user(), request_now()
    if data["kind"] == "suggestion":
        return _suggestion(data, category)
    try:
        take_rating_slot(customer)  # per customer, shared with the dashboard and survey links
    except RatingLimitReached as exc:
        raise ApiError(
            429,
            f"Too many ratings from this customer: the limit is {exc.limit}, on every channel. "
            "Retry after Retry-After seconds.",
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc
    try:
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
    body = serializers.feedback(item, staff=False)
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = body["url"]
    return response


def _suggestion(data: dict, category):
    """Post the suggestion as an idea; answer in the suggestion's shape, pointing at the idea."""
    try:
        idea = post_idea(
            api_user(),
            title=data["title"],
            description=data["text"],
            category=category,
            now=request_now(),
        )
    except IdeaError as exc:
        # The idea's "description" is the suggestion's "text"; messages are lazy strings.
        fields = {"text" if k == "description" else k: str(v) for k, v in exc.fields.items()}
        raise ApiError(422, "The request body has invalid fields.", fields) from exc
    body = serializers.suggestion(idea, api_user(), labels=status_labels())
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
    return jsonify(data)
