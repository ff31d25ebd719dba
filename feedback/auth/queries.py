"""Reads for accounts: API tokens, their owner's own and every one for managers."""

from sqlalchemy import Select, select

from ..core.db import starts_with
from ..extensions import db
from .models import ApiToken, User


def own_tokens(user: User) -> Select:
    """``user``'s tokens for pagination: those that work first, newest first, then revoked ones."""
    return (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.revoked_at.desc(), ApiToken.id.desc())
    )


def own_token(user: User, token_id: int) -> ApiToken | None:
    """Token ``token_id`` if ``user`` owns it, else None (someone else's is not found either)."""
    return db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))


def unrevoked_tokens(owner_prefix: str = "") -> Select:
    """Every token not revoked, with its owner (rows: ``ApiToken``, ``User``), newest first;
    only owners whose e-mail starts with ``owner_prefix`` when one is given."""
    stmt = (
        select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    prefix = owner_prefix.strip().lower()
    if prefix:
        stmt = stmt.where(starts_with(User.email, prefix))
    return stmt


def tokens_for_listing(user: User | None = None) -> Select:
    """Tokens for `tokens list`, revoked ones too, in id order: every user's, or ``user``'s."""
    stmt = select(ApiToken, User).join(User, ApiToken.user_id == User.id).order_by(ApiToken.id)
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return stmt
