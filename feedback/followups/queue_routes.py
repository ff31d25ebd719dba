"""The staff queue's own tools: saved views (save, rename, delete) and bulk actions.

A blueprint beside the queue's (``queue_tools``, under ``/queue``) so the case pages' routes
stay as they are. Every post comes back to the queue as it was shown: the form carries the
queue's query string, read back through :class:`~.queries.QueueFilter` (never a URL taken as
given, so no open redirect).
"""

from urllib.parse import parse_qsl

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..auth.access import staff_required
from ..extensions import db, limiter
from . import bulk, saved_views
from .forms import BulkForm, SaveViewForm
from .queries import QueueFilter, staff_members

bp = Blueprint("queue_tools", __name__, url_prefix="/queue")

VIEW_LIMIT = "30 per hour"  # saving, renaming and deleting views, per person: a handful a day is use
BULK_LIMIT = "30 per minute"  # up to bulk.MAX_CASES cases each


def _per_user() -> str:
    return f"queue-tools:{current_user.id}"


def _back_to_queue(query: str | None = None):
    """The queue showing the filters of ``query`` (the form's ``back``, else none), at its page."""
    args = MultiDict(parse_qsl(request.form.get("back", "") if query is None else query))
    page = args.get("page", type=int)
    page = page if page and page > 1 else None
    return redirect(url_for("followups.queue", **QueueFilter.from_args(args).to_args(), page=page))


@bp.route("/views", methods=["POST"])
@staff_required
@limiter.shared_limit(VIEW_LIMIT, scope="saved-views", key_func=_per_user)
def save_view():
    """Save the filters of the queue the form was on (``back``) as a view named ``name``."""
    form = SaveViewForm()
    if not form.validate_on_submit():
        abort(400)
    flt = QueueFilter.from_args(MultiDict(parse_qsl(request.form.get("back", ""))))
    try:
        view = saved_views.save_view(current_user, form.name.data, flt)
    except saved_views.SavedViewError as exc:
        flash(str(exc), "danger")
        return _back_to_queue()
    db.session.commit()
    flash(_("View “%(name)s” saved.", name=view.name), "success")
    return _back_to_queue(view.query)


def _own_view_or_404(view_id: int):
    view = saved_views.own_view(current_user, view_id)
    if view is None:
        abort(404)  # someone else's view: not found, as an unknown id
    return view


@bp.route("/views/<int:view_id>/rename", methods=["POST"])
@staff_required
@limiter.shared_limit(VIEW_LIMIT, scope="saved-views", key_func=_per_user)
def rename_view(view_id: int):
    view = _own_view_or_404(view_id)
    form = SaveViewForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        saved_views.rename_view(view, form.name.data)
    except saved_views.SavedViewError as exc:
        flash(str(exc), "danger")
        return _back_to_queue()
    db.session.commit()
    flash(_("View renamed “%(name)s”.", name=view.name), "success")
    return _back_to_queue()


@bp.route("/views/<int:view_id>/delete", methods=["POST"])
@staff_required
@limiter.shared_limit(VIEW_LIMIT, scope="saved-views", key_func=_per_user)
def delete_view(view_id: int):
    view = _own_view_or_404(view_id)
    if not BulkForm().validate_on_submit():
        abort(400)
    name = view.name
    saved_views.delete_view(view)
    db.session.commit()
    flash(_("View “%(name)s” deleted.", name=name), "success")
    return _back_to_queue()


def _assignee(typed: str | None):
    """The bulk bar's "assign to": "me", "" (unassigned) or a staff member's id; else 400."""
    if typed == "me":
        return current_user
    if not typed:
        return None
    staff = {str(u.id): u for u in staff_members()}
    if typed not in staff:
        abort(400)
    return staff[typed]


@bp.route("/bulk", methods=["POST"])
@staff_required
@limiter.limit(BULK_LIMIT, key_func=_per_user)
def bulk_action():
    """Apply the bulk bar's action to the ticked cases (``case``, ids), then back to the queue."""
    if not BulkForm().validate_on_submit():
        abort(400)
    action = request.form.get("action")
    if action not in bulk.ACTIONS:
        abort(400)
    assignee = _assignee(request.form.get("assignee")) if action == "assign" else None
    # Values that are not ids (nor in an id column's range) are dropped, like ids of no case:
    # nothing to act on, not an error.
    case_ids = [i for i in request.form.getlist("case", type=int) if 0 < i < 2**31]
    try:
        result = bulk.apply(action, case_ids, current_user, assignee)
    except bulk.BulkError as exc:
        flash(str(exc), "danger")
        return _back_to_queue()
    db.session.commit()
    flash(_summary(result), "success" if result.updated else "warning")
    return _back_to_queue()


def _summary(result: bulk.BulkResult) -> str:
    """ "3 cases updated, 2 skipped (already resolved)." """
    updated = ngettext("%(num)d case updated", "%(num)d cases updated", result.updated)
    skipped = sum(result.skipped.values())
    if not skipped:
        return _("%(updated)s.", updated=updated)
    if len(result.skipped) == 1:
        why = str(next(iter(result.skipped)))
    else:  # each reason with its count: "already resolved: 2, not found: 1"
        counted = (_("%(reason)s: %(num)d", reason=reason, num=n) for reason, n in result.skipped.items())
        why = ", ".join(counted)
    return _(
        "%(updated)s, %(skipped)s (%(why)s).",
        updated=updated,
        skipped=ngettext("%(num)d skipped", "%(num)d skipped", skipped),
        why=why,
    )
