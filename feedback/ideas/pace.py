"""How fast one customer may post ideas: ``IDEA_POST_RATE_LIMIT`` (default 20 per hour) per
customer, one budget for the board (``/ideas/new``) and the API (``POST /ideas``, and
suggestions sent to ``POST /feedback``).

Every idea is public to all customers, so the board takes a person's pace, not a script's;
keyed by the customer, a second API token or the board is no way round it. Only ideas posted
count: a refused form or body costs nothing.
"""

from flask import current_app
from flask_babel import ngettext

from ..core.time import seconds_until, wait_minutes

SCOPE = "idea-posts"


def idea_post_limit() -> str:
    """The configured budget, e.g. ``"20 per hour"``."""
    return current_app.config["IDEA_POST_RATE_LIMIT"]


def customer_key(user) -> str:
    """The budget's key: the customer, whichever way they post."""
    return f"user:{user.id}"


def refusal_message(reset_at: float) -> str:
    """What a person is told on the page when the budget is spent (their text stays in the form)."""
    minutes = wait_minutes(seconds_until(reset_at))
    return ngettext(
        "You have posted many ideas in a short time. Please try again in %(num)d minute; "
        "what you wrote is still here.",
        "You have posted many ideas in a short time. Please try again in %(num)d minutes; "
        "what you wrote is still here.",
        minutes,
    )
