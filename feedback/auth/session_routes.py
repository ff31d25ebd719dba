"""Where you are signed in: your sessions, and "sign out everywhere"."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..extensions import db
from .sessions import end_all_sessions, is_current, live_sessions

bp = Blueprint("sessions", __name__)


@bp.route("/")
@login_required
def index():
    return render_template("auth/sessions.html", sessions=live_sessions(current_user), is_current=is_current)


@bp.route("/end-all", methods=["POST"])
@login_required
def end_all():
    end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are signed out everywhere, on this browser too."), "info")
    return redirect(url_for("auth.login"))
