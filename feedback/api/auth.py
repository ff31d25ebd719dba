"""Bearer-token authentication, role checks and the per-token rate-limit key for the API.

The API never looks at the session cookie: a request is authenticated by its
``Authorization: Bearer <token>`` header alone, so a browser session cannot be used to
call it (and CSRF does not apply).
"""

from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from ..auth.models import Role, User
from ..auth.services import record_token_use, working_token
from ..core import cache
from ..core.errors import json_error
from ..core.security import hash_token
from ..extensions import limiter, login_manager
from ..ideas import pace as ideas_pace
from .validation import ApiError

DEFAULT_RATE_LIMIT = "120 per minute"
DEFAULT_AUTH_FAILURE_LIMIT = "20 per minute"
AUTH_FAILURE_SCOPE = "api-v1-auth-failures"
DEFAULT_IDEA_POST_LIMIT = "20 per hour"
IDEA_POST_SCOPE = "api-idea-posts"  # one budget for POST /ideas and suggestions sent to /feedback


def bearer_token() -> str | None:
    """The token from ``Authorization: Bearer <token>``, or None when absent or another scheme."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def unauthorized(message: str, *, token_given: bool):
    """401 in the error shape with the ``WWW-Authenticate`` challenge RFC 6750 asks for."""
    response, status = json_error(401, message)
    challenge = 'Bearer realm="kontento-api"'
    if token_given:
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response, status


TOKEN_CACHE = "api-token"


@dataclass
class _TokenEntry:
    """A working token as the cache keeps it: its id, last use and a detached copy of its user."""

    token_id: int
    last_used_at: datetime | None
    user: User


def _token_entry(token_hash: str) -> _TokenEntry | None:
    """One query: the token (not revoked) with its user; None unless both still work.

    Cached for ``REFERENCE_CACHE_SECONDS`` (core/cache.py): a revoked token or a disabled user
    is refused by every process within that bound.
    """
    row = working_token(token_hash)
    if row is None:
        return None
    return _TokenEntry(row.id, row.last_used_at, cache.detached_copy(row.user))


def known_token(now: datetime) -> bool:
    """The request's bearer token is one this process found working at most
    ``REFERENCE_CACHE_SECONDS`` ago: it will authenticate without a lookup, so the per-address
    failure limit (which guards the lookups) need not be asked, a Redis round trip saved."""
    token = bearer_token()
    return token is not None and cache.peek(TOKEN_CACHE, hash_token(token), now) is not None


def authenticate(public_endpoints: frozenset[str], now: datetime):
    """``before_request`` hook: resolve the bearer token into ``g.api_user`` or answer 401.

    The token → user lookup is cached (core/cache.py): a token revoked or a user disabled at
    ``t`` is refused by every process from ``t + REFERENCE_CACHE_SECONDS`` on."""
    g.api_user = None
    # Pin Flask-Login's current_user for this request so nothing downstream (locale, time zone,
    # any shared helper) falls back to the cookie's user.
    g._login_user = login_manager.anonymous_user()
    if request.endpoint in public_endpoints:
        return None
    token = bearer_token()
    if token is None:
        return unauthorized("Send an API token: Authorization: Bearer <token>.", token_given=False)
    token_hash = hash_token(token)
    entry = cache.cached(TOKEN_CACHE, token_hash, now, lambda: _token_entry(token_hash))
    if entry is None:
        return unauthorized(
            "This API token is not valid (unknown, revoked, or its user is disabled).", token_given=True
        )
    if record_token_use(entry.token_id, entry.last_used_at, now):
        entry.last_used_at = now  # the cached entry too: the next requests need not write it
    user = cache.attach(entry.user)
    g.api_user = user
    g._login_user = user
    return None


def api_user() -> User:
    """The user the current request's token belongs to."""
    return g.api_user


def roles(*allowed: Role, message: str):
    """Let only users with one of ``allowed`` roles through; others get 403 with ``message``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if api_user().role not in allowed:
                raise ApiError(403, message)
            return view(*args, **kwargs)

        return wrapped

    return decorator


customers_only = roles(Role.CUSTOMER, message="Only customers can leave feedback.")
staff_only = roles(Role.STAFF, Role.MANAGER, message="Only staff and managers can use this endpoint.")
managers_only = roles(Role.MANAGER, message="Reports are for managers only.")


def rate_limit() -> str:
    """The per-token limit (``API_RATE_LIMIT``, default 120 per minute)."""
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def auth_failure_limit() -> str:
    """Failed authentications per address (``API_AUTH_FAILURE_LIMIT``, default 20 per minute)."""
    return current_app.config.get("API_AUTH_FAILURE_LIMIT", DEFAULT_AUTH_FAILURE_LIMIT)


def address_key() -> str:
    """Count per client address, whatever token it sends."""
    return "api-addr:" + (get_remote_address() or "unknown")


def idea_post_rate_limit() -> str:
    """The per-token limit on new ideas (``API_IDEA_RATE_LIMIT``, default 20 per hour)."""
    return current_app.config.get("API_IDEA_RATE_LIMIT", DEFAULT_IDEA_POST_LIMIT)


def idea_was_posted(response) -> bool:
    """Only ideas actually posted use up the idea budget: a refused body costs nothing."""
    return response.status_code == 201


def customer_idea_limit(**extra):
    """The per-customer budget for new ideas (``IDEA_POST_RATE_LIMIT``), shared with the board's
    /ideas/new: a second token is no way round it. Counted after the role check, so the key is
    the token's customer."""
    return limiter.shared_limit(
        ideas_pace.idea_post_limit,
        scope=ideas_pace.SCOPE,
        key_func=lambda: ideas_pace.customer_key(api_user()),
        override_defaults=False,
        deduct_when=idea_was_posted,
        error_message=lambda: (
            f"Too many new ideas from this customer: the limit is {ideas_pace.idea_post_limit()}, "
            "on the board and the API together. Retry after Retry-After seconds."
        ),
        **extra,
    )


def rate_limit_key() -> str:
    """Count requests per token (by its hash, never the token itself); without one, per address.

    The limiter runs before authentication, so the key comes from the header as sent.
    """
    token = bearer_token()
    if token:
        return "api-token:" + hash_token(token)
    return address_key()
