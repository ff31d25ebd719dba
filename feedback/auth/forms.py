"""The sign-in form, the fields every form that chooses a password shares, and the API token
forms (sign-up's forms are in feedback/signup)."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..i18n.forms import Form
from .passwords import MAX_LENGTH


class LoginForm(Form):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def new_password_field(label=None) -> PasswordField:
    """A password being chosen. Only its presence and a bound on its size are checked here: the
    policy (``passwords.py``) needs the account's address and name, so the service applies it."""
    return PasswordField(
        label or _l("Password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_LENGTH},
    )


def confirm_password_field(other: str = "password") -> PasswordField:
    """The same password typed again."""
    return PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo(other, _l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


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
