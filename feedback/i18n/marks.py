"""Marking a message for the catalogue where it cannot be translated yet, and translating it
where it is shown."""

from flask_babel import gettext


def N_(text: str) -> str:
    """Mark ``text`` for the catalogue without translating it: it is stored or kept in English and
    translated where it is shown (Babel's extraction knows ``N_``)."""
    return text


def shipped_or_typed(name: str, shipped: frozenset[str]) -> str:
    """``name`` in the reader's language if it is one of the ``shipped`` defaults (marked with
    ``N_``, so in the catalogue), else as a manager typed it: plain text that pages escape like
    any other (never through a template's ``_()``, which would mark it safe HTML and %-format it).
    """
    return gettext(name) if name in shipped else name
