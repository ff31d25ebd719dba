"""How ideas are named to a reader: status labels (managers may relabel them) and authors
(other customers see a first name and initial at most)."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core.app_settings import AppSetting
from ..extensions import db
from ..i18n.marks import N_, shipped_or_typed
from .models import IdeaStatus

DEFAULT_LABELS = {
    IdeaStatus.NEW: N_("New"),
    IdeaStatus.UNDER_REVIEW: N_("Under review"),
    IdeaStatus.PLANNED: N_("Planned"),
    IdeaStatus.IN_PROGRESS: N_("In progress"),
    IdeaStatus.DONE: N_("Done"),
    IdeaStatus.DECLINED: N_("Declined"),
}
SHIPPED = frozenset(DEFAULT_LABELS.values())
LABEL_KEY = "idea_label.{}"  # AppSetting key per status
MAX_LABEL = 40
ANONYMOUS = _l("A customer")


def stored_labels() -> dict[IdeaStatus, str]:
    """Each status's label as stored (a manager's text, or the shipped English default)."""
    keys = {LABEL_KEY.format(s.value): s for s in IdeaStatus}
    rows = db.session.execute(select(AppSetting.key, AppSetting.value).where(AppSetting.key.in_(keys)))
    labels = dict(DEFAULT_LABELS)
    for key, value in rows:
        if value.strip():
            labels[keys[key]] = value
    return labels


def status_labels() -> dict[str, str]:
    """Status value → label in the reader's language (a relabelled status shows as typed)."""
    return {s.value: shipped_or_typed(label, SHIPPED) for s, label in stored_labels().items()}


def short_name(name: str | None) -> str:
    """A first name and the initial of the last word ("Ada Lovelace" → "Ada L.")."""
    words = (name or "").split()
    if not words:
        return gettext("A customer")
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {words[-1][0]}."


def author_label(idea, viewer) -> str:
    """Who posted ``idea`` as ``viewer`` may see it: staff see the full name; the author sees
    their own; other customers see a short name, or "A customer" when it was posted anonymously."""
    if idea.author is None:
        return gettext("A customer")
    if viewer is not None and getattr(viewer, "is_staff", False):
        return idea.author.name
    if viewer is not None and getattr(viewer, "id", None) == idea.author_id:
        return idea.author.name
    if idea.anonymous:
        return gettext("A customer")
    return short_name(idea.author.name)
