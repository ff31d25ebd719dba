"""The staff's side of the idea board: the triage list with its bulk status change, and one
idea's page with every triage action and the full audit trail. Each POST commits once, flashes
what happened and goes back to the page it came from."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from ..auth.access import staff_required
from ..auth.models import Plan
from ..core.pagination import paginate
from ..core.security import is_safe_redirect
from ..extensions import db
from ..followups.models import Category, Followup
from ..followups.reference import case_reference
from ..notices.models import Notice
from ..surveys.labels import category_name
from . import merge as merging
from . import services, triage_queries
from .labels import status_labels
from .models import IdeaEventKind, IdeaLink, IdeaStatus
from .queries import idea_for, links_of
from .triage_forms import (
    ActionForm,
    AnswerForm,
    BulkStatusForm,
    EditForm,
    LinkForm,
    MergeForm,
    MoveForm,
    NoteForm,
    StatusForm,
    UnlinkForm,
    first_error,
)

bp = Blueprint("idea_triage", __name__, url_prefix="/staff/ideas")


def _idea_or_404(idea_id: int):
    idea = idea_for(idea_id, staff=True)
    if idea is None:
        abort(404)
    return idea


def _back(idea_id: int):
    return redirect(url_for("idea_triage.show", idea_id=idea_id))


def _done(idea_id: int, message: str):
    db.session.commit()
    flash(message, "success")
    return _back(idea_id)


def _why(exc: services.IdeaError) -> str:
    return " ".join(str(message) for message in exc.fields.values())


def _refused(idea_id: int, message: str):
    db.session.rollback()
    flash(message, "danger")
    return _back(idea_id)


# The triage list


@bp.route("/")
@staff_required
def index():
    flt = triage_queries.TriageFilter.from_args(request.args)
    return render_template(
        "ideas/triage/index.html",
        page=paginate(triage_queries.triage(flt)),
        flt=flt,
        labels=status_labels(),
        categories=triage_queries.categories(),
        plans=list(Plan),
        bulk_form=BulkStatusForm.build(formdata=None),
        back=request.full_path if request.query_string else request.path,
    )


@bp.route("/bulk", methods=["POST"])
@staff_required
def bulk():
    form = BulkStatusForm.build()
    back = request.form.get("next")
    back = back if is_safe_redirect(back) else url_for("idea_triage.index")
    if not form.validate_on_submit():
        flash(first_error(form) or _("Choose a status."), "danger")
        return redirect(back)
    ideas = triage_queries.ideas_by_ids(form.ideas.data or [])
    if not ideas:
        flash(_("Tick the ideas to change first."), "danger")
        return redirect(back)
    try:
        changed = services.bulk_set_status(
            ideas, IdeaStatus(form.status.data), current_user, reason=form.reason.data
        )
    except services.IdeaError as exc:
        db.session.rollback()  # all or nothing: the ideas changed before the refusal go back
        flash(_("No idea was changed: %(why)s", why=_why(exc)), "danger")
        return redirect(back)
    db.session.commit()
    flash(ngettext("%(num)s idea changed.", "%(num)s ideas changed.", changed), "success")
    return redirect(back)


# One idea


def _category_choices():
    categories = triage_queries.categories()
    return [SelectChoice("", _("No category"))] + [
        SelectChoice(str(c.id), category_name(c.name)) for c in categories
    ]


@bp.route("/<int:idea_id>")
@staff_required
def show(idea_id: int):
    idea = _idea_or_404(idea_id)
    live = services.live(idea)
    move_form = MoveForm(formdata=None, category=idea.category_id)
    move_form.category.choices = _category_choices()
    merge_q = (request.args.get("merge_q") or "").strip()[:200]
    trail = triage_queries.trail(idea)
    return render_template(
        "ideas/triage/show.html",
        idea=idea,
        live=live,
        labels=status_labels(),
        followers=triage_queries.follower_count(live.id),
        trail=trail,
        before={e.id: triage_queries.before_edit(e) for e in trail if e.kind == IdeaEventKind.EDITED},
        categories={c.slug: c for c in triage_queries.categories()},
        merged_here=triage_queries.merged_here(idea),
        links=links_of(idea.id),
        candidates=[] if idea.is_merged else triage_queries.merge_candidates(idea, merge_q),
        merge_q=merge_q,
        status_form=StatusForm.build(formdata=None, status=idea.status.value),
        answer_form=AnswerForm(formdata=None, answer=idea.official_answer),
        note_form=NoteForm(formdata=None),
        edit_form=EditForm(formdata=None, title=idea.title, description=idea.description),
        move_form=move_form,
        link_form=LinkForm(formdata=None),
        action_form=ActionForm(),
    )


@bp.route("/<int:idea_id>/status", methods=["POST"])
@staff_required
def set_status(idea_id: int):
    idea = _idea_or_404(idea_id)
    form = StatusForm.build()
    if not form.validate_on_submit():
        return _refused(idea.id, first_error(form))
    try:
        event = services.set_status(
            idea,
            IdeaStatus(form.status.data),
            current_user,
            reason=form.reason.data,
            changelog=form.changelog.data,
        )
    except services.IdeaError as exc:
        return _refused(idea.id, _why(exc))
    if event is None:
        return _refused(idea.id, _("The idea already has that status."))
    return _done(idea.id, _("Status changed to “%(status)s”.", status=status_labels()[form.status.data]))


def _text_action(make_form, write, message):
    """A view posting one form whose data ``write(idea, form)`` saves."""

    def view(idea_id: int):
        idea = _idea_or_404(idea_id)
        form = make_form()
        if not form.validate_on_submit():
            return _refused(idea.id, first_error(form))
        try:
            write(idea, form)
        except services.IdeaError as exc:
            return _refused(idea.id, _why(exc))
        return _done(idea.id, str(message))

    return view


def _move_form() -> MoveForm:
    form = MoveForm()
    form.category.choices = _category_choices()
    return form


def _move(idea, form):
    category = db.session.get(Category, form.category.data) if form.category.data else None
    services.move(idea, category, current_user)


TEXT_ACTIONS = {
    "answer": (
        AnswerForm,
        lambda i, f: services.answer(i, f.answer.data, current_user),
        _l("Official answer saved."),
    ),
    "note": (
        NoteForm,
        lambda i, f: services.add_note(i, f.note.data, current_user),
        _l("Internal note added."),
    ),
    "edit": (
        EditForm,
        lambda i, f: services.edit(i, current_user, title=f.title.data, description=f.description.data),
        _l("Wording saved; the text before is kept in the trail."),
    ),
    "move": (_move_form, _move, _l("Category saved.")),
}
for _name, (_form, _write, _message) in TEXT_ACTIONS.items():
    bp.add_url_rule(
        f"/<int:idea_id>/{_name}",
        endpoint=_name,
        view_func=staff_required(_text_action(_form, _write, _message)),
        methods=["POST"],
    )


FLAGS = {
    "lock": (lambda i: services.set_locked(i, True, current_user), _l("Idea locked: no new votes.")),
    "unlock": (lambda i: services.set_locked(i, False, current_user), _l("Idea unlocked.")),
    "hide": (lambda i: services.set_hidden(i, True, current_user), _l("Idea hidden from customers.")),
    "show": (lambda i: services.set_hidden(i, False, current_user), _l("Idea back on the board.")),
}


@bp.route("/<int:idea_id>/<any(lock, unlock, hide, show):action>", methods=["POST"])
@staff_required
def flag(idea_id: int, action: str):
    idea = _idea_or_404(idea_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    write, message = FLAGS[action]
    write(idea)
    return _done(idea.id, str(message))


# Merge, undo, links


@bp.route("/<int:idea_id>/merge", methods=["GET", "POST"])
@staff_required
def merge(idea_id: int):
    idea = _idea_or_404(idea_id)
    form = MergeForm(request.form if request.method == "POST" else request.args, meta={"csrf": False})
    keep = idea_for(form.keep.data, staff=True) if form.validate() else None
    if keep is None:
        return _refused(idea.id, first_error(form) or _("There is no idea #%(id)s.", id=form.keep.data))
    if request.method == "GET":  # confirm first: the merge tells followers and moves counts
        return render_template(
            "ideas/triage/merge.html", idea=idea, keep=keep, labels=status_labels(), action_form=ActionForm()
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        merging.merge(idea, keep, current_user)
    except services.IdeaError as exc:
        return _refused(idea.id, _why(exc))
    return _done(idea.id, _("Merged into #%(id)s. Its votes and followers count there now.", id=keep.id))


@bp.route("/<int:idea_id>/unmerge", methods=["POST"])
@staff_required
def unmerge(idea_id: int):
    idea = _idea_or_404(idea_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = request.form.get("back", type=int)
    try:
        kept = merging.unmerge(idea, current_user)
    except services.IdeaError as exc:
        return _refused(idea.id, _why(exc))
    db.session.commit()
    flash(_("Merge undone: #%(a)s and #%(b)s are separate again.", a=idea.id, b=kept.id), "success")
    return _back(kept.id if back == kept.id else idea.id)


@bp.route("/<int:idea_id>/link", methods=["POST"])
@staff_required
def link(idea_id: int):
    idea = _idea_or_404(idea_id)
    form = LinkForm()
    if not form.validate_on_submit():
        return _refused(idea.id, first_error(form))
    model = Followup if form.target.data == "case" else Notice
    target = db.session.get(model, form.target_id.data)
    if target is None:
        number = form.target_id.data
        if model is Followup:
            return _refused(idea.id, _("There is no case %(ref)s.", ref=case_reference(number)))
        return _refused(idea.id, _("There is no notice #%(id)s.", id=number))
    kind = {"followup": target} if model is Followup else {"notice": target}
    if services.link(idea, current_user, **kind) is None:
        return _refused(idea.id, _("Already linked."))
    return _done(idea.id, _("Link added."))


@bp.route("/<int:idea_id>/unlink", methods=["POST"])
@staff_required
def unlink(idea_id: int):
    idea = _idea_or_404(idea_id)
    form = UnlinkForm()
    row = db.session.get(IdeaLink, form.link_id.data) if form.validate_on_submit() else None
    if row is None or row.idea_id != idea.id:
        return _refused(idea.id, _("That link is gone already."))
    services.unlink(row, current_user)
    return _done(idea.id, _("Link removed."))
