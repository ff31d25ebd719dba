"""The outbox page for managers: what is waiting, sent or failed, with a retry button; and
the banner that tells managers when mail is held because no mail server is configured."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import manager_required
from ..core.templating import OUTBOX_LABELS
from ..extensions import db
from ..i18n.forms import Form
from . import queries, smtp
from .deferred import shown
from .models import OutboxStatus
from .services import retry

bp = Blueprint("outbox", __name__)


@bp.app_context_processor
def _mail_held():
    def mail_held() -> int | None:
        """Messages held for a manager's banner; None when a mail server is configured."""
        if smtp.configured() or not (current_user.is_authenticated and current_user.is_manager):
            return None
        return queries.held_count()

    # Held, not sent, while no mail server is configured: the outbox and the demo inbox say so.
    return {"mail_held": mail_held, "no_mail_server": not smtp.configured()}


@bp.route("/")
@manager_required
def index():
    wanted = request.args.get("status", "")
    status = OutboxStatus(wanted) if wanted in {s.value for s in OutboxStatus} else None
    page = queries.outbox_page(status)
    return render_template(
        "mailer/outbox.html",
        page=page,
        status=status,
        counts=queries.counts(),
        capped=queries.capped,
        action_form=Form(),
    )


@bp.route("/<int:message_id>")
@manager_required
def show(message_id: int):
    message = queries.message(message_id) or abort(404)
    body = queries.masked(shown(message)[0])  # a deferred message as it will be sent
    return render_template("mailer/message.html", message=message, body=body, action_form=Form())


@bp.route("/<int:message_id>/retry", methods=["POST"])
@manager_required
def retry_message(message_id: int):
    message = queries.message(message_id) or abort(404)
    if not Form().validate_on_submit():
        abort(400)
    if message.status != OutboxStatus.FAILED:
        flash(
            _(
                "Only a failed message can be retried; this one is %(status)s.",
                status=str(OUTBOX_LABELS[message.status.value]).lower(),
            ),
            "warning",
        )
    else:
        retry(message)
        db.session.commit()
        flash(_("The message is queued again and goes out within a minute."), "success")
    return redirect(url_for("outbox.index", status="failed"))
