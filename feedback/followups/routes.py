"""Staff queue and case views."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.access import staff_required
from ..core.time import utcnow
from ..extensions import db
from . import queries, services
from .forms import ActionForm, AssignForm, NoteForm, ReplyForm
from .models import FollowupStatus, Priority
from .notify import TARGET_LABELS
from .queries import QueueFilter, get_followup, staff_members
from .sla import risk_level

bp = Blueprint("followups", __name__)


def _followup_or_404(followup_id: int):
    fu = get_followup(followup_id)
    if fu is None:
        abort(404)
    return fu


@bp.route("/", endpoint="queue")
@staff_required
def queue_page():
    flt = QueueFilter.from_args(request.args)
    page = queries.queue_page(flt, current_user.id)
    return render_template(
        "followups/queue.html",
        page=page,
        flt=flt,
        now=utcnow(),
        risk_level=risk_level,
        priorities=list(Priority),
        statuses=list(FollowupStatus),
        action_form=ActionForm(),
    )


def _assign_form(fu) -> AssignForm:
    form = AssignForm(assignee=str(fu.assignee_id or ""))
    form.assignee.choices = [("", _("Unassigned"))] + [(str(u.id), u.name) for u in staff_members()]
    return form


def _detail(fu, reply_form=None, note_form=None, status=200):
    return (
        render_template(
            "followups/show.html",
            fu=fu,
            now=utcnow(),
            risk=risk_level(fu, utcnow()),
            reply_form=reply_form or ReplyForm(prefix="reply"),
            note_form=note_form or NoteForm(prefix="note"),
            assign_form=_assign_form(fu),
            action_form=ActionForm(),
            target_labels=TARGET_LABELS,
        ),
        status,
    )


@bp.route("/<case:followup_id>")
@staff_required
def show(followup_id: int):
    return _detail(_followup_or_404(followup_id))


def _done(fu, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("followups.show", followup_id=fu.id))


@bp.route("/<case:followup_id>/reply", methods=["POST"])
@staff_required
def reply(followup_id: int):
    fu = _followup_or_404(followup_id)
    form = ReplyForm(prefix="reply")
    if form.validate_on_submit():
        try:
            services.staff_reply(fu, current_user, form.body.data)
        except services.FollowupError as exc:
            form.body.errors.append(str(exc))
        else:
            return _done(fu, _("Reply sent to the customer."))
    return _detail(fu, reply_form=form, status=400)


@bp.route("/<case:followup_id>/note", methods=["POST"])
@staff_required
def note(followup_id: int):
    fu = _followup_or_404(followup_id)
    form = NoteForm(prefix="note")
    if form.validate_on_submit():
        try:
            services.internal_note(fu, current_user, form.body.data)
        except services.FollowupError as exc:
            form.body.errors.append(str(exc))
        else:
            return _done(fu, _("Internal note added."))
    return _detail(fu, note_form=form, status=400)


@bp.route("/<case:followup_id>/assign", methods=["POST"])
@staff_required
def assign(followup_id: int):
    fu = _followup_or_404(followup_id)
    form = _assign_form(fu)
    if not form.validate_on_submit():
        return _detail(fu, status=400)
    staff = {str(u.id): u for u in staff_members()}
    assignee = staff.get(form.assignee.data) if form.assignee.data else None
    services.assign(fu, current_user, assignee)
    return _done(fu, _("Assignment saved."))


ACTIONS = {
    "claim": (services.claim, _l("Follow-up claimed.")),
    "waiting": (services.set_waiting, _l("Now waiting on the customer; the resolution clock is paused.")),
    "resume": (services.resume, _l("Back to open; the resolution clock runs again.")),
    "resolve": (services.resolve, _l("Follow-up resolved.")),
    "reopen": (services.reopen, _l("Follow-up reopened.")),
}


@bp.route("/<case:followup_id>/<any(claim, waiting, resume, resolve, reopen):action>", methods=["POST"])
@staff_required
def act(followup_id: int, action: str):
    fu = _followup_or_404(followup_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    func, message = ACTIONS[action]
    try:
        func(fu, current_user)
    except services.FollowupError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("followups.show", followup_id=fu.id))
    return _done(fu, str(message))
