"""Settings → Teams: support teams, their members and lead, their business-hours calendars, and
whether staff may work other teams' cases."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..auth.access import manager_required
from ..auth.models import User
from ..core import cache
from ..core.time import timezone_names
from ..extensions import db
from ..followups.queries import staff_members
from ..i18n.forms import ConfirmForm
from ..teams import queries as team_queries
from ..teams import services as team_services
from ..teams.models import Team
from . import services
from .forms import ANY, WEEKDAY_LABELS, TeamForm, WorkAnyTeamForm

bp = Blueprint("team_settings", __name__, url_prefix="/settings/teams")


def _form(team: Team | None = None) -> TeamForm:
    if request.method == "POST":
        form = TeamForm()
    elif team is None:
        form = TeamForm(
            formdata=None,
            timezone="UTC",
            **dict(zip(TeamForm.DAYS, ["09:00-18:00"] * 5 + ["", ""], strict=True)),
        )
    else:
        form = TeamForm(
            formdata=None,
            name=team.name,
            timezone=team.timezone,
            always_open=team.always_open,
            holiday_country=team.holiday_country or "",
            holiday_subdivision=team.holiday_subdivision or "",
            holidays="\n".join(f"{h.day.isoformat()} {h.name}".strip() for h in team.holidays),
            lead_id=str(team.lead_id) if team.lead_id else ANY,
            members=[m.id for m in team.members],
            **dict(zip(TeamForm.DAYS, team.hours, strict=True)),
        )
    staff = staff_members()
    form.lead_id.choices = [(ANY, _("Nobody")), *((str(u.id), u.name) for u in staff)]
    form.members.choices = [(u.id, u.name) for u in staff]
    return form


def _saved(message: str):
    db.session.commit()
    for name in ("team-calendar", "routing-rules"):  # a deleted team leaves the rules at once here
        cache.forget(name)
    flash(message, "success")
    return redirect(url_for("team_settings.index"))


@bp.route("")
@manager_required
def index():
    return render_template(
        "settings/teams.html",
        teams=team_queries.teams(),
        access_form=WorkAnyTeamForm(formdata=None, allowed=team_queries.staff_may_work_any_team()),
        action_form=ConfirmForm(),
        weekdays=WEEKDAY_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:team_id>", methods=["GET", "POST"])
@manager_required
def edit(team_id: int | None = None):
    team = db.get_or_404(Team, team_id) if team_id is not None else None
    form = _form(team)
    if form.validate_on_submit():
        try:
            holidays = form.typed_holidays()
        except ValueError as exc:
            form.holidays.errors.append(str(exc))
        else:
            try:
                saved = team_services.save_team(
                    team,
                    name=form.name.data,
                    timezone=form.timezone.data,
                    always_open=form.always_open.data,
                    hours=form.hours(),
                    holiday_country=form.holiday_country.data,
                    holiday_subdivision=form.holiday_subdivision.data,
                    holidays=holidays,
                    lead=db.session.get(User, int(form.lead_id.data)) if form.lead_id.data else None,
                    members=[db.session.get(User, i) for i in form.members.data],
                )
            except team_services.TeamError as exc:
                getattr(form, "monday" if exc.field == "hours" else exc.field).errors.append(str(exc))
            else:
                services.team_saved(saved)
                return _saved(_("Team saved."))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "settings/team_form.html",
        form=form,
        team=team,
        timezones=timezone_names(),
        days=zip(TeamForm.DAYS, WEEKDAY_LABELS, strict=True),
    ), status


@bp.route("/<int:team_id>/delete", methods=["POST"])
@manager_required
def delete(team_id: int):
    team = db.get_or_404(Team, team_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_team(team)
    return _saved(_("Team deleted. Its cases are now every staff member's."))


@bp.route("/access", methods=["POST"])
@manager_required
def access():
    form = WorkAnyTeamForm()
    if not form.validate_on_submit():
        abort(400)
    team_services.set_work_any_team(form.allowed.data)
    return _saved(_("Saved: who may work which team's cases."))
