"""Settings → API tokens: every token that works, whose it is, and revoking any of them."""

from flask import Blueprint, render_template

from ..auth import queries as auth_queries
from ..auth.access import manager_required
from ..auth.models import ApiToken
from ..auth.token_routes import revoke_confirmed
from ..core.pagination import paginate_rows
from ..extensions import db
from ..i18n.forms import ConfirmForm
from .listing import back_to_list, search_term

bp = Blueprint("token_settings", __name__, url_prefix="/settings/tokens")


@bp.route("/")
@manager_required
def index():
    owner = search_term("owner")
    return render_template(
        "settings/tokens.html",
        page=paginate_rows(auth_queries.unrevoked_tokens(owner)),
        owner=owner,
        action_form=ConfirmForm(formdata=None),
    )


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@manager_required
def revoke(token_id: int):
    revoke_confirmed(db.get_or_404(ApiToken, token_id))
    return back_to_list("token_settings.index", "owner")
