"""Writes for the brand: its text settings, and the logo. Nothing here commits.

The rules live here, not only in the form, so that anything else that sets the brand (the
demo) is held to them too; the form shows their messages beside its fields.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from ..core.db import conflict_insert
from ..core.time import utcnow
from ..extensions import db
from .colors import HEX_COLOR, MIN_CONTRAST, contrast_problems
from .logo import LogoError, clean_png
from .models import BRAND_ID, BrandSettings
from .queries import PRODUCT_NAME, forget_cached, settings_row

MAX_NAME = 60
MAX_LINKS = 5
MAX_LINK_LABEL = 40
MAX_LINK_URL = 300


class BrandError(ValueError):
    """Values the brand cannot take: ``fields`` maps a field to its messages."""

    def __init__(self, fields: dict[str, list]):
        super().__init__("; ".join(str(m) for messages in fields.values() for m in messages))
        self.fields = fields


@dataclass(frozen=True)
class BrandValues:
    """The brand's text settings as typed (stripped); ``links`` are (label, url) pairs."""

    name: str
    color: str | None = None
    support_email: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    show_powered_by: bool = False


def _has_control_characters(text: str) -> bool:
    # A line break in the name would break the From header of every e-mail.
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def name_problems(name: str) -> list:
    """Why ``name`` cannot be the host's name (empty list: it can)."""
    if not name.strip():
        return [_l("Enter the name your customers know you by.")]
    if len(name.strip()) > MAX_NAME:
        return [_l("Keep the name to %(max)s characters.", max=MAX_NAME)]
    if _has_control_characters(name):
        return [_l("The name cannot contain line breaks or control characters.")]
    return []


def _ratio(value: float) -> str:
    # Rounded down: a colour measured at 4.497 must not be told it has 4.50:1 and still fail.
    return format_decimal(int(value * 100) / 100, "0.00")


def color_problems(color: str) -> list:
    """Why ``color`` cannot be the brand colour: not ``#rrggbb``, or too little contrast, with
    the ratio measured (so the manager sees how far off it is)."""
    if not HEX_COLOR.match(color):
        return [_l("Enter the colour as # and six hexadecimal digits, e.g. #0b5ed7.")]
    messages = []
    # Isolated left to right: in an Arabic sentence "#7fb3ff" would otherwise read "7fb3ff#".
    shown = f"\u2066{color}\u2069"
    for problem in contrast_problems(color):
        if problem.use == "white_text":
            message = _l(
                "White text on %(color)s (the navigation bar and buttons) has a contrast of only "
                "%(ratio)s:1; at least %(min)s:1 is needed to be readable. Choose a darker colour.",
                color=shown,
                ratio=_ratio(problem.ratio),
                min=format_decimal(MIN_CONTRAST),
            )
        else:
            message = _l(
                "%(color)s as link text on the light page background has a contrast of only "
                "%(ratio)s:1; at least %(min)s:1 is needed to be readable. Choose a darker colour.",
                color=shown,
                ratio=_ratio(problem.ratio),
                min=format_decimal(MIN_CONTRAST),
            )
        messages.append(message)
    return messages


def email_problems(address: str) -> list:
    """Why ``address`` cannot be the support address (it goes into every mail's Reply-To)."""
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return [_l("Enter an e-mail address such as support@example.com.")]
    return [] if len(address) <= 254 else [_l("Enter an e-mail address such as support@example.com.")]


def url_problems(url: str) -> list:
    """Why ``url`` cannot be a footer link: only complete http(s) addresses are shown."""
    if len(url) > MAX_LINK_URL:
        return [_l("Keep the address to %(max)s characters.", max=MAX_LINK_URL)]
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not host
        or any(ch.isspace() for ch in url)
        or _has_control_characters(url)
    ):
        return [_l("Enter a complete web address starting with https:// (or http://).")]
    return []


def link_problems(label: str, url: str) -> dict[str, list]:
    """Problems with one footer link, by part ("label", "url"); an empty pair is no link."""
    problems: dict[str, list] = {}
    if url and not label:
        problems["label"] = [_l("Give this link a label.")]
    elif len(label) > MAX_LINK_LABEL:
        problems["label"] = [_l("Keep the label to %(max)s characters.", max=MAX_LINK_LABEL)]
    elif _has_control_characters(label):
        problems["label"] = [_l("The label cannot contain line breaks or control characters.")]
    if label and not url:
        problems["url"] = [_l("Enter the address this link opens.")]
    elif url:
        problems.update({"url": found} if (found := url_problems(url)) else {})
    return problems


def _row() -> BrandSettings:
    """The brand row, created with the defaults if there is none yet, locked for this change."""
    table = BrandSettings.__table__
    db.session.execute(
        conflict_insert(db.session.get_bind(), table)
        .values(id=BRAND_ID, name=PRODUCT_NAME, footer_links=[], show_powered_by=False, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["id"])
    )
    return settings_row(for_update=True)


def brand_problems(values: BrandValues) -> dict[str, list]:
    """Every rule ``values`` break, keyed by field (footer links as ``links-<n>-label``/``-url``)."""
    errors: dict[str, list] = {}
    if found := name_problems(values.name):
        errors["name"] = found
    if values.color and (found := color_problems(values.color)):
        errors["color"] = found
    if values.support_email and (found := email_problems(values.support_email)):
        errors["support_email"] = found
    if len(values.links) > MAX_LINKS:
        errors["links"] = [_l("At most %(max)s footer links.", max=MAX_LINKS)]
    for index, (label, url) in enumerate(values.links):
        for part, messages in link_problems(label, url).items():
            errors[f"links-{index}-{part}"] = messages
    return errors


def save_brand(values: BrandValues, now: datetime | None = None) -> BrandSettings:
    """Store the brand's text settings. Raises :class:`BrandError` with :func:`brand_problems`
    when one breaks a rule; nothing is changed then."""
    if errors := brand_problems(values):
        raise BrandError(errors)
    row = _row()
    row.name = values.name.strip()
    row.primary_color = values.color or None
    row.support_email = values.support_email or None
    row.footer_links = [{"label": label, "url": url} for label, url in values.links if label and url]
    row.show_powered_by = values.show_powered_by
    row.updated_at = now or utcnow()
    db.session.flush()
    forget_cached()
    return row


def set_logo(data: bytes, now: datetime | None = None) -> BrandSettings:
    """Check, clean and store an uploaded PNG as the logo. Raises :class:`BrandError` (field
    ``logo``) when the file is refused."""
    try:
        logo = clean_png(data)
    except LogoError as exc:
        raise BrandError({"logo": [exc.args[0]]}) from exc
    row = _row()
    row.logo_png = logo.png
    row.logo_sha256 = logo.sha256
    row.logo_width, row.logo_height = logo.width, logo.height
    row.updated_at = now or utcnow()
    db.session.flush()
    forget_cached()
    return row


def remove_logo(now: datetime | None = None) -> None:
    """Show the name alone again."""
    row = settings_row(for_update=True)
    if row is None or row.logo_sha256 is None:
        return
    row.logo_png = None
    row.logo_sha256 = row.logo_width = row.logo_height = None
    row.updated_at = now or utcnow()
    db.session.flush()
    forget_cached()
