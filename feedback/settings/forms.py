"""Forms for the settings pages. Durations are typed in hours and stored in minutes."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    StopValidation,
)

from ..auth.forms import confirm_password_field, new_password_field
from ..core.scales import CSAT_SCALE, NPS_SCALE
from ..core.templating import PRIORITY_LABELS
from ..followups.models import Priority
from ..i18n.forms import Form, optional_int
from ..signup.queries import INVITE_ONLY, OPEN
from ..surveys.queries import MAX_NPS_INTERVAL_DAYS

MAX_HOURS = 30 * 24
ANY = ""


def _finite(form, field):
    # Decimal accepts "NaN", "sNaN" and "Infinity"; a signalling NaN even breaks NumberRange.
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Enter a number of hours."))


def _hours(label):
    return DecimalField(
        label,
        places=2,
        validators=[
            InputRequired(_l("Enter a number of hours.")),
            _finite,
            NumberRange(min=0.25, max=MAX_HOURS, message=_l("Use between 0.25 and 720 hours (30 days).")),
        ],
        render_kw={"step": "0.25", "inputmode": "decimal"},
    )


class PolicyForm(Form):
    """One priority's deadlines."""

    first_response = _hours(_l("First response (hours)"))
    next_reply = _hours(_l("Next reply (hours)"))
    resolution = _hours(_l("Resolution (hours)"))
    progress = _hours(_l("Progress report after (hours)"))

    def minutes(self) -> dict[str, int]:
        """The four durations in whole minutes."""
        return {
            name: int(round(getattr(self, name).data * 60))
            for name in ("first_response", "next_reply", "resolution", "progress")
        }


class RuleForm(Form):
    """A routing rule: conditions that must all hold, and the priority it gives."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    urgent = SelectField(
        _l("Marked urgent by the customer"),
        choices=[SelectChoice(ANY, _l("Any")), SelectChoice("1", _l("Yes")), SelectChoice("0", _l("No"))],
        default=ANY,
    )
    csat_max = SelectField(
        _l("CSAT at most"),
        choices=[SelectChoice(ANY, _l("Any"))] + [SelectChoice(str(n), str(n)) for n in CSAT_SCALE],
        default=ANY,
    )
    nps_max = SelectField(
        _l("NPS at most"),
        choices=[SelectChoice(ANY, _l("Any"))] + [SelectChoice(str(n), str(n)) for n in NPS_SCALE],
        default=ANY,
    )
    category_id = SelectField(_l("Category"), default=ANY)
    priority = SelectField(
        _l("Then open a follow-up with priority"),
        choices=[SelectChoice(p.value, PRIORITY_LABELS[p.value]) for p in Priority],
        default=Priority.NORMAL.value,
    )
    active = BooleanField(_l("Active"), default=True)

    def values(self) -> dict:
        """Field values as model attributes (``None`` for "any")."""
        urgent = {"1": True, "0": False}.get(self.urgent.data)
        return {
            "name": self.name.data.strip(),
            "urgent": urgent,
            "csat_max": optional_int(self.csat_max.data),
            "nps_max": optional_int(self.nps_max.data),
            "category_id": optional_int(self.category_id.data),
            "priority": Priority(self.priority.data),
            "active": self.active.data,
        }


class CategoryForm(Form):
    """A new feedback category."""

    name = StringField(_l("New category"), validators=[DataRequired(), Length(max=80)])


class StaffForm(Form):
    """A new staff member or manager."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("staff", _l("Staff")), SelectChoice("manager", _l("Manager"))],
        default="staff",
    )
    password = new_password_field(_l("Initial password"))
    confirm = confirm_password_field()


class SurveySettingsForm(Form):
    """How often the relationship (NPS) survey goes to each customer."""

    interval_days = IntegerField(
        _l("Days between relationship surveys to one customer"),
        validators=[
            InputRequired(_l("Enter a number of days (0 turns the survey off).")),
            NumberRange(
                min=0,
                max=MAX_NPS_INTERVAL_DAYS,
                message=_l("Use a whole number of days from 0 to %(max)s.", max=MAX_NPS_INTERVAL_DAYS),
            ),
        ],
        render_kw={"min": 0, "max": MAX_NPS_INTERVAL_DAYS, "inputmode": "numeric"},
    )


class SignupModeForm(Form):
    """Whether visitors may create their own customer account."""

    mode = SelectField(
        _l("Customer sign-up"),
        choices=[
            SelectChoice(OPEN, _l("Open: anyone may sign up")),
            SelectChoice(INVITE_ONLY, _l("By invitation only")),
        ],
    )


class InviteForm(Form):
    """Invite a customer by e-mail: they choose their password through the link they get."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )


class CannedReplyForm(Form):
    """A canned reply staff start from (followups/canned.py checks it)."""

    language = SelectField(_l("Language"))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    body = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(max=5_000)])
