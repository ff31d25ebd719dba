"""Manager pages for importing subscriptions from the billing system."""

import time

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import manager_required
from ..core.time import utcnow
from ..extensions import db
from .importer import COLUMNS, import_subscriptions

bp = Blueprint("imports", __name__)

UPLOAD_LIMIT = 20 * 1024 * 1024  # about 200 000 rows; the app-wide limit (64 KiB) is for the API
SHOWN_REJECTIONS = 200  # more would make a page nobody reads; the CLI lists them all


@bp.url_value_preprocessor
def _raise_upload_limit(endpoint, values):
    # URL value preprocessors run before every before_request hook, including the CSRF check that
    # parses the form, so the larger limit is in place before the body is read.
    # Only for a signed-in manager: nobody else gets to make the app read 20 MB.
    if getattr(current_user, "is_manager", False):
        request.max_content_length = current_app.config.get("IMPORT_MAX_BYTES", UPLOAD_LIMIT)


@bp.route("/", methods=["GET", "POST"])
@manager_required
def index():
    """The upload form (GET); on POST, import the file and show the summary or the rejected lines."""
    if request.method == "GET":
        return render_template("imports/index.html", columns=COLUMNS, limit=UPLOAD_LIMIT)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        error = _("Choose a CSV file to import.")
        return render_template("imports/index.html", columns=COLUMNS, limit=UPLOAD_LIMIT, error=error), 400
    started = time.perf_counter()
    result = import_subscriptions(upload.read(), utcnow())
    if result.applied:
        db.session.commit()
    else:
        db.session.rollback()
    return render_template(
        "imports/result.html",
        result=result,
        filename=upload.filename,
        shown=result.rejected[:SHOWN_REJECTIONS],
        seconds=time.perf_counter() - started,
    )
