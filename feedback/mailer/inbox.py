"""The demo inbox (development only): each signed-in user reads the mail queued for them.

With no mail server a newcomer could not see the loop's e-mails (receipt, replies, the
survey link) anywhere; here they read them in the browser. Off unless ``DEMO_INBOX`` is set
(DevelopmentConfig only): every route answers 404 then, as if it did not exist. Each query
is scoped to the signed-in user and their current address; anyone else's message is a 404.
"""

import re

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user, login_required

from ..core.pagination import paginate
from . import queries

bp = Blueprint("demo_inbox", __name__)

# Put into the mail's <head> for the preview frame: links open in the whole tab (the frame is
# sandboxed, so a survey link must leave it to work), and nothing but inline styles and inline
# images loads. The frame's sandbox attribute already blocks scripts, forms and same-origin.
FRAME_HEAD = (
    '<base target="_top">'
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "style-src 'unsafe-inline'; img-src data:\">"
)
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)  # not <header>


@bp.before_request
def _only_when_enabled():
    if not current_app.config.get("DEMO_INBOX"):
        abort(404)


def framed(html: str) -> str:
    """The mail's HTML ready for the sandboxed preview frame's ``srcdoc`` (escaped by Jinja)."""
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
        "mailer/inbox_message.html",
        message=message,
        srcdoc=framed(message.body_html),  # autoescaped into the attribute
    )
