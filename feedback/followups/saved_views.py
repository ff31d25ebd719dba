"""Saved views of the staff queue: a name for a set of filters, sort and search, per person.

A view stores the query string :class:`~.queries.QueueFilter` reads, as
:meth:`~.queries.QueueFilter.to_args` writes it (values not allowed are dropped, defaults
left out, no page number), so opening one is opening ``/queue/?<query>``. Everyone on staff
also has the :data:`PRESETS` without saving them.

The model lives here with its reads and writes, as a feature this small is easier to read in
one module (canned.py keeps its reads and writes together the same way).
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from ..auth.models import User
from ..core.db import UTCDateTime
from ..core.time import utcnow
from ..extensions import db
from .queries import QueueFilter

MAX_NAME = 60
MAX_VIEWS = 20  # each is a link above the queue: a longer row helps nobody


class SavedView(db.Model):
    """One person's named queue view."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    query: Mapped[str] = mapped_column(Text, default="")  # "mine=1&priority=critical"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class Preset:
    """A view every staff member has without saving it."""

    key: str
    name: object  # a lazy string: translated when shown
    query: str


PRESETS = (
    Preset("my-critical", _l("My critical"), "priority=critical&mine=1"),
    # Open, waiting and resolved alike: this week's breaches to look back on, not only the open ones.
    Preset("breached-this-week", _l("Breached this week"), "status=all&breached_since=7d"),
)


class SavedViewError(ValueError):
    """A view that cannot be saved as asked."""


def query_of(flt: QueueFilter) -> str:
    """The query string a view of ``flt`` stores (and a link to it carries)."""
    return urlencode(flt.to_args())


def views_of(user: User) -> list[SavedView]:
    """``user``'s own saved views, oldest first (the order they were saved in)."""
    return list(
        db.session.scalars(select(SavedView).where(SavedView.user_id == user.id).order_by(SavedView.id))
    )


def own_view(user: User, view_id: int) -> SavedView | None:
    """``user``'s view ``view_id``; None for someone else's, as for one that does not exist."""
    return db.session.scalar(select(SavedView).where(SavedView.id == view_id, SavedView.user_id == user.id))


def _clean_name(user_id: int, name: str, exclude_id: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise SavedViewError(_l("Give the view a name."))
    if len(name) > MAX_NAME:
        raise SavedViewError(_l("View names are limited to %(limit)d characters.", limit=MAX_NAME))
    # At most MAX_VIEWS names, compared here: SQL's lower() folds ASCII only on SQLite.
    others = select(SavedView.name).where(SavedView.user_id == user_id, SavedView.id != (exclude_id or 0))
    if name.casefold() in {other.casefold() for other in db.session.scalars(others)}:
        raise SavedViewError(_l("You already have a view with this name."))
    return name


def save_view(user: User, name: str, flt: QueueFilter, now: datetime | None = None) -> SavedView:
    """Save ``flt`` as ``user``'s view ``name``; raise :class:`SavedViewError` for a name that is
    empty, too long or already theirs, or when they have ``MAX_VIEWS`` views already."""
    name = _clean_name(user.id, name)
    count = db.session.scalar(select(func.count()).select_from(SavedView).where(SavedView.user_id == user.id))
    if count >= MAX_VIEWS:
        raise SavedViewError(
            _l("You have %(limit)d saved views, the most there can be: delete one first.", limit=MAX_VIEWS)
        )
    view = SavedView(user_id=user.id, name=name, query=query_of(flt), created_at=now or utcnow())
    db.session.add(view)
    db.session.flush()
    return view


def rename_view(view: SavedView, name: str) -> None:
    """Give ``view`` another name, checked as :func:`save_view` checks it."""
    view.name = _clean_name(view.user_id, name, exclude_id=view.id)
    db.session.flush()


def delete_view(view: SavedView) -> None:
    """Delete ``view``."""
    db.session.delete(view)
    db.session.flush()
