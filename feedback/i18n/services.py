"""Writes for languages: remember the one a person picked."""

from typing import Protocol

from flask import current_app, session

from ..extensions import db


class Speaker(Protocol):
    """An account as far as languages go (a :class:`feedback.auth.models.User`). Named by its
    one attribute so i18n, which every feature's forms build on, imports no feature."""

    locale: str | None


def choose_language(user: Speaker | None, language: str) -> bool:
    """Remember ``language`` for ``user`` (saved on the account, so e-mail follows it too) or,
    signed out, for this browser session. False, remembering nothing, for an unknown language."""
    if language not in current_app.config["LANGUAGES"]:
        return False
    if user is not None:
        user.locale = language
        db.session.flush()
    else:
        session["locale"] = language
    return True


def keep_chosen_language(user: Speaker, fallback: str | None = None) -> None:
    """Save on an account that has no language yet the one its owner chose while signed out
    (the switcher, this session), else ``fallback`` (the language they signed up in), so
    their e-mail is in the language their pages were."""
    if user.locale:
        return
    chosen = session.get("locale") or fallback
    if chosen in current_app.config["LANGUAGES"]:
        user.locale = chosen
        db.session.flush()
