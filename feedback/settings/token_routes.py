"""Settings → API tokens: every token that works, whose it is, and revoking any of them."""

from flask import Blueprint, redirect, render_template, request, url_for

from ..auth import queries as auth_queries
from ..auth.access import manager_required
from ..auth.models import ApiToken
from ..auth.token_routes import revoke_confirmed
from ..core.pagination import paginate_rows
from ..extensions import db
from ..i18n.forms import ConfirmForm
from .queries import MAX_SEARCH

bp = Blueprint("token_settings", __name__, url_prefix="/settings/tokens")


def _owner() -> str:
    return request.values.get("owner", "").strip()[:MAX_SEARCH]


@bp.route("/")
@manager_required
def index():
    owner = _owner()
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
    page = request.form.get("page", type=int)
    return redirect(
        url_for("token_settings.index", owner=_owner() or None, page=page if page and page > 1 else None)
    )
