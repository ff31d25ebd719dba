"""The profile form and the change-password form."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..auth.forms import confirm_password_field, new_password_field
from ..i18n.forms import Form
from ..signup.forms import timezone_field


class ProfileForm(Form):
    """Name, language and time zone: how the app addresses the person and shows them times."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(_l("Language"))
    timezone = timezone_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language in its own name, as the switcher shows them: one reads their own.
        names = current_app.config["LANGUAGE_NAMES"]
        self.language.choices = [
            SelectChoice(code, names.get(code, code), render_kw={"lang": code})
            for code in current_app.config["LANGUAGES"]
        ]


class ChangePasswordForm(Form):
    """The current password (whoever borrowed a signed-in browser does not know it) and a new one."""

    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field(_l("New password"))
    confirm = confirm_password_field()


class SendLinkForm(Form):
    """ "E-mail me a link to set a password": a button, the CSRF token only."""
