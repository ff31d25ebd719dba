"""The sign-in's second step: after the right password, a code from the app or a recovery code.

Only a right code opens the session (``auth.sessions.sign_in``). A wrong one answers 401 and
counts against two budgets kept like the password's (``auth/limits.py``: only a 401 uses them
up): per account (``TWO_FACTOR_ACCOUNT_RATE_LIMIT``, from any address: whoever is guessing
already has the password) and per address (``TWO_FACTOR_RATE_LIMIT``).
"""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address

from ...core.time import seconds_until, utcnow, wait_minutes
from ...extensions import db, limiter
from .. import limits
from ..access import home_for
from ..sessions import sign_in
from . import pending, services
from .forms import CodeForm

bp = Blueprint("two_factor_login", __name__)


def _account_key() -> str:
    return "2fa-account:" + pending.pending_user_id()


def _address_key() -> str:
    return "2fa-addr:" + (get_remote_address() or "unknown")


def _locked_out(limit: RequestLimit) -> Response:
    seconds = seconds_until(limit.window.reset_time)
    message = ngettext(
        "Too many wrong codes. Try again in %(num)d minute.",
        "Too many wrong codes. Try again in %(num)d minutes.",
        wait_minutes(seconds),
    )
    page = render_template("auth/two_factor_code.html", form=CodeForm(), locked_out=message)
    return Response(page, status=429, headers={"Retry-After": str(seconds)})


def _code_limit(setting: str, key_func):
    return limiter.limit(
        lambda: current_app.config[setting],
        methods=["POST"],
        key_func=key_func,
        deduct_when=limits.failed,
        on_breach=_locked_out,
    )


@bp.route("/login/two-factor", methods=["GET", "POST"])
@_code_limit("TWO_FACTOR_ACCOUNT_RATE_LIMIT", _account_key)
@_code_limit("TWO_FACTOR_RATE_LIMIT", _address_key)
def code():
    now = utcnow()
    waiting = pending.pending(now)
    if waiting is None:
        pending.forget()
        flash(_("Sign in again: the code was not given within five minutes."), "warning")
        return redirect(url_for("auth.login"))
    user, target = waiting
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        entered = form.code.data
        left = None
        accepted = services.check_code(user, entered, now)
        if not accepted:
            left = services.use_recovery_code(user, entered, now)
            accepted = left is not None
        if accepted:
            sign_in(user)  # also drops the halfway state with the rest of the old cookie
            db.session.commit()
            if left is not None:
                flash(
                    ngettext(
                        "You signed in with a recovery code. You have %(num)d left.",
                        "You signed in with a recovery code. You have %(num)d left.",
                        left,
                    ),
                    "warning",
                )
            return redirect(target or home_for(user))
        form.code.errors.append(_("That code is not right, or it was used already."))
        status = 401
    elif form.errors:
        status = 400
    return render_template("auth/two_factor_code.html", form=form), status
