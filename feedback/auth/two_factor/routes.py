"""Your own two-factor sign-in (/account/two-factor): set it up, new recovery codes, turn it off;
and the guard that sends anyone who must use it to set it up before any other page."""

from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...core.security import is_safe_redirect
from ...core.time import utcnow
from ...extensions import db, limiter
from .. import limits
from ..access import home_for
from . import services
from .forms import CodeForm, DisableForm

bp = Blueprint("two_factor", __name__)

# What someone who must set two-factor sign-in up may still reach before they have: signing
# out, the language switcher, static files (and the host's logo and colours), the health probe,
# and the set-up pages themselves.
# The API authenticates by token, not by this session.
OPEN_BEFORE_ENROLMENT = frozenset({"static", "healthz", "auth.logout", "i18n.set_language"})
OPEN_BLUEPRINTS = frozenset({"two_factor", "two_factor_login", "api", "brand"})  # brand: logo, colours


@bp.before_app_request
def enrol_first():
    """``before_request``: a signed-in user whose role requires two-factor sign-in and who has
    not set it up goes to the set-up page, whatever they asked for (it comes back after)."""
    if request.endpoint is None or request.endpoint in OPEN_BEFORE_ENROLMENT:
        return None
    if request.blueprint in OPEN_BLUEPRINTS or "_user_id" not in session:
        return None
    user = current_user
    if not user.is_authenticated or user.has_two_factor or not services.is_required(user):
        return None
    target = None
    if request.method == "GET" and request.endpoint != "auth.index":
        target = request.full_path if request.query_string else request.path
    return redirect(url_for("two_factor.setup", next=target))


def offered_only(view):
    """Signed-in users who may have two-factor sign-in (``services.is_offered``); others 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not services.is_offered(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _next() -> str:
    target = request.args.get("next")
    return target if is_safe_redirect(target) else home_for(current_user)


def _own_limit():
    # A session someone else got hold of must not be able to guess a code here either.
    return limiter.limit(
        lambda: current_app.config["TWO_FACTOR_ACCOUNT_RATE_LIMIT"],
        key_func=lambda: f"2fa-own:{getattr(current_user, 'id', None)}",
        deduct_when=limits.failed,
    )


def _status_page(code_form=None, disable_form=None, status: int = 200):
    return render_template(
        "auth/two_factor_status.html",
        code_form=code_form or CodeForm(formdata=None),
        disable_form=disable_form or DisableForm(formdata=None),
        required=services.is_required(current_user),
        left=services.recovery_codes_left(current_user),
    ), status


def _recovery_page(codes: list[str]):
    return render_template("auth/two_factor_recovery.html", codes=codes, next=_next(), user=current_user)


@bp.route("", methods=["GET", "POST"])
@offered_only
def setup():
    if current_user.has_two_factor:
        return _status_page()
    secret = services.start_enrolment(current_user)
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = services.confirm_enrolment(
                current_user, form.code.data, utcnow(), keep=current_user.session_key
            )
        except services.TwoFactorError:
            form.code.errors.append(_("That code is not right. Enter the code your app shows now."))
            status = 400
        else:
            db.session.commit()
            return _recovery_page(codes)
    elif form.errors:
        status = 400
    db.session.commit()  # the secret being set up: a reload shows the QR code already scanned
    uri = services.provisioning_uri(current_user, secret)
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        secret=services.grouped(secret),
        qr=services.qr_svg(uri, _("QR code for your authenticator app")),
        required=services.is_required(current_user),
    ), status


@bp.route("/recovery-codes", methods=["POST"])
@offered_only
@_own_limit()
def new_recovery_codes():
    if not current_user.has_two_factor:
        return redirect(url_for("two_factor.setup"))
    form = CodeForm()
    if not form.validate_on_submit():
        return _status_page(code_form=form, status=400)
    if services.check_code(current_user, form.code.data, utcnow()):
        codes = services.replace_recovery_codes(current_user, utcnow())
        db.session.commit()
        return _recovery_page(codes)
    form.code.errors = [_("That code is not right, or it was used already.")]
    return _status_page(code_form=form, status=401)  # a wrong guess: counts against the limit


@bp.route("/disable", methods=["POST"])
@offered_only
@_own_limit()
def disable():
    if not current_user.has_two_factor:
        return redirect(url_for("two_factor.setup"))
    form = DisableForm()
    if services.is_required(current_user):  # a refused request, not a wrong guess
        form.password.errors = [_("Your role requires two-factor sign-in: it cannot be turned off.")]
        return _status_page(disable_form=form, status=400)
    if not form.validate_on_submit() or not (form.password.data or form.code.data):
        form.password.errors = [_("Enter your password or a current code from your app.")]
        return _status_page(disable_form=form, status=400)
    proven = services.check_password(current_user, form.password.data or "") or (
        bool(form.code.data) and services.check_code(current_user, form.code.data, utcnow())
    )
    if not proven:
        form.password.errors = [_("That password or code is not right.")]
        return _status_page(disable_form=form, status=401)  # a wrong guess: counts against the limit
    services.disable(current_user, utcnow())
    db.session.commit()
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("two_factor.setup"))
