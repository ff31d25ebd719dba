"""Writes for a person's own account: their profile and their password.

Each function adds and flushes; the view commits once, with any mail in the outbox.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash

from ..auth.models import User
from ..auth.services import AccountError, clean_identity, hash_password
from ..auth.services import check_password as check_policy
from ..auth.sessions import end_other_sessions
from ..core.time import is_listed_timezone
from ..extensions import db
from ..i18n.services import choose_language
from ..signup.models import LinkPurpose
from ..signup.services import send_link
from .notify import mail_password_changed


class WrongPassword(AccountError):
    """The current password typed was not the account's (counts against the failure budget)."""


def update_profile(user: User, name: str, language: str, timezone: str) -> None:
    """Rename ``user`` and set the language of their pages and mail and the zone of their times.

    Raises AccountError (naming the field) for a name with line breaks, a language we do not
    offer or a zone not on the list; nothing is changed then.
    """
    _email, name = clean_identity(user.email, name)
    if not is_listed_timezone(timezone):
        raise AccountError(_l("Pick a time zone from the list."), "timezone")
    if not choose_language(user, language):
        raise AccountError(_l("Pick a language from the list."), "language")
    user.name, user.timezone = name, timezone
    db.session.flush()


def has_password(user: User) -> bool:
    """False for an account that signs in another way (single sign-on) and never chose one."""
    return bool(user.password_hash)


def change_password(user: User, current: str, new: str, keep_session: str, now: datetime) -> int:
    """Replace the password of ``user`` after checking the ``current`` one, end every other
    session (whoever knew the old password is out; ``keep_session``, this browser, stays), and
    mail the owner that it happened. Returns how many sessions ended.

    Raises WrongPassword for a wrong ``current`` password, AccountError (field "password") for a
    new one the policy refuses or that is the current one again.
    """
    if not has_password(user) or not check_password_hash(user.password_hash, current):
        raise WrongPassword(_l("That is not your current password."), "current")
    if new == current:
        raise AccountError(_l("Choose a password different from your current one."), "password")
    check_policy(new, user.email, user.name)
    user.password_hash = hash_password(new)
    ended = end_other_sessions(user, keep_session)
    mail_password_changed(user, now)
    db.session.flush()
    return ended


def send_password_link(user: User, now: datetime) -> None:
    """Mail an account without a password a link to choose one (proving the address again, as a
    reset does, rather than trusting whoever holds this browser)."""
    send_link(user, LinkPurpose.PASSWORD, now)
