"""Marking customers' stored ranking facts stale (``customer_risk``, see ranking.py): every write
that may change what the queue weighs marks the customers it concerns, in its own transaction; the
next view recomputes them. Writes never recompute.

- ORM writes, through a flush hook (:func:`register`): new, changed or deleted ratings, cases,
  subscriptions, customer accounts, and customer logins (new, or whose ``active`` flag or role
  changed): one statement per flush, none when no such object is in it;
- Core writes call :func:`mark_stale` themselves, or put :func:`stale_upsert` in their own
  statements: the rating write (``surveys.rating_write``, a CTE of its one statement on
  PostgreSQL), the subscription import (``lifecycle.signals.subscriptions_written``), the demo
  bulk loader (:func:`mark_all_stale`);
- ``flask renewals rebuild-risk`` marks every customer (after a repair by SQL).
"""

from sqlalchemy import Select, bindparam, event, inspect, select
from sqlalchemy.orm import Session

from ..auth.models import CustomerAccount, Role, User
from ..core.db import conflict_insert
from ..extensions import db
from ..followups.models import Followup
from ..lifecycle.models import Subscription
from ..lifecycle.signals import subscriptions_written
from ..surveys.models import Feedback
from ..surveys.rating_write import Companion, join_rating_write
from .models import CustomerRisk

# Each watched model, the attribute naming its customer, and the attributes the queue weighs (an
# update changing none of them, as the sweep's next-check times, marks nothing).
_WATCHED = (
    (Feedback, "customer_id", ("customer_id", "kind", "nps", "csat", "created_at")),
    (Followup, "customer_id", ("customer_id", "feedback_id", "status", "breached", "created_at")),
    (Subscription, "customer_id", ("customer_id", "status", "renews_on", "monthly_price", "plan")),
    (CustomerAccount, "user_id", ("user_id", "renewal_date", "monthly_price", "plan")),
)
_USER_FACTS = ("active", "role")  # what of a login the queue weighs (name and e-mail are read live)


def stale_upsert(connection, customer_ids):
    """The statement marking customers stale: ``INSERT INTO customer_risk … SELECT`` the logins among
    ``customer_ids`` ``… ON CONFLICT (customer_id) DO UPDATE SET stale = true, version = version + 1``
    (a new customer gets a stale row; an id no longer in ``users`` is left out).

    ``customer_ids``: a list of ids, a ``select()`` of ids, or an SQL expression of one id (a bound
    parameter, a column of the row a Core statement writes). Run it in the writing transaction,
    so the mark commits with the write. ``connection``: what tells the dialect (a connection, an
    engine or ``db.session.get_bind()``)."""
    many = isinstance(customer_ids, list | tuple | set | Select)
    which = User.id.in_(sorted(customer_ids) if isinstance(customer_ids, set) else customer_ids)
    # Rows locked in one order by every writer. No role test: a login that stopped being a
    # customer is marked too, and the refresh then stores it as inactive.
    logins = select(User.id).where(which if many else User.id == customer_ids).order_by(User.id)
    table = CustomerRisk.__table__
    # The other columns from their server defaults: the Python ones would be parameters of their
    # own, which a CTE of the rating write's statement would not fill.
    stmt = conflict_insert(connection, table).from_select(["customer_id"], logins, include_defaults=False)
    return stmt.on_conflict_do_update(
        index_elements=["customer_id"], set_={"stale": True, "version": table.c.version + 1}
    )


def mark_stale(connection, customer_ids) -> None:
    """Mark these customers' stored facts stale, in ``connection``'s transaction (nothing for none)."""
    if isinstance(customer_ids, list | tuple | set) and not customer_ids:
        return
    connection.execute(stale_upsert(connection, customer_ids))


def mark_all_stale(connection) -> None:
    """Mark every customer stale (after Core bulk writes or a repair by SQL): the next view
    recomputes them all."""
    connection.execute(stale_upsert(connection, select(User.id).where(User.role == Role.CUSTOMER)))


# -- the write path -----------------------------------------------------------------------------


def _customers(session: Session) -> set[int]:
    ids: set[int] = set()
    for how, objs in (("new", session.new), ("dirty", session.dirty), ("deleted", session.deleted)):
        for obj in objs:
            if isinstance(obj, User):
                if how == "deleted":
                    continue  # its row goes with it (ON DELETE CASCADE)
                if how == "new" and obj.role != Role.CUSTOMER:
                    continue
                if how == "new" or any(inspect(obj).attrs[a].history.has_changes() for a in _USER_FACTS):
                    ids.add(obj.id)
                continue
            for model, name, weighed in _WATCHED:
                if isinstance(obj, model):
                    state = inspect(obj)
                    if how == "dirty" and not any(state.attrs[a].history.has_changes() for a in weighed):
                        break
                    h = state.attrs[name].history  # the customer before and after a change
                    ids.update(v for v in (*h.added, *h.unchanged, *h.deleted) if v is not None)
                    break
    return ids


def _after_flush(session: Session, _context) -> None:
    # After the flush: new rows have their ids and customers. A customer deleted in the same flush
    # is no longer a login, which the statement's SELECT leaves out.
    ids = _customers(session)
    if ids:
        mark_stale(session.connection(), ids)


def _subscriptions_written(_sender, customer_ids, **_kw) -> None:
    mark_stale(db.session.connection(), set(customer_ids))


def _rating_mark(_new_rating, _new_case):
    # The rating's customer is the INSERT's own parameter (surveys/rating_write.py).
    return stale_upsert("postgresql", bindparam("customer_id"))


def register() -> None:
    """Attach the hooks (the flush's, the subscription import's and the rating write's, which goes
    round the flush), once however often this is called."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
    subscriptions_written.connect(_subscriptions_written)
    join_rating_write(
        "renewal_risk",
        Companion(
            prepare=lambda _session, _rating, _case: {},
            clause=_rating_mark,
            run=lambda session, rating, _case: mark_stale(session.connection(), [rating.customer_id]),
        ),
    )
