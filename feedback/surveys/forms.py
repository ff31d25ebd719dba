"""Customer feedback forms."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..core.scales import NPS_SCALE
from ..i18n.forms import Form, optional_int
from .services import MAX_COMMENT

CSAT_CHOICES = [
    SelectChoice(5, _l("5 — Very satisfied")),
    SelectChoice(4, _l("4 — Satisfied")),
    SelectChoice(3, _l("3 — Neutral")),
    SelectChoice(2, _l("2 — Unsatisfied")),
    SelectChoice(1, _l("1 — Very unsatisfied")),
]


class RatingForm(Form):
    """CSAT (required), NPS (optional), category, comment, urgent flag."""

    csat = RadioField(
        _l("How satisfied are you with our service?"),
        choices=CSAT_CHOICES,
        coerce=optional_int,
        validators=[InputRequired(message=_l("Choose a rating from 1 to 5."))],
        invalid_value_message=_l("Choose a rating from 1 to 5."),
        invalid_choice_message=_l("Choose a rating from 1 to 5."),
    )
    nps = RadioField(
        _l("How likely are you to recommend us to a friend or colleague? (optional)"),
        choices=[SelectChoice(n, str(n)) for n in NPS_SCALE],
        coerce=optional_int,
        validators=[Optional()],
        invalid_value_message=_l("Choose a score from 0 to 10, or leave it empty."),
        invalid_choice_message=_l("Choose a score from 0 to 10, or leave it empty."),
    )
    category = SelectField(_l("What is it about?"), validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=MAX_COMMENT)])
    urgent = BooleanField(_l("Urgent — my site is affected"))


class ReplyForm(Form):
    """A message on an open case."""

    body = TextAreaField(_l("Your message"), validators=[DataRequired(), Length(max=10_000)])


class PreferencesForm(Form):
    """Which e-mails a customer wants beyond the essential ones."""

    optional_mail = BooleanField(
        _l("Surveys, feedback receipts, announcements, backup notices and idea updates")
    )
