"""Pagination of ``select()`` statements for pages and the API."""

from flask import current_app, request

from ..extensions import db

MAX_PAGE = 100_000


def paginate(stmt, per_page: int | None = None):
    """Paginate a select statement using ``?page=`` from the request (bad values → page 1)."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = request.args.get("page", 1, type=int) or 1
    # Clamp: a huge page number would overflow the database's integer OFFSET.
    page = min(max(page, 1), MAX_PAGE)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
