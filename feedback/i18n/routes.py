"""The language switcher on every page: a small POST form (CSRF-protected, works without JS)."""

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from ..core.security import is_safe_redirect
from ..extensions import db
from .services import choose_language

bp = Blueprint("i18n", __name__)


@bp.post("/language")
def set_language():
    """Switch the interface language, then go back to the page the switcher was on."""
    user = current_user if current_user.is_authenticated else None
    if not choose_language(user, request.form.get("language", "")):
        abort(400)
    db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_redirect(target) else url_for("auth.index"))
