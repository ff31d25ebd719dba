"""Sign in with the billing panel: send the visitor to the provider, and take them back.

Both routes are 404 while ``OIDC_ISSUER`` is unset, and rate limited per client address
(``OIDC_RATE_LIMIT``). Every refusal is a page saying what to do, with a 4xx status (503 while
the provider does not answer), logged with its reason and never with a token or secret.
"""

import logging

from flask import Blueprint, abort, current_app, redirect, render_template, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..auth.routes import after_first_factor, home_for
from ..core.headers import keep_link_private
from ..core.security import is_safe_redirect
from ..core.time import utcnow
from ..core.urls import external_url
from ..extensions import limiter
from ..i18n.services import keep_chosen_language
from . import client
from .services import SignInRefused, sign_in_user

log = logging.getLogger(__name__)

bp = Blueprint("oidc", __name__)

NEXT_KEY = "oidc.next"  # where to go after signing in, carried through the provider's pages

# Why a sign-in was refused → the answer's status. The page's wording is in refused.html.
STATUS = {
    "state": 400,
    "nonce": 400,
    "invalid_token": 400,
    "provider_error": 400,
    "cancelled": 403,
    "email_not_verified": 403,
    "unusable_email": 403,
    "staff": 403,
    "deactivated": 403,
    "race": 409,
    "unavailable": 503,
    "misconfigured": 503,
}


@bp.before_request
def only_when_configured():
    """Every route of the blueprint is a 404 while ``OIDC_ISSUER`` is unset."""
    if not client.is_enabled():
        abort(404)


# The callback's URL carries the one-time code and state: keep it out of caches and indexes.
bp.after_request(keep_link_private)


def _per_address() -> str:
    return "sso-addr:" + (get_remote_address() or "unknown")


def _rate_limited(view):
    return limiter.limit(lambda: current_app.config["OIDC_RATE_LIMIT"], key_func=_per_address)(view)


def _refused(reason: str, detail: str = "", user_id: int | None = None):
    log.warning(
        "sign-in with the billing panel refused: %s%s%s",
        reason,
        f" ({detail})" if detail else "",
        f", user {user_id}" if user_id else "",
    )
    page = render_template("oidc/refused.html", reason=reason, provider=client.provider_name())
    return page, STATUS[reason]


@bp.route("/login/sso")
@_rate_limited
def start():
    """The sign-in button: off to the provider, remembering a ``next`` page of this site."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    target = request.args.get("next")
    session.pop(NEXT_KEY, None)
    if is_safe_redirect(target):
        session[NEXT_KEY] = target
    try:
        return client.begin(external_url("oidc.callback"))
    except client.FlowError as exc:
        return _refused(exc.reason, exc.detail)


@bp.route("/login/sso/callback")
@_rate_limited
def callback():
    """Back from the provider: check its answer, find or make the customer, sign them in."""
    try:
        claims = client.finish()
        user = sign_in_user(claims["iss"], claims, utcnow())
    except client.FlowError as exc:
        return _refused(exc.reason, exc.detail)
    except SignInRefused as exc:
        return _refused(exc.reason, user_id=exc.user_id)
    target = session.pop(NEXT_KEY, None)
    keep_chosen_language(user)
    # A new session id (dropping the rest of what the signed-out visitor's cookie held), or,
    # for a customer who turned two-factor sign-in on, the code page first.
    return after_first_factor(user, target if is_safe_redirect(target) else None)
