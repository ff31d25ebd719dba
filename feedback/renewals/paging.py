"""One page of the renewal queue, its items and total from a single run of the statement.

The queue ranks the stored facts of ``customer_risk`` (ranking.py): a view first recomputes the rows
writes marked stale, then ranks the stored rows with the total riding along (``count(*) OVER ()``,
so the ranking runs once), then reads the displayed page's customers with the live statement
(queries.py), so what a row shows is what the live rule says, in the stored order.
"""

from sqlalchemy import text

from ..core.db import no_jit
from ..core.pagination import OnePassPagination, paginate_as
from ..extensions import db
from .queries import DEFAULT_WINDOW, at_risk_rows
from .ranking import ranked, refresh

ANALYZE_AFTER = 2_000  # rows recomputed by one view from which the table's statistics are refreshed


def _no_jit() -> None:
    # The planner prices the per-customer lookups above jit_above_cost at volume, and compiling
    # the plan (~2.5 s at 20,000 customers) then costs several times running it (~0.4 s).
    no_jit(db.session)


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
