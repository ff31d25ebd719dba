"""Staff pages for renewals at risk: the queue and the one-click proactive follow-up."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import staff_required
from ..auth.models import User
from ..core.time import utcnow
from ..extensions import db
from ..i18n.forms import Form
from . import services
from .paging import at_risk_page
from .queries import HIGH_RISK, WEIGHTS, WINDOWS, window_from

bp = Blueprint("renewals", __name__)


@bp.route("/", endpoint="queue")
@staff_required
def queue_page():
    now = utcnow()
    days = window_from(request.args.get("days"))
    return render_template(
        "renewals/queue.html",
        page=at_risk_page(now, days),
        days=days,
        windows=WINDOWS,
        weights=WEIGHTS,
        high_risk=HIGH_RISK,
        form=Form(),
        format_date=format_date,
    )


@bp.route("/<int:customer_id>/followup", methods=["POST"])
@staff_required
def open_followup(customer_id: int):
    customer = db.session.get(User, customer_id)
    if customer is None or not customer.is_customer:
        abort(404)
    if not Form().validate_on_submit():
        abort(400)
    try:
        fu = services.open_proactive_followup(customer, current_user, utcnow())
    except services.ProactiveError as exc:
        # Nothing was written: show the case to continue instead of opening a second one.
        flash(str(exc), "warning")
        if exc.followup is not None:
            return redirect(url_for("followups.show", followup_id=exc.followup.id))
        return redirect(url_for("renewals.queue"))
    db.session.commit()
    flash(
        _("Follow-up opened and assigned to you. Call or write to %(name)s.", name=customer.name), "success"
    )
    return redirect(url_for("followups.show", followup_id=fu.id))
