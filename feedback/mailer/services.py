"""Queue e-mail: render it for its recipient and add an outbox row to the current transaction.

Nothing is sent here. The row commits with whatever caused it (a reply, a resolution …);
after the commit the dispatcher is woken and sends it. If the transaction rolls back, so
does the e-mail.
"""

import json
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import User
from ..brand.queries import current_brand
from ..core.time import as_utc, is_valid_timezone, utcnow
from ..extensions import db
from .models import OutboxMessage, OutboxStatus

SESSION_FLAG = "kontento.outbox_queued"
ONLY_TO = "kontento.mail_only_to"  # a set of user ids: mail to anyone else is not queued


@contextmanager
def mail_only_to(user_ids: set[int]):
    """Within this block, queue mail only for these users (the demo: its logins, not the
    thousands of made-up customers whose mail would only be rendered to be thrown away)."""
    db.session.info[ONLY_TO] = set(user_ids)
    try:
        yield
    finally:
        db.session.info.pop(ONLY_TO, None)


class MailHeaderError(ValueError):
    """A value bound for an e-mail header holds a line break (header injection)."""


def check_header(value: str, what: str) -> str:
    """Return ``value`` if it is safe in a mail header; raise :class:`MailHeaderError` if not."""
    if any(ch in (value or "") for ch in "\r\n\x00"):
        raise MailHeaderError(f"{what} cannot contain line breaks.")
    return value


def when(value: datetime | None, tz_name: str | None, locale: str = "en") -> str:
    """Format a moment for a mail in the recipient's time zone, naming the zone."""
    if value is None:
        return ""
    name = tz_name if tz_name and is_valid_timezone(tz_name) else "UTC"
    moment = format_datetime(as_utc(value), "d MMM yyyy, HH:mm", tzinfo=ZoneInfo(name), locale=locale)
    return f"{moment} ({name})"


def would_queue(
    recipient: User, optional: bool = False, dedupe_key: str | None = None, account_mail: bool = False
) -> bool:
    """Whether :func:`queue_email` would queue a message for ``recipient`` right now."""
    # Mail about the account itself (the link that claims it) also reaches an account not claimed
    # yet; a deactivated account gets nothing.
    reachable = recipient.active or (account_mail and recipient.is_unclaimed)
    if not reachable or (optional and not recipient.optional_mail):
        return False
    only = db.session.info.get(ONLY_TO)
    if only is not None and recipient.id not in only:
        return False
    return not (
        dedupe_key
        and db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
    )


def queue_email(
    recipient: User,
    template: str,
    subject,
    *,
    context: dict | None = None,
    optional: bool = False,
    dedupe_key: str | None = None,
    headers: dict[str, str] | None = None,
    now: datetime | None = None,
    account_mail: bool = False,
) -> OutboxMessage | None:
    """Render ``templates/email/<template>.txt`` and ``.html`` for ``recipient`` and queue them.

    Returns None, queueing nothing, when the recipient is inactive, when ``optional`` mail
    is turned off in their preferences, or when a message with ``dedupe_key`` already exists.
    Raises :class:`MailHeaderError` if the subject, name or a header holds a line break.
    ``subject`` may be lazy (``lazy_gettext``) or a callable, so it is translated into the
    recipient's language rather than the one of whoever caused the mail. ``account_mail``: the
    link that claims an account, queued even while the account is not active yet.
    """
    if not would_queue(recipient, optional, dedupe_key, account_mail):
        return None
    check_header(recipient.email, "The recipient's address")
    for name, value in (headers or {}).items():
        check_header(name, "A header name")
        check_header(value, f"The {name} header")
    brand = current_brand()
    headers = with_reply_to(brand, headers)
    subject = render_subject(recipient, subject)
    text, html = render_bodies(recipient, template, subject, context)
    message = OutboxMessage(**outbox_values(recipient, template, subject, brand, headers, now or utcnow()))
    message.body_text, message.body_html, message.dedupe_key = text, html, dedupe_key
    db.session.add(message)
    db.session.info[SESSION_FLAG] = True
    return message


def with_reply_to(brand, headers: dict[str, str] | None) -> dict[str, str]:
    """``headers`` with the brand's support address as Reply-To, unless one is given."""
    if brand.support_email and "Reply-To" not in (headers or {}):
        # Answers go to the host's support desk rather than to the sending address.
        return {"Reply-To": check_header(brand.support_email, "The support address"), **(headers or {})}
    return headers or {}


def _locale(recipient: User) -> str:
    return recipient.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def render_subject(recipient: User, subject) -> str:
    """The subject (lazy, callable or plain) in the recipient's language, checked for a header."""
    with force_locale(_locale(recipient)):
        return check_header(str(subject() if callable(subject) else subject), "The subject")


def render_bodies(recipient: User, template: str, subject: str, context: dict | None) -> tuple[str, str]:
    """The text and HTML bodies of ``template`` for ``recipient``, in their language and time zone."""
    locale = _locale(recipient)
    with force_locale(locale):
        values = {
            "recipient": recipient,
            "subject": subject,
            "when": lambda value: when(value, recipient.timezone, locale),
            "preferences_url": _preferences_url(recipient),
            **(context or {}),
        }
        return render_template(f"email/{template}.txt", **values), render_template(
            f"email/{template}.html", **values
        )


def outbox_values(recipient: User, template: str, subject: str, brand, headers: dict, now: datetime) -> dict:
    """An outbox row's columns for a new pending message, bodies and dedupe key aside."""
    return {
        "kind": template,
        "user_id": recipient.id,
        "to_email": recipient.email,
        # Names are refused with line breaks at sign-up; one stored before that rule must not
        # fail a whole job (an SLA sweep, a survey run), so its whitespace is folded here.
        "to_name": " ".join(recipient.name.split())[:120],
        "sender_name": " ".join(brand.name.split())[:120],
        "subject": subject[:200],
        "headers": json.dumps(headers),
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "last_error": "",
        "created_at": now,
        "next_attempt_at": now,
    }


def _preferences_url(recipient: User) -> str | None:
    from ..core.urls import external_url

    return external_url("surveys.preferences") if recipient.is_customer else None


def retry(message: OutboxMessage, now: datetime | None = None) -> None:
    """Put a failed message back in the queue (a manager's retry button)."""
    if message.status != OutboxStatus.FAILED:
        raise ValueError(_l("Only a failed message can be retried."))
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = now or utcnow()
    message.attempts = 0  # a fresh set of tries, or one more failure would give up at once
    message.last_error = ""
    db.session.info[SESSION_FLAG] = True
