"""Forms for the settings pages. Durations are typed in hours and stored in minutes."""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from ..auth.forms import confirm_password_field, new_password_field
from ..auth.models import Plan
from ..core.scales import CSAT_SCALE, NPS_SCALE
from ..core.templating import PLAN_LABELS, PRIORITY_LABELS
from ..followups.models import Priority
from ..i18n.forms import Form, optional_int
from ..signup.forms import timezone_field
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
    """One priority's deadlines (for every plan, or for one plan tier) and the clock they run on."""

    first_response = _hours(_l("First response (hours)"))
    next_reply = _hours(_l("Next reply (hours)"))
    resolution = _hours(_l("Resolution (hours)"))
    progress = _hours(_l("Progress report after (hours)"))
    business_hours = BooleanField(_l("Count only the team's business hours"))

    def minutes(self) -> dict[str, int]:
        """The four durations in whole minutes."""
        return {
            name: int(round(getattr(self, name).data * 60))
            for name in ("first_response", "next_reply", "resolution", "progress")
        }


class PlanPolicyForm(Form):
    """Which priority and plan tier get deadlines of their own."""

    priority = SelectField(
        _l("Priority"), choices=[SelectChoice(p.value, PRIORITY_LABELS[p.value]) for p in Priority]
    )
    plan = SelectField(_l("Plan"), choices=[SelectChoice(p.value, PLAN_LABELS[p]) for p in Plan])


class LevelsForm(Form):
    """When the escalation levels fall, and who hears of a breach."""

    warn_percent = IntegerField(
        _l("Warn whoever works the case at this share of the deadline (%)"),
        validators=[
            InputRequired(_l("Enter a percentage.")),
            NumberRange(min=50, max=99, message=_l("Use a whole number from 50 to 99.")),
        ],
        render_kw={"min": 50, "max": 99, "inputmode": "numeric"},
    )
    breach_to = SelectField(
        _l("At the deadline, tell"),
        choices=[
            SelectChoice("lead", _l("The team lead")),
            SelectChoice("managers", _l("The managers")),
        ],
    )
    escalate_percent = IntegerField(
        _l("Still not met at this share of the deadline (%): tell the managers"),
        validators=[
            Optional(),
            NumberRange(
                min=110, max=1000, message=_l("Use a whole number from 110 to 1000, or leave it empty.")
            ),
        ],
        description=_l("Leave empty to stop at the breach."),
        render_kw={"min": 110, "max": 1000, "inputmode": "numeric"},
    )


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
    plan = SelectField(_l("Customer's plan"), default=ANY)
    priority = SelectField(
        _l("Then open a follow-up with priority"),
        choices=[SelectChoice(p.value, PRIORITY_LABELS[p.value]) for p in Priority],
        default=Priority.NORMAL.value,
    )
    team_id = SelectField(_l("In the queue of team"), default=ANY)
    assignee_id = SelectField(_l("Assigned at once to"), default=ANY)
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
            "plan": Plan(self.plan.data) if self.plan.data else None,
            "priority": Priority(self.priority.data),
            "team_id": optional_int(self.team_id.data),
            "assignee_id": optional_int(self.assignee_id.data),
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


WEEKDAY_LABELS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


def _hours_field(label):
    return StringField(
        label,
        validators=[Length(max=60)],
        render_kw={"placeholder": _l("Day off"), "dir": "ltr", "spellcheck": "false", "autocomplete": "off"},
    )


class TeamForm(Form):
    """A support team: name, members and lead, and its business-hours calendar."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    timezone = timezone_field()
    always_open = BooleanField(_l("Works around the clock (24/7)"))
    monday = _hours_field(WEEKDAY_LABELS[0])
    tuesday = _hours_field(WEEKDAY_LABELS[1])
    wednesday = _hours_field(WEEKDAY_LABELS[2])
    thursday = _hours_field(WEEKDAY_LABELS[3])
    friday = _hours_field(WEEKDAY_LABELS[4])
    saturday = _hours_field(WEEKDAY_LABELS[5])
    sunday = _hours_field(WEEKDAY_LABELS[6])
    holiday_country = StringField(
        _l("Public holidays of (country code)"),
        validators=[Length(max=2)],
        render_kw={"placeholder": "DE", "dir": "ltr", "autocomplete": "off"},
    )
    holiday_subdivision = StringField(
        _l("Region (optional)"), validators=[Length(max=10)], render_kw={"placeholder": "BE", "dir": "ltr"}
    )
    holidays = TextAreaField(
        _l("Other days off"),
        validators=[Length(max=5_000)],
        render_kw={"placeholder": _l("2026-12-24 Christmas Eve"), "rows": 4},
    )
    lead_id = SelectField(_l("Team lead"), default=ANY)
    members = SelectMultipleField(_l("Members"), coerce=int, validate_choice=True)

    DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

    def hours(self) -> list[str]:
        """The seven days' typed hours, Monday first."""
        return [getattr(self, day).data or "" for day in self.DAYS]

    def typed_holidays(self) -> list[tuple[date, str]]:
        """The "other days off", one per line: a date (YYYY-MM-DD) and, after it, a name."""
        days = []
        for number, line in enumerate((self.holidays.data or "").splitlines(), start=1):
            if not line.strip():
                continue
            first, _, rest = line.strip().partition(" ")
            try:
                day = date.fromisoformat(first)
            except ValueError:
                raise ValueError(_l("Line %(n)d: start with a date written 2026-12-24.", n=number)) from None
            days.append((day, rest.strip()[:80]))
        return days


class WorkAnyTeamForm(Form):
    """Whether staff may work every team's cases or only their own teams'."""

    allowed = BooleanField(
        _l("Staff may work every team's cases (otherwise they read other teams' cases only)")
    )
