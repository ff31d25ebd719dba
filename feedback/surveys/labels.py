"""How categories are named on pages, in e-mail and in charts."""

from ..followups.defaults import DEFAULT_CATEGORIES
from ..i18n.marks import shipped_or_typed

_DEFAULT_NAMES = frozenset(name for _slug, name in DEFAULT_CATEGORIES)


def category_name(name: str) -> str:
    """A category's name in the reader's language, or as a manager typed it."""
    return shipped_or_typed(name, _DEFAULT_NAMES)
