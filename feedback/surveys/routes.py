"""Customer dashboard views (thin: forms in, services and queries out)."""

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import RequestLimit
from flask_login import current_user

from ..auth.access import customer_required
from ..core.pagination import paginate
from ..core.time import seconds_until, wait_minutes
from ..extensions import db, limiter
from ..followups.models import EventKind
from ..followups.services import FollowupError, customer_reply, reopen_by_customer_until
from ..followups.sla import customer_promise
from .forms import PreferencesForm, RatingForm, ReplyForm
from .labels import category_name
from .pace import RatingLimitReached, refusal_message, take_rating_slot
from .queries import customer_case_feedback, customer_feedback, customer_feedback_item
from .services import (
    FeedbackError,
    active_categories,
    category_by_slug,
    set_mail_preferences,
    submit_rating,
)

bp = Blueprint("surveys", __name__)


def _rating_form(form: RatingForm | None = None) -> RatingForm:
    form = form or RatingForm(prefix="r")
    form.category.choices = [(c.slug, category_name(c.name)) for c in active_categories()]
    return form


def _dashboard(rating=None, status=200):
    page = paginate(customer_feedback(current_user.id), per_page=10)
    return (
        render_template(
            "surveys/dashboard.html",
            rating_form=_rating_form(rating),
            page=page,
            promise=customer_promise,
        ),
        status,
    )


def _copy_errors(form, exc: FeedbackError, mapping: dict[str, str]) -> None:
    for field, message in exc.fields.items():
        getattr(form, mapping.get(field, field)).errors.append(message)


@bp.route("/dashboard")
@customer_required
def dashboard():
    return _dashboard()


@bp.route("/feedback", methods=["POST"])
@customer_required
def leave_rating():
    form = _rating_form()
    if form.validate_on_submit():
        try:
            take_rating_slot(current_user)
        except RatingLimitReached as exc:
            # The page again, with what they typed: nothing is stored, and they are told why.
            flash(refusal_message(exc), "warning")
            page, status = _dashboard(rating=form, status=429)
            return page, status, {"Retry-After": str(exc.retry_after)}
        try:
            feedback = submit_rating(
                current_user,
                csat=form.csat.data,
                nps=form.nps.data,
                category=category_by_slug(form.category.data),
                comment=form.comment.data,
                urgent=form.urgent.data,
            )
        except FeedbackError as exc:
            _copy_errors(form, exc, {})
        else:
            db.session.commit()
            if feedback.followup is not None:
                flash(
                    _("We are sorry this was not good enough. We opened a case and will answer soon."),
                    "warning",
                )
                return redirect(url_for("surveys.case", followup_id=feedback.followup.id))
            flash(_("Thank you for your feedback."), "success")
            return redirect(url_for("surveys.dashboard"))
    return _dashboard(rating=form, status=400)


def _own_or_404(feedback_id: int):
    feedback = customer_feedback_item(current_user.id, feedback_id)
    if feedback is None:
        abort(404)
    return feedback


def _show(feedback, form=None, status=200):
    fu = feedback.followup
    events = [e for e in fu.events if e.is_public] if fu else []
    return (
        render_template(
            "surveys/show.html",
            feedback=feedback,
            fu=fu,
            events=events,
            promise=customer_promise(fu) if fu else None,
            reopen_until=reopen_by_customer_until(fu) if fu else None,
            form=form or ReplyForm(),
            EventKind=EventKind,
        ),
        status,
    )


@bp.route("/feedback/<int:feedback_id>")
@customer_required
def show(feedback_id: int):
    feedback = _own_or_404(feedback_id)
    if feedback.followup is not None:  # a case has one page, under its reference
        return redirect(url_for("surveys.case", followup_id=feedback.followup.id))
    return _show(feedback)


@bp.route("/cases/<case:followup_id>")
@customer_required
def case(followup_id: int):
    """The customer's case page: ``/cases/K-220`` (or ``/cases/220``)."""
    feedback = customer_case_feedback(current_user.id, followup_id)
    if feedback is None:
        abort(404)
    return _show(feedback)


def _too_many_messages(limit: RequestLimit) -> Response:
    """``on_breach`` of the case-message budget: the case page again, status 429, with what the
    customer wrote still in the box and when they can send it."""
    seconds = seconds_until(limit.window.reset_time)
    feedback = _own_or_404(request.view_args["feedback_id"])
    form = ReplyForm()
    form.body.errors = [
        ngettext(
            "You have sent many messages in a short time. Please try again in %(num)d minute; "
            "what you wrote is still here.",
            "You have sent many messages in a short time. Please try again in %(num)d minutes; "
            "what you wrote is still here.",
            wait_minutes(seconds),
        )
    ]
    page, _status = _show(feedback, form)
    return Response(page, status=429, headers={"Retry-After": str(seconds)})


@bp.route("/feedback/<int:feedback_id>/reply", methods=["POST"])
@customer_required
@limiter.limit(
    lambda: current_app.config["CASE_MESSAGE_RATE_LIMIT"],
    key_func=lambda: f"case-messages:{current_user.id}",  # after customer_required: signed in
    on_breach=_too_many_messages,
)
def reply(feedback_id: int):
    feedback = _own_or_404(feedback_id)
    if feedback.followup is None:
        abort(404)
    form = ReplyForm()
    if form.validate_on_submit():
        was_open = feedback.followup.is_open
        try:
            customer_reply(feedback.followup, current_user, form.body.data)
        except FollowupError as exc:
            form.body.errors.append(str(exc))
        else:
            db.session.commit()
            if was_open:
                flash(_("Your message was added to the case."), "success")
            else:
                flash(_("Your message reopened the case. Our team will answer you."), "success")
            return redirect(url_for("surveys.case", followup_id=feedback.followup.id))
    return _show(feedback, form, status=400)


@bp.route("/preferences", methods=["GET", "POST"])
@customer_required
def preferences():
    form = PreferencesForm(obj=current_user)
    if form.validate_on_submit():
        set_mail_preferences(current_user, optional_mail=form.optional_mail.data)
        db.session.commit()
        flash(_("Your e-mail preferences are saved."), "success")
        return redirect(url_for("surveys.preferences"))
    return render_template("surveys/preferences.html", form=form)
