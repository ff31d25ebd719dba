"""Sign-up, "send me a link" and the form behind a link (choose a password)."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from ..auth.forms import confirm_password_field, new_password_field
from ..core.time import is_listed_timezone
from ..i18n.forms import Form


def _email_field():
    return EmailField(
        _l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )


def _listed_timezone(form, field):
    if not is_listed_timezone(field.data):
        raise ValidationError(_l("Pick a time zone from the list."))


def timezone_field():
    """A time zone picked from the IANA list (the account page uses it too)."""
    # Filled in from the browser by static/js/timezone.js; a list to search when it guessed wrong.
    return StringField(
        _l("Time zone"),
        default="UTC",
        validators=[DataRequired(), Length(max=64), _listed_timezone],
        render_kw={"list": "timezones", "autocomplete": "off", "spellcheck": "false"},
    )


class SignupForm(Form):
    """A visitor asks for a customer account. No plan (it comes from billing) and no password
    (it is chosen behind the link that proves the address)."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = _email_field()
    timezone = timezone_field()


class NewLinkForm(Form):
    """Send a link again: to finish a sign-up or an invitation, or to set a new password."""

    email = _email_field()


class PasswordForm(Form):
    """Choose a password (the account is in use already: a new password)."""

    password = new_password_field()
    confirm = confirm_password_field()


class ClaimForm(PasswordForm):
    """Finish a sign-up or take up an invitation: name and time zone as the owner wants them."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    timezone = timezone_field()
