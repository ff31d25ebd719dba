"""The API blueprint and what every endpoint shares: token auth, rate limit, errors, paging, time."""

from datetime import datetime

from flask import Blueprint, current_app, g, request, url_for
from flask_limiter.errors import RateLimitExceeded

from ..auth import limits
from ..core.errors import json_error
from ..core.pagination import paginate as paginate_page
from ..core.time import utcnow
from ..extensions import csrf, db, limiter
from . import auth, idempotency
from .validation import ApiError, QueryErrors, page_args

bp = Blueprint("api", __name__)

# Tokens, not cookies, authenticate the API, so there is no CSRF to protect against.
csrf.exempt(bp)

# Readable without a token: API clients fetch the description before they hold one.
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})

# One budget per token across the whole API (shared scope), not one per endpoint.
limiter.shared_limit(auth.rate_limit, scope="api-v1", key_func=auth.rate_limit_key)(bp)
# Failed authentications per address. The limiter's check runs before ``_authenticate`` below
# and only reads a counter, so an address sending random tokens gets 429s, not a database
# lookup per token; only a 401 answer counts. A token this process found working moments ago
# (core/cache.py) needs no lookup and cannot fail, so it skips the check.
limiter.shared_limit(
    auth.auth_failure_limit,
    scope=auth.AUTH_FAILURE_SCOPE,
    key_func=auth.address_key,
    deduct_when=limits.failed,  # only answers that refused the token (or its absence) count
    exempt_when=lambda: request.endpoint in PUBLIC_ENDPOINTS or auth.known_token(request_now()),
)(bp)


@bp.before_request
def _authenticate():
    return auth.authenticate(PUBLIC_ENDPOINTS, request_now())


@bp.before_request
def _idempotency_key():
    # After _authenticate (hooks run in the order registered): keys belong to the token's owner.
    if request.method == "POST" and g.get("api_user") is not None:
        return idempotency.claim(g.api_user.id, request_now())
    return None


@bp.after_request
def _commit(response):
    # The request's one commit, here rather than in each view, so that a POST's answer is stored
    # under its Idempotency-Key in the same transaction as its write (idempotency.py).
    if g.pop("idempotency_replayed", False):
        return response  # a stored answer: nothing to write
    if response.status_code < 300:
        idempotency.store(response)
        db.session.commit()
    else:
        db.session.rollback()  # a refused request leaves nothing half-written, nor its key
    return response


@bp.after_request
def _no_store(response):
    # Answers carry one user's data and depend on their token: no shared cache may keep them.
    if request.endpoint not in PUBLIC_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    db.session.rollback()  # a refused request leaves nothing half-written behind
    body, status = json_error(exc.status, exc.message, exc.fields)
    return body, status, exc.headers


@bp.errorhandler(RateLimitExceeded)
def _rate_limited(exc: RateLimitExceeded):
    if exc.limit.scope == auth.AUTH_FAILURE_SCOPE:
        return json_error(
            429,
            f"Too many failed authentications from this address: the limit is {exc.description}. "
            "Retry after Retry-After seconds.",
        )
    if exc.limit.error_message:  # a per-customer budget, which names itself
        return json_error(429, exc.description)
    return json_error(
        429, f"Too many requests: the limit is {exc.description} per token. Retry after Retry-After seconds."
    )


def request_now() -> datetime:
    """The moment this request acts at, fixed for the whole request."""
    if "api_now" not in g:
        g.api_now = utcnow()
    return g.api_now


def paginate(stmt, errors: QueryErrors):
    """Run ``stmt`` for ``?page=&per_page=``; raise 400 naming every bad query parameter first.

    Returns the Flask-SQLAlchemy pagination and the URL of the next page (None on the last).
    """
    page, per_page = page_args(errors, current_app.config["PAGE_SIZE"])
    errors.raise_if_any()
    result = paginate_page(stmt, per_page=per_page, page=page)
    next_url = None
    if result.has_next:
        args = {**request.args.to_dict(), "page": page + 1, "per_page": per_page}
        next_url = url_for(request.endpoint, **(request.view_args or {}), **args)
    return result, next_url


def not_found(thing: str) -> ApiError:
    """404 that does not say whether the row exists for someone else."""
    return ApiError(404, f"No such {thing}.")
