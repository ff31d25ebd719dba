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
from flask_login import current_user, login_required, login_user, logout_user

from ..core.security import is_safe_redirect
from ..extensions import db, limiter
from ..i18n.services import keep_chosen_language
from .forms import LoginForm
from .services import authenticate, normalise_email, rotate_session_token

bp = Blueprint("auth", __name__)


def home_for(user) -> str:
    """Where each role lands after signing in."""
    if user.is_manager:
        return url_for("reports.satisfaction")
    if user.is_staff:
        return url_for("followups.queue")
    return url_for("surveys.dashboard")


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


def _login_email_key() -> str:
    return "login-email:" + normalise_email(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_EMAIL_RATE_LIMIT"], methods=["POST"], key_func=_login_email_key
)
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
            db.session.commit()
            login_user(user)
            target = request.args.get("next")
            return redirect(target if is_safe_redirect(target) else home_for(user))
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    rotate_session_token(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
