"""The managers' idea settings: what each status is called on the board (the meanings are fixed)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..auth.access import manager_required
from ..extensions import db
from . import services
from .labels import DEFAULT_LABELS, stored_labels
from .models import STATUSES
from .triage_forms import LabelsForm

bp = Blueprint("idea_settings", __name__, url_prefix="/settings/ideas")


def _typed_labels() -> dict[str, str]:
    """The labels a manager typed (a default one shows as an empty field)."""
    return {s.value: label for s, label in stored_labels().items() if label != DEFAULT_LABELS[s]}


@bp.route("/", methods=["GET", "POST"])
@manager_required
def labels():
    form = LabelsForm.build(data=_typed_labels())
    status = 200
    if form.validate_on_submit():
        try:
            services.set_status_labels({s.value: form[s.value].data or "" for s in STATUSES})
        except services.IdeaError as exc:
            for name, message in exc.fields.items():
                form[name].errors.append(str(message))
            status = 400
        else:
            db.session.commit()
            flash(_("Status labels saved. The board shows them now."), "success")
            return redirect(url_for("idea_settings.labels"))
    elif form.is_submitted():
        status = 400
    defaults = {s.value: _(DEFAULT_LABELS[s]) for s in STATUSES}  # the shipped names, translated
    return render_template(
        "ideas/settings_labels.html", form=form, statuses=STATUSES, defaults=defaults
    ), status
