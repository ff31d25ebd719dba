"""Mail queued now and rendered when it is sent.

A job that mails about thousands of cases at once (the SLA sweep after downtime) should not
render thousands of templates inside its transaction. It queues :class:`Deferred` messages
instead: one INSERT writes their outbox rows with the subject (in each recipient's language),
the headers and the brand's From name, plus the template's parameters as JSON
(``render_params``); the dispatcher renders the bodies just before sending each row
(:func:`render_pending`), with the same code and in the same language, time zone and brand as
:func:`.services.queue_email` would have. Sending keeps the outbox's guarantees: the claim,
the lease, and the dedupe key, which makes a second queueing of the same message a no-op.

The feature that queues a template registers how its parameters become the template's
context (:func:`register`), at import: the mailer sits below the features and cannot import them.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..auth.models import User
from ..brand.queries import current_brand
from ..core.db import conflict_insert
from ..extensions import db
from .models import OutboxMessage
from .services import (
    ONLY_TO,
    SESSION_FLAG,
    check_header,
    outbox_values,
    render_bodies,
    render_subject,
    with_reply_to,
)

_CONTEXTS: dict[str, Callable[[dict], dict]] = {}


def register(template: str, context: Callable[[dict], dict]) -> None:
    """Render ``template``'s deferred mail with ``context(params)`` as its template context."""
    _CONTEXTS[template] = context


@dataclass
class Deferred:
    """One message to queue: like :func:`.services.queue_email`'s arguments, with JSON-able params."""

    recipient: User
    template: str
    subject: object  # lazy, callable or plain: translated for the recipient when queued
    params: dict
    # Put before the translated subject ("[K-12] "): many messages can then share one subject
    # object, translated once per language per call of :func:`queue_deferred`.
    subject_prefix: str
    dedupe_key: str
    headers: dict[str, str] | None = None  # besides the brand's Reply-To (e.g. References)


def queue_deferred(messages: list[Deferred], now: datetime) -> int:
    """Add the messages' outbox rows to the current transaction, a few INSERTs for all.

    Skips, as :func:`.services.queue_email` does, inactive recipients and those outside
    ``mail_only_to``; a message whose dedupe key is already queued is skipped by the database
    (``ON CONFLICT DO NOTHING``). Returns the number of rows offered to the database.
    """
    brand = current_brand()
    headers = with_reply_to(brand, None)
    only = db.session.info.get(ONLY_TO)
    rows = []
    subjects: dict[tuple[str | None, int], str] = {}  # (language, id of the subject) -> its words
    for message in messages:
        recipient = message.recipient
        if message.template not in _CONTEXTS:
            raise LookupError(f"no context registered for {message.template}")
        if not recipient.active or (only is not None and recipient.id not in only):
            continue
        check_header(recipient.email, "The recipient's address")
        words = (recipient.locale, id(message.subject))  # the objects live while ``messages`` does
        if words not in subjects:
            subjects[words] = render_subject(recipient, message.subject)
        subject = check_header(message.subject_prefix, "The subject") + subjects[words]
        extra = message.headers or {}
        for name, value in extra.items():
            check_header(name, "A header name")
            check_header(value, f"The {name} header")
        row = outbox_values(recipient, message.template, subject, brand, {**headers, **extra}, now)
        row |= {
            "body_text": "",
            "body_html": "",
            "render_params": json.dumps(message.params),
            "dedupe_key": message.dedupe_key,
        }
        rows.append(row)
    if rows:
        # executemany of one compiled INSERT, which psycopg pipelines: measured faster than a
        # .values() list (compiled anew each time) and than RETURNING's multi-row VALUES.
        table = OutboxMessage.__table__
        db.session.execute(conflict_insert(db.session.get_bind(), table).on_conflict_do_nothing(), rows)
        db.session.info[SESSION_FLAG] = True
    return len(rows)


def bodies(row: OutboxMessage) -> tuple[str, str]:
    """The row's text and HTML bodies, rendered now if it is deferred (the row is not changed).

    Raises LookupError when its recipient or what the mail is about is gone.
    """
    if row.render_params is None:
        return row.body_text, row.body_html
    recipient = db.session.get(User, row.user_id) if row.user_id is not None else None
    if recipient is None:
        raise LookupError("the recipient's account was deleted before the mail was rendered")
    context = _CONTEXTS[row.kind](json.loads(row.render_params))
    return render_bodies(recipient, row.kind, row.subject, context)


def shown(row: OutboxMessage) -> tuple[str, str]:
    """The bodies to show on a page (the outbox, the demo inbox): empty if it cannot render."""
    try:
        return bodies(row)
    except LookupError:
        return "", ""


def render_pending(row: OutboxMessage) -> None:
    """Render a deferred row's bodies in place, as sent (a no-op for a row rendered when queued)."""
    if row.render_params is not None:
        row.body_text, row.body_html = bodies(row)
        row.render_params = None
