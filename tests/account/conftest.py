"""Helpers for the account pages' tests."""

import pytest
from flask_babel import force_locale, gettext


@pytest.fixture
def say():
    """``say("ar", msgid, **values)``: a message as the app shows it in a language."""

    def translate(language: str, text: str, **values) -> str:
        with force_locale(language):
            return gettext(text, **values)

    return translate
