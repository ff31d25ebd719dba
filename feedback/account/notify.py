"""The mails that tell the owner their password or their two-factor sign-in changed, so a change
they did not make is noticed: each names what and when, and links to the reset."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..auth.models import User
from ..core.urls import external_url
from ..mailer.services import queue_email

SUBJECT = _l("Your password was changed")
TWO_FACTOR_SUBJECTS = {
    "on": _l("Two-factor sign-in was turned on"),
    "off": _l("Two-factor sign-in was turned off"),
    "reset": _l("Your two-factor sign-in was reset"),
    "recovery_code_used": _l("A recovery code was used to sign in"),
    "recovery_codes_replaced": _l("You have new recovery codes"),
}


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


def mail_two_factor_changed(user: User, change: str, now: datetime, codes_left: int | None = None, **_):
    """Queue the mail about a change to ``user``'s two-factor sign-in (a receiver of
    ``two_factor_changed``), in their language; sent whatever their mail preferences."""
    return queue_email(
        user,
        "account/two_factor",
        TWO_FACTOR_SUBJECTS[change],
        context={
            "change": change,
            "changed_at": now,
            "codes_left": codes_left,
            "reset_url": external_url("signup.new_link"),
            "sessions_url": external_url("sessions.index"),
        },
        now=now,
    )
