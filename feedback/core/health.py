"""Liveness probe for load balancers and monitors."""

from flask import jsonify
from sqlalchemy import text

from ..extensions import db, talisman


# Load balancers and monitors call the app directly over plain HTTP: no redirect to HTTPS.
@talisman(force_https=False)
def healthz():
    """200 with ``{"status": "ok"}`` when the app and its database answer, else 503."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 — any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up")
