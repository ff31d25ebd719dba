"""Pagination of ``select()`` statements for pages and the API."""

from flask import current_app, request

from ..extensions import db


def paginate(stmt, per_page: int | None = None):
    """Paginate a select statement using ``?page=`` from the request (bad values → page 1)."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = request.args.get("page", 1, type=int) or 1
    return db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False)
