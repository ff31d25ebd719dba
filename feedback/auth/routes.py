"""Sign in and sign out (sign-up is feedback/signup)."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..core.security import is_safe_redirect
from ..core.time import utcnow
from ..extensions import db, limiter
from ..i18n.services import keep_chosen_language
from . import limits
from .access import home_for
from .forms import LoginForm
from .services import authenticate
from .sessions import end_session, sign_in
from .two_factor import pending

bp = Blueprint("auth", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


def _login_limit(setting: str, key_func, **options):
    """One failed-sign-in budget (see ``limits.py``): only a 401 answer uses it up."""
    return limiter.limit(
        lambda: current_app.config[setting],
        methods=["POST"],
        key_func=key_func,
        deduct_when=limits.failed,
        on_breach=limits.locked_out,
        **options,
    )


@bp.route("/login", methods=["GET", "POST"])
@_login_limit("LOGIN_EMAIL_ADDRESS_RATE_LIMIT", limits.account_address_key)
@_login_limit("LOGIN_EMAIL_RATE_LIMIT", limits.account_key, exempt_when=limits.is_known_browser)
@_login_limit("LOGIN_RATE_LIMIT", limits.address_key)
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            # One message whatever was wrong, so the form does not reveal who has an account.
            form.password.errors.append(_("Invalid e-mail or password."))
            status = 401
        else:
            keep_chosen_language(user)
            target = request.args.get("next")
            response = after_first_factor(user, target if is_safe_redirect(target) else None)
            limits.remember_browser(response, user.email)
            limits.forgive_this_address()
            return response
    return render_template("auth/login.html", form=form), status


def after_first_factor(user, target: str | None):
    """Once ``user`` proved who they are one way (their password, the billing panel): a user
    with two-factor sign-in gets no session until they give the code too (two_factor/); anyone
    else is signed in. Commits; the redirect goes to ``target`` (already validated) or home."""
    if user.has_two_factor:
        pending.await_code(user, target, utcnow())
        db.session.commit()
        return redirect(url_for("two_factor_login.code"))
    sign_in(user)  # a new session id at every sign-in
    db.session.commit()
    return redirect(target or home_for(user))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    end_session(current_user.session_key)
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
