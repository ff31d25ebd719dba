"""``/api/v1/ideas``: the idea board for API clients (same services and queries as the pages).

Customers list, read, post, vote for and follow ideas; staff also change statuses, answer
officially and merge duplicates. What a reader sees of an author follows the board's privacy
rule (:func:`feedback.ideas.labels.author_label`). A merged idea still answers 200 with
``merged_into`` set: votes and follows sent to it go to the idea it was merged into.
"""

from flask import jsonify, request
from sqlalchemy.orm import selectinload

from ..auth.models import Role
from ..extensions import limiter
from ..ideas import merge as merging
from ..ideas import services
from ..ideas.labels import status_labels
from ..ideas.models import Idea, IdeaFollower, IdeaStatus, IdeaVote
from ..ideas.queries import board, groups_with, idea_for
from ..surveys.services import active_categories, category_by_slug
from . import auth, serializers
from .auth import api_user, roles, staff_only
from .blueprint import bp, not_found, paginate, request_now
from .feedback_views import category_or_422
from .schemas import IDEA_ANSWER, IDEA_CREATE, IDEA_MERGE, IDEA_SORTS, IDEA_STATUS, IDEA_STATUSES
from .validation import INT32_MAX, ApiError, QueryErrors, json_body, validate

MAX_QUERY = 200

customers_only = roles(Role.CUSTOMER, message="Only customers post and vote for ideas.")


# Per token, on top of the API's general budget: new ideas are public to every customer, so a
# runaway client must not flood the board. POST /feedback with kind "suggestion" shares it.
idea_post_limit = limiter.shared_limit(
    auth.idea_post_rate_limit,
    scope=auth.IDEA_POST_SCOPE,
    key_func=auth.rate_limit_key,
    override_defaults=False,
    deduct_when=auth.idea_was_posted,
)


def _idea_or_404(idea_id: int) -> Idea:
    idea = idea_for(idea_id, staff=api_user().is_staff) if idea_id <= INT32_MAX else None
    if idea is None:
        raise not_found("idea")
    return idea


def _fields(exc: services.IdeaError) -> dict[str, str]:
    # The service's messages are lazy (translated when rendered): JSON gets plain strings.
    return {name: str(message) for name, message in exc.fields.items()}


def _invalid(exc: services.IdeaError) -> ApiError:
    return ApiError(422, "The request body has invalid fields.", _fields(exc))


def _conflict(exc: services.IdeaError) -> ApiError:
    # Bodies are validated first, so what the service refuses here is the idea's state.
    return ApiError(409, "; ".join(_fields(exc).values()), _fields(exc))


def _one(idea: Idea, labels: dict[str, str] | None = None) -> dict:
    """One idea with the caller's vote and follow (on its group, as the board counts them)."""
    user = api_user()
    live = services.live(idea)
    data = serializers.idea(
        idea,
        user,
        voted=user.is_customer and services.has_voted(live, user.id),
        following=services.is_following(live, user.id),
        labels=labels or status_labels(),
    )
    data["vote_count"] = live.vote_count  # a merged idea's votes count on the idea it went into
    return data


def _answer(body: dict, status: int = 200):
    """Send ``body``; the blueprint commits the request's one transaction after the answer."""
    return jsonify(body), status


def _text_arg(errors: QueryErrors, name: str) -> str | None:
    raw = request.args.get(name)
    if raw is not None and ("\x00" in raw or len(raw) > MAX_QUERY):
        errors.fields[name] = f"Must be at most {MAX_QUERY} characters, without NUL."
        return None
    return raw


@bp.get("/ideas")
def idea_list():
    """The board: live ideas filtered by words, category and status, sorted top, new or updated."""
    user = api_user()
    errors = QueryErrors()
    q = _text_arg(errors, "q")
    slug = _text_arg(errors, "category")
    status = errors.choice("status", IDEA_STATUSES)
    sort = errors.choice("sort", IDEA_SORTS, "top")
    category = category_by_slug(slug) if slug else None
    if slug and category is None:
        errors.fields["category"] = "Unknown category; use one of: " + ", ".join(
            c.slug for c in active_categories()
        )
    stmt = board(
        q=q,
        category_id=category.id if category else None,
        status=IdeaStatus(status) if status else None,
        sort=sort,
        include_hidden=user.is_staff,  # staff moderate: they see spam too, flagged "hidden"
    )
    if user.is_staff:  # staff answers name who answered: loaded with the page, not row by row
        stmt = stmt.options(selectinload(Idea.answered_by))
    result, next_url = paginate(stmt, errors)
    ids = [idea.id for idea in result.items]
    voted = groups_with(IdeaVote, IdeaVote.customer_id, user.id, ids) if user.is_customer else set()
    following = groups_with(IdeaFollower, IdeaFollower.user_id, user.id, ids)
    labels = status_labels()
    items = [
        serializers.idea(i, user, voted=i.id in voted, following=i.id in following, labels=labels)
        for i in result.items
    ]
    return jsonify(serializers.page(result, items, next_url))


@bp.get("/ideas/<int:idea_id>")
def idea_show(idea_id: int):
    """One idea (hidden ones are 404 to customers); a merged one says where it went."""
    return jsonify(_one(_idea_or_404(idea_id)))


@bp.post("/ideas")
@customers_only
@idea_post_limit
@auth.customer_idea_limit()
def idea_create():
    """Post an idea; its author votes for it and follows it."""
    data = validate(json_body(), IDEA_CREATE)
    category = category_or_422(data["category"])
    try:
        idea = services.post_idea(
            api_user(),
            title=data["title"],
            description=data["description"],
            category=category,
            anonymous=data["anonymous"],
            now=request_now(),
        )
    except services.IdeaError as exc:
        raise _invalid(exc) from exc
    body = _one(idea)
    response, status = _answer(body, 201)
    response.headers["Location"] = body["url"]
    return response, status


@bp.post("/ideas/<int:idea_id>/vote")
@customers_only
def idea_vote(idea_id: int):
    """Vote (idempotent: voting again changes nothing); the voter follows the idea."""
    idea = _idea_or_404(idea_id)
    try:
        changed = services.vote(idea, api_user(), now=request_now())
    except services.IdeaError as exc:  # locked or hidden: closed for voting
        raise _conflict(exc) from exc
    live = services.live(idea)
    return _answer({"idea_id": live.id, "voted": True, "changed": changed, "vote_count": live.vote_count})


@bp.delete("/ideas/<int:idea_id>/vote")
@customers_only
def idea_unvote(idea_id: int):
    """Take the vote back (idempotent); the customer keeps following until they stop."""
    idea = _idea_or_404(idea_id)
    changed = services.unvote(idea, api_user())
    live = services.live(idea)
    return _answer({"idea_id": live.id, "voted": False, "changed": changed, "vote_count": live.vote_count})


@bp.post("/ideas/<int:idea_id>/follow")
def idea_follow(idea_id: int):
    """Follow: an e-mail on each status change (idempotent)."""
    idea = _idea_or_404(idea_id)
    changed = services.follow(idea, api_user(), now=request_now())
    return _answer({"idea_id": services.live(idea).id, "following": True, "changed": changed})


@bp.delete("/ideas/<int:idea_id>/follow")
def idea_unfollow(idea_id: int):
    """Stop following (idempotent; a vote stays)."""
    idea = _idea_or_404(idea_id)
    changed = services.unfollow(idea, api_user())
    return _answer({"idea_id": services.live(idea).id, "following": False, "changed": changed})


@bp.post("/ideas/<int:idea_id>/status")
@staff_only
def idea_status(idea_id: int):
    """Move the idea to a status; declining needs a reason, done writes a changelog entry."""
    idea = _idea_or_404(idea_id)
    data = validate(json_body(), IDEA_STATUS)
    if idea.is_merged:
        raise ApiError(409, "This idea was merged into another: change that one.")
    try:
        services.set_status(
            idea,
            IdeaStatus(data["status"]),
            api_user(),
            reason=data["reason"],
            changelog=data["changelog"],
            now=request_now(),
        )
    except services.IdeaError as exc:
        raise _invalid(exc) from exc
    return _answer(_one(idea))


@bp.post("/ideas/<int:idea_id>/answer")
@staff_only
def idea_answer(idea_id: int):
    """Set the official answer (an empty text removes it)."""
    idea = _idea_or_404(idea_id)
    data = validate(json_body(), IDEA_ANSWER)
    try:
        services.answer(idea, data["text"], api_user(), now=request_now())
    except services.IdeaError as exc:
        raise _invalid(exc) from exc
    return _answer(_one(idea))


@bp.post("/ideas/<int:idea_id>/merge")
@staff_only
def idea_merge(idea_id: int):
    """Merge this idea (a duplicate) into ``into``: its voters count there once each."""
    duplicate = _idea_or_404(idea_id)
    into = validate(json_body(), IDEA_MERGE)["into"]
    keep = idea_for(into, staff=True)
    if keep is None:
        raise ApiError(422, "The request body has invalid fields.", {"into": "No such idea."})
    try:
        merging.merge(duplicate, keep, api_user(), now=request_now())
    except services.IdeaError as exc:  # into itself, or one of them already merged
        raise _conflict(exc) from exc
    labels = status_labels()
    return _answer({"idea": _one(duplicate, labels), "kept": _one(keep, labels)})


@bp.post("/ideas/<int:idea_id>/unmerge")
@staff_only
def idea_unmerge(idea_id: int):
    """Undo the merge: the idea is back on the board with the votes cast on it."""
    idea = _idea_or_404(idea_id)
    try:
        kept = merging.unmerge(idea, api_user(), now=request_now())
    except services.IdeaError as exc:  # not merged
        raise _conflict(exc) from exc
    labels = status_labels()
    return _answer({"idea": _one(idea, labels), "kept": _one(kept, labels)})
