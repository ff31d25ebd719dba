"""Where you are signed in: your sessions, and "sign out everywhere"."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from ua_parser import parse as parse_user_agent

from ..extensions import db
from .sessions import end_all_sessions, is_current, live_sessions

bp = Blueprint("sessions", __name__)


def browser_label(user_agent: str) -> str:
    """Name a session's browser the way its owner would ("Firefox on Windows"), not by its raw
    User-Agent header, which is long and means little to most people."""
    found = parse_user_agent(user_agent or "")
    browser = found.user_agent.family if found.user_agent else None
    system = found.os.family if found.os else None
    if browser and system and system != "Other":
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or _("Unknown browser")


@bp.route("/")
@login_required
def index():
    return render_template(
        "auth/sessions.html",
        sessions=live_sessions(current_user),
        is_current=is_current,
        browser_label=browser_label,
    )


@bp.route("/end-all", methods=["POST"])
@login_required
def end_all():
    end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are signed out everywhere, on this browser too."), "info")
    return redirect(url_for("auth.login"))
