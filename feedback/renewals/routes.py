"""Staff pages for renewals at risk."""

from flask import Blueprint

bp = Blueprint("renewals", __name__)
