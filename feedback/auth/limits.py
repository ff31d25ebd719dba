"""Sign-in limits: failed sign-ins are counted, successful ones never are.

Three budgets (``config.py``), all Flask-Limiter limits that only count a response that is a
failed sign-in (``deduct_when``), so a support office behind one address can sign everyone
in at the start of a shift:

- per account and address (``LOGIN_EMAIL_ADDRESS_RATE_LIMIT``): one machine guessing one password;
- per account from anywhere (``LOGIN_EMAIL_RATE_LIMIT``), softer, and waived for a browser that
  has signed in to that account before (a "known browser" cookie), so guesses spread over many
  addresses slow the attacker down without locking the real user out;
- per address for any account (``LOGIN_RATE_LIMIT``): one machine trying many accounts.

A locked-out attempt answers 429 with the sign-in page, a translated message and Retry-After.
"""

import hashlib
import hmac
import logging

from flask import Response, current_app, render_template, request
from flask_babel import ngettext
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address

from ..core.outage import OutageLog
from ..core.time import seconds_until, wait_minutes
from ..extensions import limiter
from .forms import LoginForm
from .services import normalise_email

log = logging.getLogger(__name__)
outage = OutageLog(log)

ACCOUNT_ADDRESS_PREFIX = "login-email-addr:"
KNOWN_BROWSER_COOKIE = "kontento_known"
KNOWN_BROWSER_DAYS = 365
KNOWN_ACCOUNTS_PER_BROWSER = 5  # a shared computer remembers the last few accounts only


def failed(response: Response) -> bool:
    """A response counts against the budgets only when it refused the credentials (401): a
    password at sign-in, a bearer token on the API."""
    return response.status_code == 401


def _typed_email() -> str:
    return normalise_email(request.form.get("email", ""))


def account_key() -> str:
    """The account being signed in to, from any address."""
    return "login-email:" + _typed_email()


def account_address_key() -> str:
    """The account being signed in to, from this address."""
    return f"{ACCOUNT_ADDRESS_PREFIX}{get_remote_address()}:{_typed_email()}"


def address_key() -> str:
    """This address, whatever the account."""
    return "login-addr:" + (get_remote_address() or "unknown")


def _fingerprint(email: str) -> str:
    # Keyed with the secret key: the cookie can neither be forged for an address nor read back.
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"known-browser:" + email.encode(), hashlib.sha256).hexdigest()[:24]


def _known_fingerprints() -> list[str]:
    return [f for f in request.cookies.get(KNOWN_BROWSER_COOKIE, "").split(".") if f]


def is_known_browser() -> bool:
    """Tell whether this browser has signed in to the typed account before (``exempt_when``)."""
    email = _typed_email()
    return bool(email) and _fingerprint(email) in _known_fingerprints()


def remember_browser(response: Response, email: str) -> None:
    """After a successful sign-in, mark this browser as one that knows the account."""
    mine = _fingerprint(normalise_email(email))
    kept = [mine] + [f for f in _known_fingerprints() if f != mine]
    response.set_cookie(
        KNOWN_BROWSER_COOKIE,
        ".".join(kept[:KNOWN_ACCOUNTS_PER_BROWSER]),
        max_age=KNOWN_BROWSER_DAYS * 24 * 3600,
        path=request.path,  # sent to the sign-in page only
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )


def forgive_this_address() -> None:
    """After a successful sign-in, forget this address's failures on the account.

    Whoever typed the password here knows it; their earlier typos should not lock them out at
    the next sign-in. The account's budget from other addresses is left as it is.
    """
    try:
        for used in limiter.current_limits:
            if used.key and ACCOUNT_ADDRESS_PREFIX in used.key:
                limiter.limiter.clear(used.limit, *used.request_args)
    except Exception as exc:  # noqa: BLE001 — Redis is down: the sign-in succeeds, the count expires
        outage.failed("forgetting failed sign-ins in the limit storage", exc)


def locked_out(limit: RequestLimit) -> Response:
    """``on_breach``: the sign-in page, status 429, saying when to try again."""
    seconds = seconds_until(limit.window.reset_time)
    minutes = wait_minutes(seconds)
    message = ngettext(
        "Too many failed sign-ins. Try again in %(num)d minute.",
        "Too many failed sign-ins. Try again in %(num)d minutes.",
        minutes,
    )
    page = render_template("auth/login.html", form=LoginForm(), locked_out=message)
    return Response(page, status=429, headers={"Retry-After": str(seconds)})
