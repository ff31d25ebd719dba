"""API routes."""

from flask import Blueprint, jsonify

from ..extensions import csrf

bp = Blueprint("api", __name__)

csrf.exempt(bp)


@bp.route("/ping")
def ping():
    return jsonify(ok=True)
