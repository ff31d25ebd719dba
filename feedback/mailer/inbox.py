"""The demo inbox (development only): each signed-in user reads the mail queued for them.

With no mail server a newcomer could not see the loop's e-mails (receipt, replies, the
survey link) anywhere; here they read them in the browser. Off unless ``DEMO_INBOX`` is set
(DevelopmentConfig only): every route answers 404 then, as if it did not exist. Each query
is scoped to the signed-in user and their current address; anyone else's message is a 404.
"""

import re

from flask import Blueprint, Response, abort, current_app, render_template
from flask_login import current_user, login_required

from ..core.pagination import paginate
from ..extensions import talisman
from . import queries
from .deferred import shown

bp = Blueprint("demo_inbox", __name__)

# Put into the mail's <head> for the preview frame: links open in the whole tab (the frame is
# sandboxed, so a survey link must leave it to work).
FRAME_HEAD = '<base target="_top">'
# The mail is served on its own URL, framed by the message page: a srcdoc frame would inherit
# the app's Content-Security-Policy, which refuses the inline styles every HTML e-mail is made
# of. Its own policy lets those and inline images through and nothing else: no script, no
# request anywhere, framed only by our pages, sandboxed even when opened on its own (no
# scripts, forms or same-origin; links may leave it, on a user's click only).
SANDBOX = "allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
FRAME_POLICY = {
    "default-src": "'none'",
    "style-src": "'unsafe-inline'",
    "img-src": "data:",
    "base-uri": "'none'",
    "form-action": "'none'",
    "frame-ancestors": "'self'",
    "sandbox": SANDBOX,
}
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)  # not <header>


@bp.before_request
def _only_when_enabled():
    if not current_app.config.get("DEMO_INBOX"):
        abort(404)


def framed(html: str) -> str:
    """The mail's HTML ready for the sandboxed preview frame."""
    match = _HEAD.search(html)
    if match is None:
        return FRAME_HEAD + html
    return html[: match.end()] + FRAME_HEAD + html[match.end() :]


@bp.route("/")
@login_required
def index():
    page = paginate(queries.inbox(current_user))
    return render_template("mailer/inbox.html", page=page)


@bp.route("/<int:message_id>")
@login_required
def show(message_id: int):
    message = queries.inbox_message(current_user, message_id) or abort(404)
    return render_template(
        "mailer/inbox_message.html", message=message, body_text=shown(message)[0], sandbox=SANDBOX
    )


@bp.route("/<int:message_id>/html")
@login_required
@talisman(frame_options="SAMEORIGIN", content_security_policy=FRAME_POLICY)
def message_html(message_id: int):
    """The mail's HTML as it would arrive, for the preview frame of :func:`show`."""
    message = queries.inbox_message(current_user, message_id) or abort(404)
    return Response(framed(shown(message)[1]), mimetype="text/html")
