"""API v1 routes: the blueprint mounted at ``/api/v1`` and the modules that add endpoints to it."""

from flask import jsonify, url_for

from . import (  # noqa: F401  (they register on bp)
    feedback_views,
    followup_views,
    idea_views,
    notice_views,
    report_views,
    retention_views,
    subscription_views,
)
from .blueprint import bp
from .openapi import document

__all__ = ["bp"]


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document (readable without a token)."""
    # Relative server URL: right behind any proxy, and under any mount point (SCRIPT_NAME).
    return jsonify(document(url_for("api.openapi").rsplit("/", 1)[0]))
