"""The mail that tells the owner their password was changed, so a change they did not make is
noticed: it names when, and links to the reset."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..auth.models import User
from ..core.urls import external_url
from ..mailer.services import queue_email

SUBJECT = _l("Your password was changed")


def mail_password_changed(user: User, now: datetime):
    """Queue "your password was changed" to ``user``, in their language and time zone."""
    return queue_email(
        user,
        "account/password_changed",
        SUBJECT,
        context={
            "changed_at": now,
            "reset_url": external_url("signup.new_link"),
            "sessions_url": external_url("sessions.index"),
        },
        now=now,
    )
