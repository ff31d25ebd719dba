"""Manager settings pages."""

from flask import Blueprint, render_template

from ..core.access import manager_required

bp = Blueprint("settings", __name__)


@bp.route("/")
@manager_required
def index():
    return render_template("settings/index.html")
