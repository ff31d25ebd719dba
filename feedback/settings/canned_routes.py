"""Settings → Canned replies: managers keep the replies staff start from, per language."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from ..auth.access import manager_required
from ..core.time import utcnow
from ..extensions import db
from ..followups.canned import (
    PLACEHOLDERS,
    CannedReplyError,
    all_replies,
    by_language,
    delete_reply,
    save_reply,
)
from ..followups.models import CannedReply
from ..i18n.forms import ConfirmForm
from .forms import CannedReplyForm

bp = Blueprint("canned_settings", __name__, url_prefix="/settings/canned-replies")


def _form(reply: CannedReply | None = None) -> CannedReplyForm:
    form = CannedReplyForm(obj=reply)
    names = current_app.config["LANGUAGE_NAMES"]
    form.language.choices = [(code, names[code]) for code in current_app.config["LANGUAGES"]]
    return form


def _page(form: CannedReplyForm, reply: CannedReply | None, status: int = 200):
    return (
        render_template(
            "settings/canned_replies.html",
            form=form,
            reply=reply,
            groups=by_language(all_replies()),  # in LANGUAGES order, not by code
            # Machine text, the same in every language: each in <code>.
            placeholders=Markup(", ").join(Markup("<code>{%s}</code>") % name for name in PLACEHOLDERS),
            action_form=ConfirmForm(formdata=None),
        ),
        status,
    )


def _save(form: CannedReplyForm, reply: CannedReply | None):
    if form.validate_on_submit():
        try:
            save_reply(
                reply, language=form.language.data, title=form.title.data, body=form.body.data, now=utcnow()
            )
        except CannedReplyError as exc:
            getattr(form, exc.field).errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("Canned reply saved."), "success")
            return redirect(url_for("canned_settings.index"))
    return _page(form, reply, status=400 if form.is_submitted() else 200)


@bp.route("/", methods=["GET", "POST"])
@manager_required
def index():
    """The list, and the form that adds one."""
    return _save(_form(), None)


@bp.route("/<int:reply_id>", methods=["GET", "POST"])
@manager_required
def edit(reply_id: int):
    """The list, and the form that changes one reply."""
    reply = db.get_or_404(CannedReply, reply_id)
    return _save(_form(reply), reply)


@bp.route("/<int:reply_id>/delete", methods=["POST"])
@manager_required
def delete(reply_id: int):
    """Remove one reply."""
    reply = db.get_or_404(CannedReply, reply_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    delete_reply(reply)
    db.session.commit()
    flash(_("Canned reply deleted."), "success")
    return redirect(url_for("canned_settings.index"))
