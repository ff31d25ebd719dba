"""Reads: the brand as pages and e-mails show it (one query per request), and the logo's bytes."""

import logging
from dataclasses import dataclass, field

from flask import g
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from .colors import stylesheet_version
from .models import BRAND_ID, BrandSettings

PRODUCT_NAME = "Kontento"  # the name when the host has set none, and the one "Powered by" names
_CACHE = "kontento_brand"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FooterLink:
    """A link in the page footer, as the host typed it."""

    label: str
    url: str


@dataclass(frozen=True)
class Brand:
    """What customers see of the host: immutable, so one read serves a whole request."""

    name: str = PRODUCT_NAME
    color: str | None = None
    support_email: str | None = None
    links: tuple[FooterLink, ...] = field(default_factory=tuple)
    show_powered_by: bool = False
    logo_sha256: str | None = None
    logo_width: int | None = None
    logo_height: int | None = None

    @property
    def is_product(self) -> bool:
        """Whether the host still goes by the product's own name."""
        return self.name == PRODUCT_NAME

    @property
    def powered_by(self) -> bool:
        """Whether the footer says "Powered by Kontento" (never under the name Kontento itself)."""
        return self.show_powered_by and not self.is_product

    @property
    def stylesheet_version(self) -> str | None:
        """Names the colour's stylesheet in its URL; None when there is no colour."""
        return stylesheet_version(self.color) if self.color else None


DEFAULT = Brand()


def _from_row(row: BrandSettings | None) -> Brand:
    if row is None:
        return DEFAULT
    return Brand(
        name=row.name,
        color=row.primary_color,
        support_email=row.support_email,
        links=tuple(FooterLink(link["label"], link["url"]) for link in (row.footer_links or [])),
        show_powered_by=row.show_powered_by,
        logo_sha256=row.logo_sha256,
        logo_width=row.logo_width,
        logo_height=row.logo_height,
    )


def current_brand() -> Brand:
    """The brand, read once per request (or per job, in the worker) and kept in ``g``.

    A database that cannot answer gives the defaults: an error page, or a mail rendered while
    the database has a hiccup, must not fail for the sake of a name and a colour.
    """
    cached = g.get(_CACHE)
    if cached is not None:
        return cached
    try:
        brand = _from_row(db.session.get(BrandSettings, BRAND_ID))
    except SQLAlchemyError:
        log.warning("could not read the brand; showing the defaults", exc_info=True)
        return DEFAULT
    setattr(g, _CACHE, brand)
    return brand


def forget_cached() -> None:
    """Drop the brand kept for this request (after it changed)."""
    g.pop(_CACHE, None)


def settings_row(for_update: bool = False) -> BrandSettings | None:
    """The stored row, if any (the settings page and the services)."""
    query = select(BrandSettings).where(BrandSettings.id == BRAND_ID)
    if for_update:
        # Locked for a change, and read afresh: the session may hold the row from before.
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def logo_png() -> tuple[str, bytes] | None:
    """The current logo's digest and PNG bytes, or None without a logo."""
    row = db.session.execute(
        select(BrandSettings.logo_sha256, BrandSettings.logo_png).where(
            BrandSettings.id == BRAND_ID, BrandSettings.logo_sha256.is_not(None)
        )
    ).first()
    return (row.logo_sha256, row.logo_png) if row else None
