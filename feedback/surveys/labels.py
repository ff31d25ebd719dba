"""How categories are named on pages, in e-mail and in charts."""

from flask_babel import gettext

from ..followups.defaults import DEFAULT_CATEGORIES

_DEFAULT_NAMES = frozenset(name for _slug, name in DEFAULT_CATEGORIES)


def category_name(name: str) -> str:
    """A category's name in the reader's language. The default categories are in the
    catalogue; a name a manager typed is shown as typed, plain text that pages escape like any
    other (never through a template's ``_()``, which would mark it safe HTML and %-format it)."""
    return gettext(name) if name in _DEFAULT_NAMES else name
