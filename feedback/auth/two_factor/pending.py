"""A sign-in halfway through: the password was right, the code is still to come.

The user is not signed in yet (no server-side session, nothing Flask-Login knows of); who they
are, since when and where they were going is kept in Flask's signed session cookie for
``PENDING_LIFETIME``, so the code page knows whose code to check without asking again, and a
cookie left behind at that point is useless after a few minutes.
"""

from datetime import datetime, timedelta

from flask import session

from ...extensions import db
from ..models import User

PENDING_LIFETIME = timedelta(minutes=5)
_KEY = "two_factor_pending"


def await_code(user: User, target: str | None, now: datetime) -> None:
    """Remember that ``user`` gave the right password at ``now`` and is going to ``target``
    (an already validated path, or None)."""
    session[_KEY] = {"user": user.id, "at": int(now.timestamp()), "next": target}


def pending(now: datetime) -> tuple[User, str | None] | None:
    """The user waiting to give a code, and their next page; None if none or too old."""
    state = session.get(_KEY)
    if not isinstance(state, dict) or not isinstance(state.get("at"), int):
        return None
    if now.timestamp() - state["at"] > PENDING_LIFETIME.total_seconds():
        return None
    user = db.session.get(User, state.get("user"))
    if user is None or not user.active or not user.has_two_factor:
        return None
    return user, state.get("next")


def pending_user_id() -> str:
    """The waiting user's id as text for the rate limits' keys ("none" when there is none)."""
    state = session.get(_KEY)
    return str(state.get("user")) if isinstance(state, dict) else "none"


def forget() -> None:
    """Drop the halfway sign-in (done, expired, or given up)."""
    session.pop(_KEY, None)
