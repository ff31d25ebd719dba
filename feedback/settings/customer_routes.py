"""Settings → Customers: find a customer by name or e-mail, deactivate or reactivate them."""

from flask import Blueprint, abort, flash, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import manager_required
from ..auth.models import Role, User
from ..core.pagination import paginate_rows
from ..extensions import db
from ..i18n.forms import ConfirmForm
from . import queries, services
from .listing import back_to_list, search_term

bp = Blueprint("customer_settings", __name__, url_prefix="/settings/customers")


@bp.route("/")
@manager_required
def index():
    search = search_term("q")
    return render_template(
        "settings/customers.html",
        page=paginate_rows(queries.customers(search)),
        search=search,
        action_form=ConfirmForm(formdata=None),
    )


@bp.route("/<int:user_id>/<any(deactivate, reactivate):action>", methods=["POST"])
@manager_required
def set_active(user_id: int, action: str):
    """Two actions rather than a toggle: a form sent twice leaves the account as asked."""
    user = db.get_or_404(User, user_id)
    if user.role != Role.CUSTOMER:
        abort(404)  # staff are managed under Settings → Staff accounts
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.set_user_active(current_user, user, action == "reactivate")
    except services.SettingsError as exc:
        flash(str(exc), "danger")
    else:
        db.session.commit()
        if user.active:
            flash(_("%(name)s can sign in again.", name=user.name), "success")
        else:
            flash(
                _(
                    "%(name)s is deactivated: signed out everywhere, and their API tokens are refused.",
                    name=user.name,
                ),
                "success",
            )
    return back_to_list("customer_settings.index", "q")
