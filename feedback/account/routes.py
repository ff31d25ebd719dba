"""The account pages: /account (profile, and a customer's services) and /account/password.

Every post is limited per signed-in user (``ACCOUNT_RATE_LIMIT``, one budget for the pages); a
wrong current password also counts against the account's failure budget
(``PASSWORD_CHECK_RATE_LIMIT``), which only failures (401) use up, as at sign-in.
"""

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale, ngettext, refresh
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import current_user, login_required

from ..auth import limits
from ..auth.services import AccountError
from ..core.time import seconds_until, timezone_names, utcnow, wait_minutes
from ..extensions import db, limiter
from . import queries, services
from .forms import ChangePasswordForm, ProfileForm, SendLinkForm

bp = Blueprint("account", __name__)


def _per_user() -> str:
    # login_required runs first; the address only keys a request that somehow got here signed out.
    return f"account:{current_user.id}" if current_user.is_authenticated else f"account:{request.remote_addr}"


def _password_checks_key() -> str:
    return f"password-check:{current_user.id}" if current_user.is_authenticated else "password-check:-"


def _account_limit(view):
    """One budget for every post on the account pages, per user."""
    return limiter.shared_limit(
        lambda: current_app.config["ACCOUNT_RATE_LIMIT"],
        scope="account",
        key_func=_per_user,
        methods=["POST"],
    )(view)


def _too_many_wrong(limit: RequestLimit) -> Response:
    """``on_breach`` of the failure budget: the form again, status 429, saying when to try again."""
    seconds = seconds_until(limit.window.reset_time)
    form = ChangePasswordForm(formdata=None)
    form.current.errors = [
        ngettext(
            "Too many wrong passwords. Try again in %(num)d minute.",
            "Too many wrong passwords. Try again in %(num)d minutes.",
            wait_minutes(seconds),
        )
    ]
    page = render_template("account/password.html", form=form)
    return Response(page, status=429, headers={"Retry-After": str(seconds)})


@bp.route("", methods=["GET", "POST"])
@login_required
@_account_limit
def profile():
    me = current_user
    saved = {"name": me.name, "language": me.locale or get_locale().language, "timezone": me.timezone}
    form = ProfileForm(data=None if request.method == "POST" else saved)
    if form.validate_on_submit():
        try:
            services.update_profile(me, form.name.data, form.language.data, form.timezone.data)
        except AccountError as exc:
            getattr(form, exc.field or "name").errors.append(str(exc))
        else:
            db.session.commit()
            refresh()  # the message below, and the next page, in the language just chosen
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("account.profile"))
    status = 400 if form.errors else 200
    return render_template(
        "account/profile.html",
        form=form,
        services=queries.services_of(me) if me.is_customer else None,
        has_password=services.has_password(me),
        timezones=timezone_names(),
        format_date=format_date,
    ), status


@bp.route("/password", methods=["GET", "POST"])
@login_required
@_account_limit
@limiter.limit(
    lambda: current_app.config["PASSWORD_CHECK_RATE_LIMIT"],
    key_func=_password_checks_key,
    methods=["POST"],
    deduct_when=limits.failed,
    on_breach=_too_many_wrong,
)
def password():
    if not services.has_password(current_user):
        # Signs in another way (single sign-on): choosing a password proves the address first.
        return render_template("account/set_password.html", form=SendLinkForm())
    form = ChangePasswordForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current.data, form.password.data, current_user.session_key, utcnow()
            )
        except services.WrongPassword as exc:
            form.current.errors.append(str(exc))
            status = 401  # counts against the failure budget
        except AccountError as exc:
            getattr(form, exc.field or "password").errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                _("Your password is changed. Any other browser signed in to your account is signed out."),
                "success",
            )
            return redirect(url_for("account.profile"))
    return render_template("account/password.html", form=form), status


@bp.route("/password/link", methods=["POST"])
@login_required
@_account_limit
def password_link():
    """An account without a password asks for a link to choose one."""
    if not SendLinkForm().validate_on_submit():
        return redirect(url_for("account.password"))
    services.send_password_link(current_user, utcnow())
    db.session.commit()
    flash(_("We sent you an e-mail with a link to choose your password."), "success")
    return redirect(url_for("account.profile"))
