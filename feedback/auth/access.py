"""Role checks for views."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def staff_required(view):
    """Staff and managers only; others get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def manager_required(view):
    """Managers only; others get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_manager:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def customer_required(view):
    """Customers only; staff have their own queue."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_customer:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
