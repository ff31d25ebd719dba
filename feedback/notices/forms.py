"""Forms for the manager's notice pages. Times are typed in the manager's own time zone.

The forms only parse what was typed; the rules (required fields, ranges, hostnames, line
breaks in titles) live in ``services.validate`` so the pages and the API share them.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.templating import PLAN_LABELS
from ..core.time import is_valid_timezone, local
from ..i18n.forms import Form
from .models import Notice, NoticeKind
from .queries import plan_list
from .services import MAX_BODY, MAX_DOWNTIME, MAX_TITLE, NoticeDraft

KIND_LABELS = {
    NoticeKind.ANNOUNCEMENT.value: _l("Announcement"),
    NoticeKind.MAINTENANCE.value: _l("Maintenance window"),
    NoticeKind.BACKUP.value: _l("Backup routine"),
    NoticeKind.INCIDENT.value: _l("Incident"),
}
TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _zone(tz_name: str | None) -> ZoneInfo:
    return ZoneInfo(tz_name) if tz_name and is_valid_timezone(tz_name) else ZoneInfo("UTC")


YEARS = range(2000, 2101)


def _plausible_year(form, field) -> None:
    # Year 1 or 9999 would overflow when converted to UTC; no real notice is that far off.
    if field.data is not None and field.data.year not in YEARS:
        raise ValidationError(_l("Enter a date between 2000 and 2100."))


def _aware(value: datetime | None, tz_name: str | None) -> datetime | None:
    if value is None or value.year not in YEARS:
        return None  # refused by _plausible_year; never converted
    return value.replace(tzinfo=_zone(tz_name))


def _naive_local(value: datetime | None, tz_name: str | None) -> datetime | None:
    return local(value, tz_name).replace(tzinfo=None) if value is not None else None


class NoticeForm(Form):
    """A notice: what, when, how long, and for whom."""

    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(value, label) for value, label in KIND_LABELS.items()],
        default=NoticeKind.MAINTENANCE.value,
    )
    title = StringField(_l("Title"), render_kw={"maxlength": MAX_TITLE})
    body = TextAreaField(_l("Details"), render_kw={"maxlength": MAX_BODY})
    starts_at = DateTimeLocalField(_l("Starts"), format=TIME_FORMAT, validators=[Optional(), _plausible_year])
    ends_at = DateTimeLocalField(_l("Ends"), format=TIME_FORMAT, validators=[Optional(), _plausible_year])
    expected_downtime_minutes = IntegerField(
        _l("Expected downtime (minutes)"),
        validators=[Optional()],
        render_kw={"min": 0, "max": MAX_DOWNTIME, "inputmode": "numeric"},
    )
    plans = SelectMultipleField(
        _l("Plans"),
        choices=[SelectChoice(value, label) for value, label in PLAN_LABELS.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    servers = TextAreaField(_l("Servers"))

    @classmethod
    def for_notice(cls, notice: Notice, tz_name: str | None) -> "NoticeForm":
        """A form filled from ``notice``, its times shown in ``tz_name``."""
        return cls(
            formdata=None,
            data={
                "kind": notice.kind.value,
                "title": notice.title,
                "body": notice.body,
                "starts_at": _naive_local(notice.starts_at, tz_name),
                "ends_at": _naive_local(notice.ends_at, tz_name),
                "expected_downtime_minutes": notice.expected_downtime_minutes,
                "plans": plan_list(notice),
                "servers": "\n".join(s for s in (notice.servers or "").split(",") if s),
            },
        )

    def draft(self, tz_name: str | None) -> NoticeDraft:
        """What was typed, with times read in ``tz_name``."""
        return NoticeDraft(
            kind=self.kind.data,
            title=self.title.data or "",
            body=self.body.data or "",
            starts_at=_aware(self.starts_at.data, tz_name),
            ends_at=_aware(self.ends_at.data, tz_name),
            expected_downtime_minutes=self.expected_downtime_minutes.data,
            plans=self.plans.data or [],
            servers=self.servers.data or "",
        )


class UpdateForm(Form):
    """A timed update on a published notice."""

    body = TextAreaField(_l("Update"), render_kw={"maxlength": MAX_BODY})


class ResolveForm(Form):
    """Close a notice, with an optional last update."""

    body = TextAreaField(_l("Closing update (optional)"), render_kw={"maxlength": MAX_BODY})
