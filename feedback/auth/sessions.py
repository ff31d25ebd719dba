"""Server-side sessions: one row per signed-in browser, looked up on every request.

The session cookie carries a random id (Flask-Login's ``_user_id``), new at every sign-in, so
a cookie copied before a sign-in is not the one used after it, and deleting the row signs the
browser out wherever the cookie went. Rows expire by the user's role: after an idle time
without requests and after an absolute time since sign-in (``*_SESSION_*_HOURS``).
"""

from datetime import datetime, timedelta

from flask import current_app, has_request_context, request, session
from flask_login import current_user, login_user
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import joinedload

from ..core.security import hash_token, new_token
from ..core.time import utcnow
from ..extensions import db
from .models import Role, User, UserSession

# How precisely a session's last request is recorded: at most one write a minute per browser.
TOUCH_PRECISION = timedelta(minutes=1)
# Sign-ins beyond this many live sessions end the least recently used one, so one account
# cannot grow the table without bound.
MAX_SESSIONS_PER_USER = 20


def lifetimes(role: Role) -> tuple[timedelta, timedelta]:
    """The idle and absolute lifetimes of a session of a user with ``role``."""
    prefix = "CUSTOMER" if role == Role.CUSTOMER else "STAFF"
    config = current_app.config
    return (
        timedelta(hours=config[f"{prefix}_SESSION_IDLE_HOURS"]),
        timedelta(hours=config[f"{prefix}_SESSION_MAX_HOURS"]),
    )


def is_expired(row: UserSession, role: Role, now: datetime) -> bool:
    """Tell whether the session has been idle, or alive, for as long as ``role`` allows."""
    idle, absolute = lifetimes(role)
    return now - row.last_seen_at >= idle or now - row.created_at >= absolute


def _expired(role_filter, idle: timedelta, absolute: timedelta, now: datetime):
    return (
        delete(UserSession)
        .where(
            role_filter,
            or_(UserSession.last_seen_at <= now - idle, UserSession.created_at <= now - absolute),
        )
        .execution_options(synchronize_session=False)
    )


def start_session(user: User, now: datetime | None = None, user_agent: str = "") -> str:
    """Open a new session for ``user`` and return its id for the cookie (only its hash is kept).

    Ends the user's expired sessions first, and the least recently used ones beyond
    ``MAX_SESSIONS_PER_USER``, so every sign-in leaves a bounded number of rows behind.
    """
    now = now or utcnow()
    idle, absolute = lifetimes(user.role)
    db.session.execute(_expired(UserSession.user_id == user.id, idle, absolute, now))
    surplus = (
        select(UserSession.id)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        .offset(MAX_SESSIONS_PER_USER - 1)
    )
    db.session.execute(
        delete(UserSession)
        .where(UserSession.id.in_(surplus.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    token = new_token()
    db.session.add(
        UserSession(
            user=user,
            token_hash=hash_token(token),
            created_at=now,
            last_seen_at=now,
            user_agent=(user_agent or "")[:200],
        )
    )
    db.session.flush()
    user.session_key = token
    return token


def sign_in(user: User, now: datetime | None = None) -> None:
    """Sign this browser in as ``user`` with a new session; the view commits.

    Everything the signed-out visitor kept in the cookie is dropped except their language, so
    nothing set before sign-in (by them or by someone who planted the cookie) carries over.
    """
    language = session.get("locale")
    session.clear()
    if language:
        session["locale"] = language
    start_session(user, now or utcnow(), request.user_agent.string)
    login_user(user)


def background(view):
    """Mark a view that pages call by themselves (a poll): its requests do not count as the
    user's activity, so a tab left open does not keep an idle session alive past its limit."""
    view.counts_as_activity = False
    return view


def _counts_as_activity() -> bool:
    view = current_app.view_functions.get(request.endpoint) if has_request_context() else None
    return getattr(view, "counts_as_activity", True)


def load_user(token: str, now: datetime | None = None) -> User | None:
    """Flask-Login's user loader: the active user whose live session has this id, else None.

    One query loads the session with its user. The last request is recorded at most once a
    minute, in its own small commit (the hook that calls this runs before the view writes).
    """
    row = db.session.scalar(
        select(UserSession)
        .options(joinedload(UserSession.user))
        .where(UserSession.token_hash == hash_token(token))
    )
    if row is None or not row.user.active:
        return None
    now = now or utcnow()
    if is_expired(row, row.user.role, now):
        return None  # the hourly prune removes the row; time only moves on, so it stays dead
    user = row.user
    if row.last_seen_at <= now - TOUCH_PRECISION and _counts_as_activity():
        row.last_seen_at = now
        db.session.commit()
    user.session_key = token
    return user


def load_before_the_view() -> None:
    """``before_request`` hook: resolve the signed-in user before any view code runs.

    Flask-Login loads the user when ``current_user`` is first read; reading it here keeps the
    loader's once-a-minute commit ahead of the view's writes. Static files and the API (which
    authenticates by token) skip it.
    """
    if "_user_id" in session and request.endpoint != "static" and request.blueprint != "api":
        current_user._get_current_object()


def end_session(token: str) -> None:
    """Sign out the browser holding the session ``token``."""
    db.session.execute(delete(UserSession).where(UserSession.token_hash == hash_token(token)))


def end_all_sessions(user: User) -> int:
    """Sign ``user`` out everywhere (every browser, every copied cookie); return how many ended."""
    return db.session.execute(delete(UserSession).where(UserSession.user_id == user.id)).rowcount


def end_other_sessions(user: User, keep: str) -> int:
    """Sign ``user`` out of every browser but the one holding the session ``keep`` (after a
    password change: whoever knew the old password is out, the person who changed it stays in);
    return how many ended."""
    return db.session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.token_hash != hash_token(keep))
    ).rowcount


def live_sessions(user: User, now: datetime | None = None) -> list[UserSession]:
    """The user's sessions that still work, most recently used first (at most
    ``MAX_SESSIONS_PER_USER``, so no paging)."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return [row for row in rows if not is_expired(row, user.role, now)]


def is_current(row: UserSession) -> bool:
    """Tell whether ``row`` is the session of the browser making this request."""
    key = getattr(current_user, "session_key", None)
    return key is not None and row.token_hash == hash_token(key)


def prune_sessions(now: datetime) -> int:
    """Delete every expired session (by its user's role); return how many. Idempotent."""
    removed = 0
    for roles in ((Role.CUSTOMER,), (Role.STAFF, Role.MANAGER)):
        idle, absolute = lifetimes(roles[0])
        of_role = UserSession.user_id.in_(select(User.id).where(User.role.in_(roles)))
        removed += db.session.execute(_expired(of_role, idle, absolute, now)).rowcount
    return removed
