"""Staff queue and case views."""

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from ..auth.access import staff_required
from ..auth.models import User
from ..auth.sessions import background
from ..core.time import utcnow
from ..extensions import db
from ..teams.queries import may_work, team_choices, teams_of
from . import bulk, canned, queries, saved_views, services
from .deadline_text import deadline_phrase, next_deadline
from .forms import ActionForm, AssignForm, NoteForm, ReplyForm
from .models import FollowupStatus, Priority
from .notify import TARGET_LABELS
from .policies import policy_for
from .queries import QueueFilter, customer_cases, get_followup, staff_members
from .sla import risk_level

bp = Blueprint("followups", __name__)


@bp.record_once
def _globals(state) -> None:
    # The queue and the case page say which deadline is next and how long is left.
    state.app.jinja_env.globals["deadline_phrase"] = deadline_phrase
    state.app.jinja_env.globals["next_deadline"] = next_deadline


def _followup_or_404(followup_id: int):
    fu = get_followup(followup_id)
    if fu is None:
        abort(404)
    return fu


def _workable_or_403(followup_id: int):
    """The case, when the signed-in person may act on it (teams/queries.py ``may_work``): staff
    read every team's cases but work only their own teams' unless a manager allowed it."""
    fu = _followup_or_404(followup_id)
    if not may_work(current_user, fu.team_id, fu.assignee_id):
        abort(403)
    return fu


@bp.route("/", endpoint="queue")
@staff_required
def queue_page():
    flt = _queue_filter()
    now = utcnow()  # before the query: a case committed meanwhile is news for the page, not lost
    page = queries.queue_page(flt, current_user.id, now)
    return render_template(
        "followups/queue.html",
        page=page,
        flt=flt,
        now=now,
        risk_level=risk_level,
        priorities=list(Priority),
        statuses=list(FollowupStatus),
        teams=team_choices(),
        action_form=ActionForm(),
        # Saved views and the bulk bar (queue_routes.py)
        query=saved_views.query_of(flt),
        presets=saved_views.PRESETS,
        views=saved_views.views_of(current_user),
        bulk_staff=staff_members() if page.items else [],
        bulk_max=bulk.MAX_CASES,
        # The cases behind a report figure (reports/people.py) say whose they are.
        assignee=db.session.get(User, flt.assignee) if flt.assignee is not None else None,
    )


def _queue_filter() -> QueueFilter:
    return QueueFilter.from_args(request.args, tuple(sorted(teams_of(current_user.id))))


@bp.route("/news")
@staff_required
@background  # the open queue page asks every 30 s: that is not the person at work
def news():
    """JSON for the open queue page (static/js/queue_news.js): how many cases came in after
    ``?since=`` (the page's own moment, ISO 8601 with its offset; none: now), and the critical
    ones, with the words to show."""
    typed = request.args.get("since")
    try:
        since = datetime.fromisoformat(typed) if typed else utcnow()  # none given: from now on
        if since.tzinfo is None:
            abort(400)
        since = since.astimezone(UTC)  # year 1 or 9999 in another zone overflows here, not in SQL
    except (ValueError, OverflowError):
        abort(400)
    found = queries.queue_news(since, _queue_filter())
    critical = [
        {
            "reference": fu.reference,
            "url": url_for("followups.show", followup_id=fu.id),
            "text": _("New critical case %(ref)s from %(name)s", ref=fu.reference, name=fu.customer.name),
        }
        for fu in found.critical
    ]
    message = ngettext(
        "%(num)d new case since you opened this page.",
        "%(num)d new cases since you opened this page.",
        found.new,
    )
    response = jsonify(new=found.new, message=message if found.new else "", critical=critical)
    response.headers["Cache-Control"] = "no-store"
    return response


def _assign_form(fu) -> AssignForm:
    form = AssignForm(assignee=str(fu.assignee_id or ""))
    form.assignee.choices = [("", _("Unassigned"))] + [(str(u.id), u.name) for u in staff_members()]
    return form


def _canned_groups(fu) -> list[tuple[str, list]]:
    """The canned replies offered on ``fu``'s page, filled for it, grouped by language with the
    customer's language first: ``[(language, [(reply, text), …]), …]``."""
    filled = [(reply, canned.fill(reply.body, fu, current_user)) for reply in canned.replies_for(fu)]
    return canned.by_language(filled, lambda pair: pair[0].language)


def _detail(fu, reply_form=None, note_form=None, status=200):
    canned_groups = _canned_groups(fu)
    if reply_form is None:
        reply_form = ReplyForm(prefix="reply")
        # ?canned=<id>: the reply box starts from that canned reply (the picker without JavaScript).
        picked = request.args.get("canned", type=int)
        texts = {reply.id: text for _language, group in canned_groups for reply, text in group}
        if picked in texts:
            reply_form.body.data = texts[picked]
    return (
        render_template(
            "followups/show.html",
            fu=fu,
            now=utcnow(),
            risk=risk_level(fu, utcnow()),
            reply_form=reply_form,
            note_form=note_form or NoteForm(prefix="note"),
            assign_form=_assign_form(fu),
            action_form=ActionForm(),
            target_labels=TARGET_LABELS,
            other_cases=customer_cases(fu.customer_id, fu.id),
            can_work=may_work(current_user, fu.team_id, fu.assignee_id),
            business_time=policy_for(fu).business_time,
            canned_groups=canned_groups,
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
    fu = _workable_or_403(followup_id)
    form = ReplyForm(prefix="reply")
    # Which button sent the form: the reply alone, or the reply and then a change of status.
    then = request.form.get("then") or None
    if then is not None and then not in services.AFTER_REPLY:
        abort(400)
    if form.validate_on_submit():
        try:
            services.staff_reply_then(fu, current_user, form.body.data, then)
        except services.FollowupError as exc:
            form.body.errors.append(str(exc))
        else:
            return _done(fu, str(REPLY_DONE[then]))
    return _detail(fu, reply_form=form, status=400)


REPLY_DONE = {
    None: _l("Reply sent to the customer."),
    "waiting": _l("Reply sent; now waiting on the customer, the resolution clock is paused."),
    "resolve": _l("Reply sent and the follow-up resolved."),
}


@bp.route("/<case:followup_id>/note", methods=["POST"])
@staff_required
def note(followup_id: int):
    fu = _workable_or_403(followup_id)
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
    fu = _workable_or_403(followup_id)
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
    fu = _workable_or_403(followup_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    func, message = ACTIONS[action]
    try:
        func(fu, current_user)
    except services.FollowupError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("followups.show", followup_id=fu.id))
    return _done(fu, str(message))
