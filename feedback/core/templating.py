"""Jinja filters and globals: local times, labels, badges."""

from datetime import datetime

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale, gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from .time import utcnow

STATUS_LABELS = {"open": _l("Open"), "waiting": _l("Waiting on you"), "resolved": _l("Resolved")}
STAFF_STATUS_LABELS = {"open": _l("Open"), "waiting": _l("Waiting on customer"), "resolved": _l("Resolved")}
PRIORITY_LABELS = {"critical": _l("Critical"), "high": _l("High"), "normal": _l("Normal")}
PLAN_LABELS = {"shared": _l("Shared"), "vps": _l("VPS"), "dedicated": _l("Dedicated")}
ROLE_LABELS = {"customer": _l("Customer"), "staff": _l("Staff"), "manager": _l("Manager")}
OUTBOX_LABELS = {
    "pending": _l("Waiting"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
}


def dt(value: datetime | None, fmt: str = "medium") -> str:
    """Format an aware datetime in the viewer's time zone and locale."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def money(value) -> str:
    """A price with two decimals in the viewer's locale (the host's currency is implied)."""
    return format_decimal(value, format="#,##0.00")


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    from flask import url_for

    return url_for(request.endpoint, **(request.view_args or {}), **args)


RTL_LANGUAGES = frozenset({"ar", "fa", "he"})


def is_rtl() -> bool:
    """Whether the current language is written right to left (pages, e-mails and charts mirror)."""
    locale = get_locale()
    return bool(locale) and locale.language in RTL_LANGUAGES


def figure(value, style: str = "number") -> Markup:
    """A report figure in the page's locale ("64,3 %" in Esperanto), kept left to right so a
    minus sign or "/ 5" is not mirrored in Arabic; a dash when there is no figure."""
    if value is None:
        return Markup('<span class="text-secondary">—</span>')
    if style == "percent":
        text = format_percent(value / 100, "#,##0.0 %")
    elif style == "hours":
        text = gettext("%(hours)s h", hours=format_decimal(value, "#,##0.##"))
    elif style == "score":
        text = format_decimal(value, "#,##0.##") + " / 5"
    else:
        text = format_decimal(value)
    return Markup('<bdi dir="ltr">%s</bdi>') % text


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters["dt"] = dt
    app.jinja_env.filters["day"] = format_date  # a date (no time) in the viewer's locale
    app.jinja_env.filters["num"] = format_decimal
    app.jinja_env.filters["pct"] = format_percent
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["figure"] = figure
    app.jinja_env.globals.update(
        is_rtl=is_rtl,
        STATUS_LABELS=STATUS_LABELS,
        STAFF_STATUS_LABELS=STAFF_STATUS_LABELS,
        PRIORITY_LABELS=PRIORITY_LABELS,
        PLAN_LABELS=PLAN_LABELS,
        OUTBOX_LABELS=OUTBOX_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        url_with=url_with,
        get_locale=get_locale,
        now=utcnow,
    )
