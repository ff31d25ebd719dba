"""Manager pages for importing subscriptions from the billing system."""

from flask import Blueprint

bp = Blueprint("imports", __name__)
