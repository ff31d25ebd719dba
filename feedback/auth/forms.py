"""The sign-in form and the API token forms (sign-up's forms are in feedback/signup)."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..i18n.forms import Form


class LoginForm(Form):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class TokenForm(Form):
    """A new API token: what it is for."""

    label = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter a name, so you know later what the token is for.")),
            Length(max=100),
        ],
        render_kw={"maxlength": 100, "autocomplete": "off"},
    )


class ConfirmForm(Form):
    """A button that changes one thing (revoke a token): only its protection against forged posts."""
