"""One-click survey links from e-mails (no sign-in).

GET only shows the question with the score from the e-mail pre-selected: mail scanners and
link previews follow GET links, so only a POST (with its CSRF token) records an answer.
Nothing here signs anyone in; the answer belongs to the invitation's customer.
"""

from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import get_locale

from ..core.headers import keep_link_private
from ..core.time import utcnow
from ..extensions import db, limiter
from ..followups.sla import customer_promise
from ..mailer.services import when
from .invitations import (
    ExpiredSurveyLink,
    InvalidSurveyLink,
    UsedSurveyLink,
    answer,
    load_invitation,
    outcome_case,
)
from .link_forms import CSAT_LABELS, ENDS, answer_form, preset_score
from .models import SurveyKind
from .pace import RatingLimitReached, refusal_message, take_rating_slot
from .services import FeedbackError

bp = Blueprint("survey_links", __name__)

DEFAULT_RATE_LIMIT = "10 per minute"


bp.after_request(keep_link_private)


def _error(kind: str, status: int):
    return render_template("surveys/link_error.html", kind=kind), status


def _page(invitation, form, status: int = 200):
    return (
        render_template(
            "surveys/link_answer.html",
            invitation=invitation,
            form=form,
            labels=CSAT_LABELS if invitation.kind == SurveyKind.CASE_CSAT else {},
            ends=ENDS[invitation.kind],
            SurveyKind=SurveyKind,
        ),
        status,
    )


@bp.route("/s/<token>", methods=["GET", "POST"], endpoint="answer")
@limiter.limit(lambda: current_app.config.get("SURVEY_LINK_RATE_LIMIT", DEFAULT_RATE_LIMIT), methods=["POST"])
def answer_link(token: str):
    now = utcnow()
    posted = request.method == "POST"
    try:
        invitation = load_invitation(token, now)
    except InvalidSurveyLink:
        return _error("invalid", 404)
    except ExpiredSurveyLink:
        return _error("expired", 410)
    except UsedSurveyLink:
        # Opening the link again is normal (a second click); sending a second answer is a conflict.
        return _error("used", 409 if posted else 200)

    if not posted:
        return _page(
            invitation, answer_form(invitation.kind, preset_score(invitation.kind, request.args.get("score")))
        )

    form = answer_form(invitation.kind)
    if not form.validate_on_submit():
        return _page(invitation, form, 400)
    try:
        take_rating_slot(invitation.customer)  # the customer's one budget, whichever way they rate
    except RatingLimitReached as exc:
        flash(refusal_message(exc), "warning")  # the link stays unused: they can answer later
        page, status = _page(invitation, form, 429)
        return page, status, {"Retry-After": str(exc.retry_after)}
    try:
        feedback = answer(invitation, form.score.data, form.comment.data, now)
    except FeedbackError as exc:
        for field, message in exc.fields.items():
            getattr(form, field).errors.append(message)
        return _page(invitation, form, 400)
    except UsedSurveyLink:
        db.session.rollback()
        return _error("used", 409)
    except ExpiredSurveyLink:
        return _error("expired", 410)
    db.session.commit()
    case = outcome_case(invitation, feedback)
    promise = customer_promise(case) if case is not None else None
    customer = invitation.customer
    return render_template(
        "surveys/link_done.html",
        invitation=invitation,
        feedback=feedback,
        case=case,
        # A deadline already missed is no promise: say nothing rather than name a past time.
        promise=promise if promise is not None and promise > now else None,
        # Nobody is signed in here: show times in the customer's own zone, naming it.
        when=lambda value: when(value, customer.timezone, str(get_locale() or "en")),
        SurveyKind=SurveyKind,
    )
