"""Reports → Support by person (and by team): managers see everyone's figures and every team's,
staff their own figures only (a team's row sums colleagues' work: docs/metrics.md)."""

from flask import Blueprint, abort, make_response, render_template, request
from flask_login import current_user

from ..auth.access import staff_required
from .forms import range_form
from .people import people_figures, team_figures

bp = Blueprint("people_report", __name__, url_prefix="/reports/people")


@bp.route("/")
@staff_required
def index():
    """The figures per person, and for managers per team, for the period (the last 90 days
    unless asked)."""
    form = range_form(request.args)
    if not form.validate():
        abort(make_response(render_template("reports/people.html", form=form, rows=None, teams=None), 400))
    person = None if current_user.is_manager else current_user.id
    rows = people_figures(form.start.data, form.end.data, person_id=person)
    teams = team_figures(form.start.data, form.end.data) if current_user.is_manager else None
    return render_template("reports/people.html", form=form, rows=rows, teams=teams)
