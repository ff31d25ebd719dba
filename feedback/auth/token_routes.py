"""Your API tokens: the list, a new one (shown once), revoking one.

Every signed-in user may make tokens for themselves: the API serves customers (a hosting panel
posting their ratings), staff and managers alike, and a token can do only what its owner can do
on the pages. What bounds them: at most ``MAX_ACTIVE_TOKENS`` that work at once, creation and
revocation rate-limited per user, only a hash stored, and a deactivated account's tokens refused.
"""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.pagination import paginate
from ..extensions import db, limiter
from ..i18n.forms import ConfirmForm
from . import queries
from .forms import TokenForm
from .models import ApiToken
from .services import MAX_ACTIVE_TOKENS, AccountError, active_token_count, create_api_token, revoke_api_token

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")

CREATE_LIMIT = "10 per hour"  # an integration needs one token; a script minting them stops here
REVOKE_LIMIT = "30 per minute"


def _per_user() -> str:
    return f"tokens-user:{current_user.id}"


def _page(form: TokenForm, new_token: str | None = None, status: int = 200):
    return render_template(
        "auth/tokens.html",
        form=form,
        page=paginate(queries.own_tokens(current_user)),
        new_token=new_token,
        active=active_token_count(current_user),
        cap=MAX_ACTIVE_TOKENS,
        action_form=ConfirmForm(formdata=None),
    ), status


def _too_many(limit):
    """``on_breach``: the page again, saying why nothing was made (429)."""
    flash(_("You have made many tokens in the last hour. Try again later."), "warning")
    page, _status = _page(TokenForm(formdata=None))
    return make_response(page, 429)


@bp.route("")
@login_required
def index():
    return _page(TokenForm(formdata=None))


@bp.route("", methods=["POST"])
@login_required
@limiter.limit(CREATE_LIMIT, key_func=_per_user, on_breach=_too_many)
def create():
    """Make a token and show it on this answer only: it is never stored in clear, nor put in the
    (readable) session cookie to survive a redirect."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token = create_api_token(current_user, form.label.data)
        except AccountError as exc:
            form.label.errors.append(str(exc))
        else:
            db.session.commit()
            return _page(TokenForm(formdata=None), new_token=token)
    return _page(form, status=400)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
@limiter.limit(REVOKE_LIMIT, key_func=_per_user)
def revoke(token_id: int):
    row = queries.own_token(current_user, token_id)
    if row is None:
        abort(404)  # someone else's token: not found, as an unknown id
    revoke_confirmed(row)
    return redirect(url_for("tokens.index"))


def revoke_confirmed(token: ApiToken) -> None:
    """Revoke ``token`` when the post carries its confirmation form (else 400), commit, and tell
    the person whether it was revoked now or already was. Owners and managers revoke alike."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if revoke_api_token(token):
        db.session.commit()
        flash(_("Token revoked: calls with it are refused from now on."), "success")
    else:
        flash(_("That token was already revoked."), "info")
