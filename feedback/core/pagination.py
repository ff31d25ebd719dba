"""Pagination of ``select()`` statements for pages and the API."""

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import func

from ..extensions import db

MAX_PAGE = 100_000


def paginate(stmt, per_page: int | None = None, page: int | None = None):
    """Paginate a select statement at ``page``, else at ``?page=`` from the request.

    A caller passing ``page`` has validated it (the API answers 400 to a bad one). From the
    query string, a bad or out-of-range number becomes the nearest valid one, so a hand-edited
    URL still shows a page: a huge one would otherwise overflow the database's integer OFFSET.
    """
    per_page = per_page or current_app.config["PAGE_SIZE"]
    if page is None:
        page = _requested_page()
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)


def _requested_page() -> int:
    """``?page=`` as the nearest valid page number (a bad or huge one is clamped, not refused)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


class _RowsPagination(SelectPagination):
    """Pages of whole result rows (an entity with figures beside it), not only the first column."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def paginate_rows(stmt, per_page: int | None = None):
    """Like :func:`paginate` at ``?page=``, but each item is the full row (``row.Idea``, ``row.votes``)."""
    return paginate_as(_RowsPagination, stmt, per_page=per_page)


def paginate_as(
    pagination: type[SelectPagination], stmt, *, page: int | None = None, per_page: int | None = None
):
    """``stmt`` paginated by the ``SelectPagination`` subclass ``pagination`` (its own way of reading
    items or counting), at ``page`` else ``?page=``, ``per_page`` else ``PAGE_SIZE``."""
    return pagination(
        select=stmt,
        session=db.session(),
        page=page if page is not None else _requested_page(),
        per_page=per_page or current_app.config["PAGE_SIZE"],
        error_out=False,
        count=True,
    )


class OnePassPagination(SelectPagination):
    """Pages whose total rides along each row (``count(*) OVER ()``), so a costly statement runs
    once per page rather than once for the items and again for the count; counted apart only for
    a page past the end, which has no rows to carry it. Items are each row's first column."""

    _total: int | None = None

    def _query_items(self) -> list:
        stmt = self._query_args["select"].add_columns(func.count().over().label("total"))
        rows = db.session.execute(stmt.limit(self.per_page).offset(self._query_offset)).all()
        if rows:
            self._total = rows[0].total
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        if self._total is not None:
            return self._total
        return 0 if self.page == 1 else super()._query_count()
