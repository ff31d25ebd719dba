"""Forms for two-factor sign-in: a code (set-up, new recovery codes, sign-in) and turning it off."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ...i18n.forms import Form

# Phones offer the code from a text message or the app, and nothing else touches it.
_CODE_INPUT = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}


class CodeForm(Form):
    """One code: six digits from the app (or, at sign-in, a recovery code)."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)], render_kw=_CODE_INPUT)


class DisableForm(Form):
    """Proof that it is really the owner: their password or a current code."""

    password = PasswordField(_l("Your password"), validators=[Optional(), Length(max=200)])
    code = StringField(
        _l("Or a code from your app"), validators=[Optional(), Length(max=40)], render_kw=_CODE_INPUT
    )
