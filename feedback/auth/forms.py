"""Sign-in and sign-up forms."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..core.time import is_valid_timezone
from ..i18n.forms import Form


class LoginForm(Form):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class SignupForm(Form):
    """A customer creates their own account."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    plan = SelectField(
        _l("Hosting plan"),
        choices=[
            SelectChoice("shared", _l("Shared")),
            SelectChoice("vps", _l("VPS")),
            SelectChoice("dedicated", _l("Dedicated")),
        ],
        default="shared",
    )
    timezone = StringField(_l("Time zone"), default="UTC", validators=[Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        _l("Repeat password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )

    def validate_timezone(self, field):
        if field.data and not is_valid_timezone(field.data):
            raise ValidationError(_l("Unknown time zone."))
