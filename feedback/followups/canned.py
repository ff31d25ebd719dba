"""Canned replies: texts staff start a reply from, one language each, kept by managers.

A body may hold placeholders, filled for the case when staff pick the reply:
``{customer_name}``, ``{case_reference}`` (K-220) and ``{agent_name}`` (whoever replies).
Anything else in braces is refused when the reply is saved, so a typo never reaches a
customer as ``{custmer_name}``. Staff edit the filled text before sending; nothing is sent
from here.
"""

import re
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..auth.models import User
from ..extensions import db
from .models import CannedReply, Followup

PLACEHOLDERS = ("customer_name", "case_reference", "agent_name")
MAX_TITLE = 120
MAX_BODY = 5_000
MAX_REPLIES = 200  # each is on every case page's picker: a long list helps nobody
# Anything in braces: a known name is filled, anything else ("{ customer_name }", "{}") refused.
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class CannedReplyError(ValueError):
    """A canned reply that cannot be saved; ``field`` names the form field at fault."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


def unknown_placeholders(body: str) -> list[str]:
    """The ``{names}`` in ``body`` that are no placeholder, in order of appearance."""
    return [name for name in dict.fromkeys(_PLACEHOLDER.findall(body)) if name not in PLACEHOLDERS]


def fill(body: str, fu: Followup, agent: User) -> str:
    """``body`` with its placeholders filled for ``fu``, answered by ``agent``."""
    values = {
        "customer_name": fu.customer.name,
        "case_reference": fu.reference,
        "agent_name": agent.name,
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def save_reply(
    reply: CannedReply | None, *, language: str, title: str, body: str, now: datetime
) -> CannedReply:
    """Add a canned reply (``reply`` None) or change one; raise :class:`CannedReplyError`."""
    title, body = (title or "").strip(), (body or "").strip()
    if language not in current_app.config["LANGUAGES"]:
        raise CannedReplyError("language", _l("Choose one of the offered languages."))
    if not title:
        raise CannedReplyError("title", _l("Give the reply a title staff will recognise."))
    if len(title) > MAX_TITLE:
        raise CannedReplyError("title", _l("Keep the title under %(limit)d characters.", limit=MAX_TITLE))
    if not body:
        raise CannedReplyError("body", _l("Write the reply."))
    if len(body) > MAX_BODY:
        raise CannedReplyError("body", _l("Keep the reply under %(limit)d characters.", limit=MAX_BODY))
    unknown = unknown_placeholders(body)
    if unknown:
        raise CannedReplyError(
            "body",
            _l(
                "Unknown placeholder %(names)s; use %(known)s.",
                names=", ".join(f"{{{name}}}" for name in unknown),
                known=", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            ),
        )
    if reply is None:
        if db.session.scalar(select(func.count()).select_from(CannedReply)) >= MAX_REPLIES:
            raise CannedReplyError(
                "title", _l("There are %(limit)d canned replies already.", limit=MAX_REPLIES)
            )
        reply = CannedReply()
        db.session.add(reply)
    reply.language, reply.title, reply.body, reply.updated_at = language, title, body, now
    db.session.flush()
    return reply


def delete_reply(reply: CannedReply) -> None:
    """Remove a canned reply (replies already sent are not touched: they were copied)."""
    db.session.delete(reply)
    db.session.flush()


def all_replies() -> list[CannedReply]:
    """Every canned reply, by language (in the order the app lists its languages) then title."""
    replies = db.session.scalars(select(CannedReply).order_by(CannedReply.title, CannedReply.id))
    languages = current_app.config["LANGUAGES"]
    # A language dropped from LANGUAGES since: its replies last, still listed to edit or delete.
    return sorted(
        replies, key=lambda r: languages.index(r.language) if r.language in languages else len(languages)
    )


def by_language(items, language_of=lambda item: item.language) -> list[tuple[str, list]]:
    """``items`` in runs of one language, in the order given (not re-sorted by language code):
    ``[(language, [item, …]), …]``."""
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(language_of(item), []).append(item)
    return list(groups.items())


def replies_for(fu: Followup) -> list[CannedReply]:
    """The canned replies to offer on ``fu``'s page: the customer's language first."""
    language = fu.customer.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    return sorted(all_replies(), key=lambda r: r.language != language)
