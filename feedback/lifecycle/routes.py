"""Manager pages for importing subscriptions from the billing system.

The upload is stored and queued (:func:`.imports.queue_import`); the worker imports it while
the import's page shows its progress from a small JSON endpoint, then the summary or the
rejected lines.
"""

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.access import manager_required
from ..core.pagination import paginate
from ..core.time import utcnow
from ..extensions import db
from . import queries
from .importer import COLUMNS
from .imports import check_upload, queue_import
from .models import ImportStage, ImportStatus, SubscriptionImport

bp = Blueprint("imports", __name__)

UPLOAD_LIMIT = 20 * 1024 * 1024  # about 200 000 rows; the app-wide limit (64 KiB) is for the API
REJECTIONS_PER_PAGE = 200
# Each status's badge: its label and Bootstrap style (the pages, and the script that redraws them).
BADGES = {
    ImportStatus.QUEUED: (_l("Queued"), "text-bg-secondary"),
    ImportStatus.RUNNING: (_l("Running"), "text-bg-primary"),
    ImportStatus.DONE: (_l("Imported"), "text-bg-success"),
    ImportStatus.REJECTED: (_l("Rejected"), "text-bg-danger"),
    ImportStatus.FAILED: (_l("Failed"), "text-bg-warning"),
}


@bp.context_processor
def _badges() -> dict:
    return {"badges": BADGES}


@bp.url_value_preprocessor
def _raise_upload_limit(endpoint, values):
    # URL value preprocessors run before every before_request hook, including the CSRF check that
    # parses the form, so the larger limit is in place before the body is read.
    # Only for a signed-in manager: nobody else gets to make the app read 20 MB.
    if getattr(current_user, "is_manager", False):
        request.max_content_length = _limit()


def _limit() -> int:
    return current_app.config.get("IMPORT_MAX_BYTES", UPLOAD_LIMIT)


def _form(error: str | None = None, status: int = 200):
    page = paginate(queries.recent_imports(), per_page=10)
    body = render_template("imports/index.html", columns=COLUMNS, limit=_limit(), error=error, page=page)
    return body, status


@bp.route("/", methods=["GET", "POST"])
@manager_required
def index():
    """The upload form and the latest imports (GET); on POST, queue the file and show its import."""
    if request.method == "GET":
        return _form()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _form(_("Choose a CSV file to import."), 422)
    now = utcnow()
    try:
        check_upload(upload.stream, now)
    except ValueError as exc:  # a header the file cannot be read with: no need to queue it
        return _form(str(exc), 422)
    record = queue_import(upload.stream, upload.filename, current_user, now, str(get_locale()))
    db.session.commit()
    return redirect(url_for("imports.show", import_id=record.id), 303)


def _record(import_id: int) -> SubscriptionImport:
    return db.session.get(SubscriptionImport, import_id) or abort(404)


@bp.get("/<int:import_id>")
@manager_required
def show(import_id: int):
    """An import: its progress while it runs, then the summary or every rejected line (422)."""
    record = _record(import_id)
    page = None
    if record.status == ImportStatus.REJECTED:
        page = paginate(queries.rejections(record.id), per_page=REJECTIONS_PER_PAGE)
    body = render_template(
        "imports/show.html",
        record=record,
        page=page,
        percent=queries.percent(record),
        message=status_text(record),
    )
    return body, 422 if record.status == ImportStatus.REJECTED else 200


@bp.get("/<int:import_id>/progress")
@manager_required
def progress(import_id: int):
    """How far the import is, for the page's script (polled every second or so)."""
    record = _record(import_id)
    label, style = BADGES[record.status]
    return jsonify(
        {**queries.progress(record), "message": status_text(record), "label": str(label), "badge": style}
    )


def status_text(record: SubscriptionImport) -> str:
    """One sentence saying where the import stands (the page and its script show the same)."""
    if record.status == ImportStatus.QUEUED:
        return _("Waiting for the worker to start the import…")
    if record.status == ImportStatus.DONE:
        return _("Imported.")
    if record.status == ImportStatus.REJECTED:
        return _("Nothing was imported: some lines were rejected.")
    if record.status == ImportStatus.FAILED:
        return _("The import failed: nothing was imported.")
    if record.stage == ImportStage.READING:
        return _(
            "Reading the file: %(done)s of %(total)s MB.",
            done=format_decimal(round(record.done / 1048576, 1)),
            total=format_decimal(round(record.total / 1048576, 1)),
        )
    rows = format_decimal(record.total)
    if record.stage == ImportStage.CHECKING:
        return ngettext(
            "Checking the histories: %(done)s of %(rows)s row.",
            "Checking the histories: %(done)s of %(rows)s rows.",
            record.total,
            rows=rows,
            done=format_decimal(record.done),
        )
    if not record.done:  # SQLite: the saving transaction cannot report as it goes
        return ngettext(
            "Checking and saving %(rows)s row…", "Checking and saving %(rows)s rows…", record.total, rows=rows
        )
    return ngettext(
        "Checking and saving: %(done)s of %(rows)s row.",
        "Checking and saving: %(done)s of %(rows)s rows.",
        record.total,
        rows=rows,
        done=format_decimal(record.done),
    )
