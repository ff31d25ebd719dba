"""Settings → SLA policies: each priority's deadlines for every plan, deadlines of their own for a
plan tier, the clock each runs on (calendar or the team's business hours), and the escalation levels."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..auth.access import manager_required
from ..auth.models import Plan
from ..core import cache
from ..core.templating import PLAN_LABELS, PRIORITY_LABELS
from ..extensions import db
from ..followups.escalation import Levels, read_levels
from ..followups.models import Priority, SlaPolicy
from ..followups.sla import ATTENTION_CEILING
from ..i18n.forms import ConfirmForm
from . import queries, services
from .forms import LevelsForm, PlanPolicyForm, PolicyForm

bp = Blueprint("sla_settings", __name__, url_prefix="/settings/sla")


def _key(policy: SlaPolicy) -> str:
    return policy.priority.value if policy.plan is None else f"{policy.priority.value}-{policy.plan.value}"


def _form_for(policy: SlaPolicy) -> PolicyForm:
    return PolicyForm(
        formdata=None,
        prefix=_key(policy),
        first_response=policy.first_response_minutes / 60,
        next_reply=policy.next_reply_minutes / 60,
        resolution=policy.resolution_minutes / 60,
        progress=policy.progress_interval_minutes / 60,
        business_hours=policy.business_hours,
    )


def _page(posted: str | None = None, form=None, add_form=None, levels_form=None, status: int = 200):
    defaults, by_plan = queries.policies(), queries.plan_policies()
    forms = {_key(p): (form if _key(p) == posted else _form_for(p)) for p in (*defaults, *by_plan)}
    levels = read_levels()
    return render_template(
        "settings/sla.html",
        defaults=defaults,
        by_plan=by_plan,
        forms=forms,
        add_form=add_form or PlanPolicyForm(formdata=None),
        levels_form=levels_form
        or LevelsForm(
            formdata=None,
            warn_percent=levels.warn_percent,
            escalate_percent=levels.escalate_percent,
            breach_to=levels.breach_to,
        ),
        action_form=ConfirmForm(),
        ceiling=int(ATTENTION_CEILING.total_seconds() // 3600),
    ), status


def _saved(message: str):
    db.session.commit()
    for name in ("sla-policy", "sla-policy-id", "sla-policy-plans", "sla-levels"):
        cache.forget(name)  # this process at once; the others within the cache's bound
    flash(message, "success")
    return redirect(url_for("sla_settings.index"))


@bp.route("")
@manager_required
def index():
    return _page()


def _save(priority: Priority, plan: Plan | None):
    key = priority.value if plan is None else f"{priority.value}-{plan.value}"
    form = PolicyForm(prefix=key)
    if form.validate_on_submit():
        m = form.minutes()
        try:
            services.update_policy(
                priority,
                m["first_response"],
                m["next_reply"],
                m["resolution"],
                m["progress"],
                plan=plan,
                business_hours=form.business_hours.data,
            )
        except services.SettingsError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            label = PRIORITY_LABELS[priority.value]
            if plan is None:
                return _saved(_("%(priority)s deadlines saved.", priority=label))
            return _saved(
                _("%(priority)s deadlines for %(plan)s saved.", priority=label, plan=PLAN_LABELS[plan])
            )
    return _page(key, form, status=400)


@bp.route("/<any(critical, high, normal):priority>", methods=["POST"])
@manager_required
def save_default(priority: str):
    return _save(Priority(priority), None)


@bp.route("/<any(critical, high, normal):priority>/<any(shared, vps, dedicated):plan>", methods=["POST"])
@manager_required
def save_plan(priority: str, plan: str):
    return _save(Priority(priority), Plan(plan))


@bp.route("/plans", methods=["POST"])
@manager_required
def add_plan():
    form = PlanPolicyForm()
    if not form.validate_on_submit():
        return _page(add_form=form, status=400)
    priority, plan = Priority(form.priority.data), Plan(form.plan.data)
    services.add_plan_policy(priority, plan)
    return _saved(
        _(
            "%(plan)s now has %(priority)s deadlines of its own: set them below.",
            plan=PLAN_LABELS[plan],
            priority=PRIORITY_LABELS[priority.value],
        )
    )


@bp.route(
    "/<any(critical, high, normal):priority>/<any(shared, vps, dedicated):plan>/delete", methods=["POST"]
)
@manager_required
def delete_plan(priority: str, plan: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    policy = db.first_or_404(
        db.select(SlaPolicy).where(SlaPolicy.priority == Priority(priority), SlaPolicy.plan == Plan(plan))
    )
    services.delete_plan_policy(policy)
    return _saved(_("Deleted: those cases follow the priority's default deadlines again."))


@bp.route("/levels", methods=["POST"])
@manager_required
def save_levels():
    form = LevelsForm()
    if not form.validate_on_submit():
        return _page(levels_form=form, status=400)
    services.save_levels(Levels(form.warn_percent.data, form.escalate_percent.data, form.breach_to.data))
    return _saved(_("Escalation levels saved."))
