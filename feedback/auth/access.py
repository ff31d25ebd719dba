"""Role checks for views: one ``roles(...)`` decorator, as the API has for tokens."""

from functools import wraps

from flask import abort, url_for
from flask_login import current_user, login_required

from .models import Role


def home_for(user) -> str:
    """Where each role lands after signing in."""
    if user.is_manager:
        return url_for("reports.satisfaction")
    if user.is_staff:
        return url_for("followups.queue")
    return url_for("surveys.dashboard")


def roles(*allowed: Role):
    """Let signed-in users with one of ``allowed`` roles through; others get 403.

    Signed-out visitors are sent to the sign-in page first (Flask-Login's ``login_required``).
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


customer_required = roles(Role.CUSTOMER)  # staff have their own queue
staff_required = roles(Role.STAFF, Role.MANAGER)  # both work the follow-up queue
manager_required = roles(Role.MANAGER)
