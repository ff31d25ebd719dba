"""Sign up, "check your inbox", send a link again, and the page behind a link (choose a password).

Every answer about an address is the same whether or not it has an account: the mail says
the rest, to its owner only. Posts that send mail are rate limited per client address and per
e-mail address (one budget across sign-up and "send a link again", so neither floods a mailbox).
"""

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..auth.services import AccountError, normalise_email
from ..core.headers import keep_link_private
from ..core.time import timezone_names, utcnow
from ..extensions import db, limiter
from ..i18n.services import keep_chosen_language
from . import services
from .forms import ClaimForm, NewLinkForm, PasswordForm, SignupForm
from .queries import LinkError, link_for, signup_open

bp = Blueprint("signup", __name__)

SENT_KEY = "signup.sent"  # what the "check your inbox" page names: the address and which form


def _per_address() -> str:
    return "account-mail-addr:" + (get_remote_address() or "unknown")


def _per_email() -> str:
    return "account-mail-email:" + normalise_email(request.form.get("email", ""))


def _mail_limits(view):
    """The two budgets every form that mails a link shares."""
    view = limiter.shared_limit(
        lambda: current_app.config["SIGNUP_EMAIL_RATE_LIMIT"],
        scope="account-mail-email",
        key_func=_per_email,
        methods=["POST"],
    )(view)
    return limiter.shared_limit(
        lambda: current_app.config["SIGNUP_RATE_LIMIT"],
        scope="account-mail-addr",
        key_func=_per_address,
        methods=["POST"],
    )(view)


bp.after_request(keep_link_private)


def _sent(email: str, kind: str, started: float):
    """Redirect to "check your inbox", no sooner than ``SIGNUP_MIN_RESPONSE_MS`` after ``started``.

    A new address, a taken one and an unknown one cost different work (an account row and a
    mail, a mail, nothing): the time the answer takes must not tell them apart either.
    """
    session[SENT_KEY] = {"email": email, "kind": kind}
    left = current_app.config["SIGNUP_MIN_RESPONSE_MS"] / 1000 - (time.monotonic() - started)
    if left > 0:
        time.sleep(left)
    return redirect(url_for("signup.sent"))


@bp.route("/signup", methods=["GET", "POST"])
@_mail_limits
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("auth.index"))
    if not signup_open():
        # Invitation only: say so; a post (a stale form, a script) is refused.
        return render_template("signup/closed.html"), 403 if request.method == "POST" else 200
    started = time.monotonic()
    form = SignupForm()
    if form.validate_on_submit():
        try:
            services.sign_up(
                form.email.data,
                form.name.data,
                form.timezone.data,
                session.get("locale") or get_locale().language,
                utcnow(),
            )
        except AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            db.session.commit()
            return _sent(normalise_email(form.email.data), "signup", started)
    status = 400 if form.errors else 200
    return render_template("signup/signup.html", form=form, timezones=timezone_names()), status


@bp.route("/signup/sent")
def sent():
    return render_template("signup/sent.html", sent=session.get(SENT_KEY) or {})


@bp.route("/account/new-link", methods=["GET", "POST"])
@_mail_limits
def new_link():
    started = time.monotonic()
    form = NewLinkForm()
    if form.validate_on_submit():
        services.send_new_link(form.email.data, utcnow())
        db.session.commit()
        return _sent(normalise_email(form.email.data), "link", started)
    status = 400 if form.errors else 200
    return render_template("signup/new_link.html", form=form), status


def _link_error(kind: str):
    status = 404 if kind == "invalid" else 410
    return render_template("signup/link_error.html", kind=kind, form=NewLinkForm(formdata=None)), status


@bp.route("/account/link/<link_token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ACCOUNT_LINK_RATE_LIMIT"], methods=["POST"])
def use_link(link_token: str):
    """GET only shows the form (mail scanners follow links); the POST uses the link."""
    now = utcnow()
    try:
        link = link_for(link_token, now)
    except LinkError as exc:
        return _link_error(exc.kind)
    user = link.user
    claiming = user.is_unclaimed
    if claiming:
        form = ClaimForm(
            data=None if request.method == "POST" else {"name": user.name, "timezone": user.timezone}
        )
    else:
        form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.use_link(
                link,
                form.password.data,
                now,
                name=form.name.data if claiming else None,
                timezone=form.timezone.data if claiming else None,
            )
        except AccountError as exc:
            getattr(form, exc.field or "password").errors.append(str(exc))
        except LinkError as exc:
            db.session.rollback()
            return _link_error(exc.kind)
        else:
            keep_chosen_language(user, fallback=get_locale().language)
            db.session.commit()
            if claiming:
                flash(
                    _("Your account is ready. Sign in with your e-mail address and new password."), "success"
                )
            else:
                flash(_("Your new password is set. Sign in with it."), "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return render_template(
        "signup/use_link.html", form=form, user=user, claiming=claiming, timezones=timezone_names()
    ), status
