"""Reads for accounts: API tokens, their owner's own and every one for managers."""

from sqlalchemy import Select, select, union

from ..core.db import starts_with
from ..extensions import db
from .models import ApiToken, User, name_key


def users_starting_with(term: str):
    """SQL: the ids of the users whose e-mail or name starts with ``term`` (not empty), whatever
    its case: the e-mail lower-cased, the name through its stored key (``users.name_key``, Python's
    Unicode case folding, see ``core.db.search_key``), so "élodie", "ÉLODIE" and "Élodie" all find
    "Élodie Durand", and "strasse" and "straße" both find "Straße", on SQLite as on PostgreSQL.

    Each prefix is an index range of its own (``ix_users_email``, ``ix_users_name_key``), united:
    a search reads the users it finds, never the whole table. (Written as one ``OR`` beside other
    conditions, SQLite without statistics would walk another index instead: every user.) The one
    rule of Settings → Customers and the staff queue's search.
    """
    return union(
        select(User.id).where(starts_with(User.email, term.lower())),
        select(User.id).where(starts_with(User.name_key, name_key(term))),
    )


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
