"""Manager settings pages: routing rules, categories, staff accounts, surveys and
customer sign-up (open or by invitation, and invitations)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import manager_required
from ..auth.models import Role, User
from ..auth.services import AccountError
from ..auth.two_factor import services as two_factor
from ..core.pagination import paginate
from ..core.templating import PLAN_LABELS
from ..core.time import utcnow
from ..extensions import db
from ..followups.models import Category, RoutingRule
from ..followups.queries import staff_members
from ..i18n.forms import ConfirmForm
from ..signup import queries as signup_queries
from ..signup.services import invite
from ..surveys.labels import category_name
from ..surveys.queries import nps_interval_days
from ..teams.queries import team_choices
from . import queries, services
from .forms import (
    CategoryForm,
    InviteForm,
    RuleForm,
    SignupModeForm,
    StaffForm,
    SurveySettingsForm,
)

bp = Blueprint("settings", __name__)


def _saved(message: str, endpoint: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint))


@bp.route("/")
@manager_required
def index():
    return render_template(
        "settings/index.html",
        policies=queries.policies(),
        rules=queries.rules(),
        categories=queries.categories(),
    )


# Routing rules


def _rule_form(rule: RoutingRule | None = None) -> RuleForm:
    form = (
        RuleForm(obj=None)
        if rule is None
        else RuleForm(
            data={
                "name": rule.name,
                "urgent": {True: "1", False: "0"}.get(rule.urgent, ""),
                "csat_max": "" if rule.csat_max is None else str(rule.csat_max),
                "nps_max": "" if rule.nps_max is None else str(rule.nps_max),
                "category_id": "" if rule.category_id is None else str(rule.category_id),
                "plan": "" if rule.plan is None else rule.plan.value,
                "priority": rule.priority.value,
                "team_id": "" if rule.team_id is None else str(rule.team_id),
                "assignee_id": "" if rule.assignee_id is None else str(rule.assignee_id),
                "active": rule.active,
            }
        )
    )
    categories = [(str(c.id), category_name(c.name)) for c in queries.categories()]
    form.category_id.choices = [("", _("Any")), *categories]
    form.plan.choices = [("", _("Any")), *PLAN_LABELS.items()]
    form.team_id.choices = [("", _("No team: every staff member")), *((str(i), n) for i, n in team_choices())]
    form.assignee_id.choices = [
        ("", _("Nobody: the team picks it up")),
        *((str(u.id), u.name) for u in staff_members()),
    ]
    return form


@bp.route("/rules")
@manager_required
def rules():
    return render_template("settings/rules.html", rules=queries.rules(), action_form=ConfirmForm())


@bp.route("/rules/new", methods=["GET", "POST"])
@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@manager_required
def edit_rule(rule_id: int | None = None):
    rule = db.get_or_404(RoutingRule, rule_id) if rule_id is not None else None
    form = _rule_form(rule) if request.method == "GET" else _rule_form()
    if form.validate_on_submit():
        try:
            services.save_rule(rule, **form.values())
        except services.SettingsError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            return _saved(_("Routing rule saved."), "settings.rules")
    status = 400 if request.method == "POST" else 200
    return render_template("settings/rule_form.html", form=form, rule=rule), status


@bp.route("/rules/<int:rule_id>/<any(up, down, toggle, delete):action>", methods=["POST"])
@manager_required
def rule_action(rule_id: int, action: str):
    rule = db.get_or_404(RoutingRule, rule_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if action == "delete":
        services.delete_rule(rule)
        return _saved(_("Routing rule deleted."), "settings.rules")
    if action == "toggle":
        rule.active = not rule.active
        return _saved(_("Rule activated.") if rule.active else _("Rule paused."), "settings.rules")
    services.move_rule(rule, -1 if action == "up" else 1)
    return _saved(_("Order saved."), "settings.rules")


# Categories


@bp.route("/categories", methods=["GET", "POST"])
@manager_required
def categories():
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            services.add_category(form.name.data)
        except services.SettingsError as exc:
            form.name.errors.append(str(exc))
        else:
            return _saved(_("Category added."), "settings.categories")
    status = 400 if form.errors else 200
    return render_template(
        "settings/categories.html", form=form, categories=queries.categories(), action_form=ConfirmForm()
    ), status


@bp.route("/categories/<int:category_id>/toggle", methods=["POST"])
@manager_required
def toggle_category(category_id: int):
    category = db.get_or_404(Category, category_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_category_active(category, not category.active)
    return _saved(_("Category updated."), "settings.categories")


# Staff accounts


@bp.route("/users", methods=["GET", "POST"])
@manager_required
def users():
    form = StaffForm()
    if form.validate_on_submit():
        try:
            services.create_staff(form.email.data, form.name.data, form.password.data, Role(form.role.data))
        except (AccountError, services.SettingsError) as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            return _saved(_("Account created. Give them their password in person."), "settings.users")
    status = 400 if form.errors else 200
    page = paginate(queries.staff_accounts())
    return render_template("settings/users.html", form=form, page=page, action_form=ConfirmForm()), status


@bp.route("/users/<int:user_id>/toggle", methods=["POST"])
@manager_required
def toggle_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.role == Role.CUSTOMER:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.set_user_active(current_user, user, not user.active)
    except services.SettingsError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("settings.users"))
    return _saved(_("Account updated."), "settings.users")


@bp.route("/users/<int:user_id>/reset-two-factor", methods=["POST"])
@manager_required
def reset_two_factor(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.role == Role.CUSTOMER:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:  # their own is on their two-factor page, behind a code
        abort(400)
    two_factor.reset(user, current_user, utcnow())
    return _saved(_("Two-factor sign-in reset for %(name)s.", name=user.name), "settings.users")


# Surveys


@bp.route("/surveys", methods=["GET", "POST"])
@manager_required
def surveys():
    form = SurveySettingsForm(data={"interval_days": nps_interval_days()})
    if form.validate_on_submit():
        try:
            services.set_nps_interval(form.interval_days.data)
        except services.SettingsError as exc:
            form.interval_days.errors.append(str(exc))
        else:
            return _saved(_("Survey settings saved."), "settings.surveys")
    status = 400 if form.errors else 200
    return render_template(
        "settings/surveys.html",
        form=form,
        interval=nps_interval_days(),
        activity=queries.survey_activity(utcnow()),
    ), status


# Customer sign-up


def _signup_page(mode_form: SignupModeForm | None = None, invite_form: InviteForm | None = None, status=200):
    return render_template(
        "settings/signup.html",
        mode_form=mode_form or SignupModeForm(formdata=None, data={"mode": signup_queries.signup_mode()}),
        invite_form=invite_form or InviteForm(formdata=None),
        mode=signup_queries.signup_mode(),
        invitations=signup_queries.open_invitations(),
        unconfirmed=signup_queries.unconfirmed_signups(),
    ), status


@bp.route("/signup", methods=["GET", "POST"])
@manager_required
def signup():
    if request.method == "GET":
        return _signup_page()
    form = SignupModeForm()
    if form.validate_on_submit():
        services.set_signup_mode(form.mode.data)
        return _saved(_("Sign-up setting saved."), "settings.signup")
    return _signup_page(mode_form=form, status=400)


@bp.route("/signup/invite", methods=["POST"])
@manager_required
def invite_customer():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            # Written in the manager's language: the customer has chosen none yet.
            user = invite(form.email.data, form.name.data, utcnow(), get_locale().language)
        except AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            return _saved(_("Invitation sent to %(email)s.", email=user.email), "settings.signup")
    return _signup_page(invite_form=form, status=400)
