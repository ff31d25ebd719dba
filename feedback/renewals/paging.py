"""One page of the renewal queue, its items and total from a single run of the statement.

The queue ranks the stored facts of ``customer_risk`` (ranking.py): a view first recomputes the rows
writes marked stale, then ranks the stored rows with the total riding along (``count(*) OVER ()``,
so the ranking runs once), then reads the displayed page's customers with the live statement
(queries.py), so what a row shows is what the live rule says, in the stored order.
"""

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import func, text

from ..core.pagination import paginate_as
from ..extensions import db
from .queries import DEFAULT_WINDOW, at_risk_rows
from .ranking import ranked, refresh

ANALYZE_AFTER = 2_000  # rows recomputed by one view from which the table's statistics are refreshed


class OnePassPagination(SelectPagination):
    """Pages whose total rides along each row (``count(*) OVER ()``); counted apart only for a
    page past the end, which has no rows to carry it."""

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


def _no_jit() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        # The planner prices the per-customer lookups above jit_above_cost at volume, and compiling
        # the plan (~2.5 s at 20,000 customers) then costs several times running it (~0.4 s).
        # SET LOCAL: for this transaction only.
        db.session.execute(text("SET LOCAL jit = off"))


def at_risk_page(
    now, within_days: int = DEFAULT_WINDOW, *, page: int | None = None, per_page: int | None = None
) -> OnePassPagination:
    """Page ``page`` (else ``?page=``) of the customers :func:`queries.at_risk` lists, in its order;
    each item is an ``AtRisk``."""
    _no_jit()
    written = refresh(now)
    if written:
        db.session.commit()  # what was recomputed serves the next views too
        if written >= ANALYZE_AFTER and db.session.get_bind().dialect.name == "postgresql":
            # After the first view (every row recomputed), the planner's statistics still say every
            # row is stale, which makes each later view's check for stale rows a sequential scan
            # until autovacuum analyzes the table; analyze it now (tens of ms, once in a while).
            db.session.execute(text("ANALYZE customer_risk"))
            db.session.commit()
        _no_jit()
    pagination = paginate_as(OnePassPagination, ranked(now, within_days), page=page, per_page=per_page)
    rows = at_risk_rows(now, pagination.items)
    # A customer deactivated since the refresh has no live row: left out of this page.
    pagination.items = [rows[i] for i in pagination.items if i in rows]
    return pagination
