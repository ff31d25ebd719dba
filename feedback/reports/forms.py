"""The date-range filter shared by the report pages, the CSV export and the API."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import InputRequired, ValidationError

from ..core.dates import FIRST_DAY, LAST_DAY
from ..core.time import utcnow
from ..i18n.forms import Form

MAX_DAYS = 3 * 366
DEFAULT_DAYS = 90


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last 90 days, ending today (UTC)."""
    today = today or utcnow().date()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


class RangeForm(Form):
    """GET filter: start and end date (inclusive) and the trend granularity."""

    class Meta:
        csrf = False  # a read-only GET filter; nothing changes

    start = DateField(_l("From"), validators=[InputRequired(_l("Enter a start date."))])
    end = DateField(_l("To"), validators=[InputRequired(_l("Enter an end date."))])
    granularity = SelectField(
        _l("Trend by"),
        choices=[SelectChoice("week", _l("Week")), SelectChoice("month", _l("Month"))],
        default="week",
    )

    def validate_start(self, field):
        _in_reach(field.data)

    def validate_end(self, field):
        _in_reach(field.data)
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The end date is before the start date."))
            if (field.data - self.start.data).days > MAX_DAYS:
                raise ValidationError(_l("Choose a range of at most three years."))


def _in_reach(day: date | None) -> None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(
            _l(
                "Choose a date from %(first)s to %(last)s.",
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            )
        )


def range_form(args) -> RangeForm:
    """Bind the filter to query arguments, defaulting to the last 90 days when none are given."""
    if not args.get("start") and not args.get("end"):
        start, end = default_range()
        args = {**args.to_dict(), "start": start.isoformat(), "end": end.isoformat()}
    elif not isinstance(args, MultiDict):
        args = MultiDict(args)
    return RangeForm(formdata=MultiDict(args))
