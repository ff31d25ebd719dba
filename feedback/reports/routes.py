"""Report pages (placeholder until the reports land)."""

from flask import Blueprint, render_template

from ..core.access import manager_required

bp = Blueprint("reports", __name__)


@bp.route("/satisfaction")
@manager_required
def satisfaction():
    return render_template("reports/satisfaction.html")


@bp.route("/support")
@manager_required
def support():
    return render_template("reports/satisfaction.html")
