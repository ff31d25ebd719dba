"""The base of every form: WTForms' own messages ("This field is required.", "Not a valid
choice." …) translated by our catalogue, which has them in every language, where WTForms'
catalogue has no Esperanto."""

from flask_babel import get_translations
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations


class _CatalogueFirst:
    """Our catalogue when it translates the message, else WTForms' own."""

    def gettext(self, string: str) -> str:
        translated = get_translations().ugettext(string)
        return translated if translated != string else wtforms_translations.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Not flask_babel.ngettext: it would fill the placeholders itself; WTForms does that.
        translated = get_translations().ungettext(singular, plural, n)
        if translated not in (singular, plural):
            return translated
        return wtforms_translations.ngettext(singular, plural, n)


CATALOGUE_FIRST = _CatalogueFirst()


class Form(FlaskForm):
    """FlaskForm (with its protection against forged posts) speaking the page's language."""

    class Meta:
        def get_translations(self, form):
            return CATALOGUE_FIRST


class ConfirmForm(Form):
    """A bare button that changes one thing (revoke, delete, publish, deactivate): only its
    protection against forged posts. Every feature's buttons use this one."""


def _wtforms_messages(gettext, ngettext) -> None:  # pragma: no cover - never called
    """WTForms' messages, here only so `flask translate update` puts them in our catalogue."""
    gettext("Field must be equal to %(other_name)s.")
    ngettext(
        "Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1
    )
    ngettext(
        "Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1
    )
    ngettext(
        "Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long.", 1
    )
    gettext("Field must be between %(min)d and %(max)d characters long.")
    gettext("Number must be at least %(min)s.")
    gettext("Number must be at most %(max)s.")
    gettext("Number must be between %(min)s and %(max)s.")
    gettext("Date must be at least %(min)s.")
    gettext("Date must be at most %(max)s.")
    gettext("Date must be between %(min)s and %(max)s.")
    gettext("This field is required.")
    gettext("Invalid input.")
    gettext("Invalid email address.")
    gettext("Invalid URL.")
    gettext("Invalid value, must be one of: %(values)s.")
    gettext("Invalid value, can't be any of: %(values)s.")
    gettext("This field cannot be edited.")
    gettext("This field is disabled and cannot have a value.")
    gettext("Invalid Choice: could not coerce.")
    gettext("Not a valid choice.")
    gettext("Invalid choice(s): one or more data inputs could not be coerced.")
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    )
    gettext("Not a valid datetime value.")
    gettext("Not a valid date value.")
    gettext("Not a valid time value.")
    gettext("Not a valid integer value.")
    gettext("Not a valid decimal value.")
    gettext("Not a valid float value.")


def optional_int(value) -> int | None:
    """Coerce a choice's value to an int; an empty choice ("", None or WTForms' "None") is None."""
    return None if value in (None, "", "None") else int(value)
