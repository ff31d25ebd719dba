"""The second pass of an import: replay each service's history with its new rows, and record them.

It walks the staged rows a few thousand at a time, in service order, with the stored
subscriptions of those services read as plain rows, so memory holds one batch of services.
While every history is possible it records them with Core statements (COPY on PostgreSQL) in
the caller's one transaction; from the first impossible one it rolls back and only checks,
naming every line at fault (:func:`replay_services`).
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Row, Select, bindparam, exists, func, select, update
from sqlalchemy.orm import selectinload

from ..auth.models import CustomerAccount, Plan, User
from ..core.db import bulk_insert
from ..core.time import utcnow
from ..extensions import db
from .models import EventKind, ImportRow, Subscription, SubscriptionEvent
from .services import CENT, LifecycleError, NewEvent, check_history, sync_account
from .signals import history_written, subscriptions_written
from .staging import Rejections

ROWS = 4_000  # staged rows per batch (whole services)
CUSTOMERS = 200  # accounts synced per batch
_SUBS, _EVENTS = Subscription.__table__, SubscriptionEvent.__table__
_KINDS = {kind.value: kind for kind in EventKind}  # the staged rows keep the values
_PLANS = {None: None, **{plan.value: plan for plan in Plan}}


@dataclass
class _Stored:
    """A stored subscription as :func:`check_history` reads it."""

    id: int
    customer_id: int
    cycle_months: int
    events: list = field(default_factory=list)


@dataclass
class _Batch:
    """A few hundred services: their staged rows, their stored subscriptions, and a query for their ids."""

    groups: dict[str, list[Row]]
    stored: dict[str, _Stored]
    # The ids of the batch's services with unrecorded rows, for ``IN (subquery)``: no list of
    # parameters to send.
    services: Select


def _batches(import_id: int) -> Iterator[_Batch]:
    """The staged rows a batch of services at a time, in service order, with what is stored of them.

    Keyset pages (``service_id > last``, in the index's order, a few thousand rows) rather than
    one long cursor: the check commits between batches, which would close a server-side cursor,
    and a client-side one would hold every row. A page ends with whole services: the last one
    is left for the next page unless it is the only one. A batch is a range of service ids, so
    its queries take two bounds rather than hundreds of parameters.
    """
    rows = ImportRow.__table__.c
    last = ""
    while True:
        stmt = (
            select(rows)
            .where(rows.import_id == import_id, rows.service_id > last)
            .order_by(rows.service_id, rows.line)
            .limit(ROWS)
        )
        page = db.session.execute(stmt).all()
        if not page:
            return
        first, end = page[0].service_id, page[-1].service_id
        if len(page) == ROWS and first != end:
            page = [r for r in page if r.service_id != end]  # may go on: it starts the next page
            end = page[-1].service_id
        elif len(page) == ROWS:  # one service with more rows than a page: all of them
            page = db.session.execute(
                select(rows).where(rows.import_id == import_id, rows.service_id == first).order_by(rows.line)
            ).all()
        groups = defaultdict(list)
        for r in page:  # the rows as they come: most are only classified, a few replayed
            groups[r.service_id].append(r)
        # Only services with a row not recorded yet are replayed: their stored events are read.
        ids = select(rows.service_id).where(
            rows.import_id == import_id, rows.service_id.between(first, end), rows.known.is_(False)
        )
        yield _Batch(groups, _stored(ids), ids)
        last = end


def _stored(services: Select) -> dict[str, _Stored]:
    columns = (_SUBS.c.id, _SUBS.c.external_id, _SUBS.c.customer_id, _SUBS.c.cycle_months)
    subs = {
        r.id: (r.external_id, _Stored(r.id, r.customer_id, r.cycle_months))
        for r in db.session.execute(select(*columns).where(_SUBS.c.external_id.in_(services)))
    }
    if subs:
        names = (
            "id",
            "subscription_id",
            "kind",
            "occurred_on",
            "plan",
            "from_plan",
            "monthly_price",
            "source_key",
        )
        stmt = (
            select(*(_EVENTS.c[name] for name in names))
            .join(_SUBS, _SUBS.c.id == _EVENTS.c.subscription_id)
            .where(_SUBS.c.external_id.in_(services))
            .order_by(_EVENTS.c.occurred_on, _EVENTS.c.id)
        )
        for event in db.session.execute(stmt):
            subs[event.subscription_id][1].events.append(event)
    return dict(subs.values())


def _fresh(group: list[Row]) -> tuple[list[Row], int]:
    """The rows not recorded yet, and how many were (by an earlier import, or earlier in the file)."""
    seen, fresh = set(), []
    for row in group:
        if not row.known and row.source_key not in seen:
            seen.add(row.source_key)
            fresh.append(row)
    return fresh, len(group) - len(fresh)


def _events(rows: list[Row], stored: _Stored | None) -> tuple[list[NewEvent], int | None]:
    """The rows as events with monthly prices, and the billing cycle the file gives (if any)."""
    cycle = next((r.cycle for r in rows if r.cycle), None)
    per = cycle or (stored.cycle_months if stored else 1)
    # WHMCS amounts are per billing cycle; Kontento keeps the monthly price.
    events = [
        NewEvent(
            _KINDS[r.kind],
            r.occurred_on,
            _PLANS[r.plan],
            None if r.amount is None else (r.amount / (r.cycle or per)).quantize(CENT),
            r.source_key,
        )
        for r in rows
    ]
    return events, cycle


def mark_recorded(import_id: int) -> None:
    """Flag the staged rows whose event is recorded already (by an earlier import, or meanwhile)."""
    rows = ImportRow.__table__
    recorded = exists().where(_EVENTS.c.source_key == rows.c.source_key)
    db.session.execute(update(rows).where(rows.c.import_id == import_id, recorded).values(known=True))


@dataclass
class Outcome:
    """What replaying the file did: whether it was saved, and the counts if it was."""

    saved: bool
    already_imported: int = 0
    new_events: int = 0
    subscriptions_created: int = 0
    customers: set[int] = field(default_factory=set)  # whose accounts follow their subscriptions


def replay_services(
    import_id: int, rejections: Rejections, report: Callable[[bool, int], None], *, save: bool
) -> Outcome:
    """Replay every service's history with its new rows, recording them while every one is possible.

    With ``save``, each batch's events and subscriptions are written (Core, in the caller's one
    transaction, never committed here). At the first impossible history the writes so far are
    rolled back and the rest is only checked: each row that makes a history impossible is
    rejected (then the caller commits the rejections as it reports). The batches before had
    nothing to reject, so checking goes on from where saving stopped. ``report(saving,
    rows_done)`` after each batch.
    """
    outcome, done = Outcome(saved=save), 0
    for batch in _batches(import_id):
        if outcome.saved and not _save(batch, outcome):
            db.session.rollback()  # nothing of this file may stay: it will be rejected
            outcome.saved = False
        if not outcome.saved:
            for service_id, group in batch.groups.items():
                fresh, _seen = _fresh(group)
                if fresh:
                    _check(service_id, fresh, batch.stored.get(service_id), rejections)
            rejections.flush()
        done += sum(len(group) for group in batch.groups.values())
        report(outcome.saved, done)
    return outcome


def _save(batch: _Batch, outcome: Outcome) -> bool:
    """Write one batch; False (nothing sent) when a history in it is impossible."""
    writes = _Writes()
    for service_id, group in batch.groups.items():
        fresh, seen = _fresh(group)
        outcome.already_imported += seen
        if not fresh:
            continue
        owner, stored = fresh[0].customer_id, batch.stored.get(service_id)
        if any(r.customer_id != owner for r in fresh):
            return False
        events, cycle = _events(fresh, stored)
        try:
            steps, state, cycle = check_history(owner, stored, service_id, events, cycle_months=cycle)
        except LifecycleError:
            return False
        writes.add(owner, service_id, stored, steps, state, cycle)
        outcome.customers.add(owner)
    outcome.new_events += len(writes.events)
    outcome.subscriptions_created += len(writes.new_subscriptions)
    writes.run(batch.services, utcnow())
    return True


def _check(service_id: str, fresh: list[Row], stored: _Stored | None, rejections: Rejections) -> None:
    owner = fresh[0].customer_id
    if any(r.customer_id != owner for r in fresh):
        for row in fresh:
            if row.customer_id != owner:
                rejections.add(row.line, _("service %(id)s appears with two customers", id=service_id))
        return
    events, cycle = _events(fresh, stored)
    rows = list(zip(fresh, events, strict=True))
    while rows:  # drop the row at fault and replay again, so every bad row gets named
        try:
            check_history(owner, stored, service_id, [e for _row, e in rows], cycle_months=cycle)
            return
        except LifecycleError as exc:
            bad = next((pair for pair in rows if pair[1].source_key == exc.source_key), rows[0])
            rejections.add(bad[0].line, exc.message)
            rows.remove(bad)


class _Writes:
    """The statements one batch of services needs, each sent once (executemany)."""

    def __init__(self):
        self.new_subscriptions: list[dict] = []
        self.subscription_updates: list[dict] = []
        # (stored subscription id, or None for a new one: its service id, event row)
        self.events: list[tuple[int | None, str, dict]] = []
        self.event_updates: list[dict] = []
        self.customers: set[int] = set()  # whose subscriptions are written

    def add(
        self, customer_id: int, service_id: str, stored: _Stored | None, steps, state, cycle: int
    ) -> None:
        """What recording ``steps`` (every event of the service, from check_history) takes."""
        self.customers.add(customer_id)
        values = {
            "plan": state.plan,
            "monthly_price": state.price,
            "cycle_months": cycle,
            "status": state.status,
            "started_on": state.started_on,
            "renews_on": state.renews_on,
            "ended_on": state.ended_on,
        }
        if stored is None:
            self.new_subscriptions.append({"customer_id": customer_id, "external_id": service_id, **values})
        else:
            self.subscription_updates.append({"b_id": stored.id, **values})
        before = {e.source_key: e for e in stored.events} if stored else {}
        for step in steps:
            after = {"plan": step.plan, "from_plan": step.from_plan, "monthly_price": step.price}
            if step.is_new:
                event = {"customer_id": customer_id, "kind": step.kind, "occurred_on": step.occurred_on}
                self.events.append(
                    (stored and stored.id, service_id, {**event, "source_key": step.source_key, **after})
                )
                continue
            # An earlier event that arrived late changes what later ones changed from.
            old = before[step.source_key]
            if (old.plan, old.from_plan, old.monthly_price) != (step.plan, step.from_plan, step.price):
                self.event_updates.append({"b_id": old.id, **after})

    def run(self, services: Select, now: datetime) -> None:
        """Send the statements: new subscriptions first, for their ids (``services``: the batch's)."""
        connection, created = db.session.connection(), {}
        if self.new_subscriptions:
            bulk_insert(connection, _SUBS, [{**s, "created_at": now} for s in self.new_subscriptions])
            stmt = select(_SUBS.c.external_id, _SUBS.c.id).where(_SUBS.c.external_id.in_(services))
            created = dict(db.session.execute(stmt).all())
        if self.subscription_updates:
            db.session.execute(
                update(_SUBS).where(_SUBS.c.id == bindparam("b_id")), self.subscription_updates
            )
        rows = [
            {"subscription_id": sub_id or created[service], **event, "created_at": now}
            for sub_id, service, event in self.events
        ]
        bulk_insert(connection, _EVENTS, rows)
        if rows:  # no flush hook sees these statements: say from which day the history changed
            history_written.send(self, since=min(r["occurred_on"] for r in rows))
        if self.event_updates:
            db.session.execute(update(_EVENTS).where(_EVENTS.c.id == bindparam("b_id")), self.event_updates)
        if self.new_subscriptions or self.subscription_updates:
            subscriptions_written.send(self, customer_ids=self.customers)


def sync_customers(customer_ids: set[int]) -> None:
    """Bring these customers' accounts in line with all their subscriptions (a batch at a time).

    The subscriptions are read as plain rows (all that :func:`sync_account` reads): thousands of
    them cost little, where as many ORM objects would grow the memory with the file.
    """
    ordered = sorted(customer_ids)
    columns = [_SUBS.c[name] for name in ("customer_id", "plan", "monthly_price", "status")]
    columns += [_SUBS.c[name] for name in ("started_on", "renews_on", "ended_on")]
    for start in range(0, len(ordered), CUSTOMERS):
        chunk = ordered[start : start + CUSTOMERS]
        users = db.session.scalars(select(User).where(User.id.in_(chunk)).options(selectinload(User.account)))
        subscriptions = defaultdict(list)
        for sub in db.session.execute(select(*columns).where(_SUBS.c.customer_id.in_(chunk))):
            subscriptions[sub.customer_id].append(sub)
        for user in users:
            sync_account(user, subscriptions[user.id])
        db.session.flush()


def set_billing_accounts(import_id: int) -> None:
    """Group logins into companies: each customer's account takes the first client id the file gives it."""
    firsts, accounts = _first_client_ids(import_id), CustomerAccount.__table__
    values = [
        {"b_user": r.customer_id, "billing_account": r.client_id}
        for r in db.session.execute(select(firsts.c.customer_id, firsts.c.client_id))
    ]
    for start in range(0, len(values), 5_000):
        db.session.execute(
            update(accounts).where(accounts.c.user_id == bindparam("b_user")), values[start : start + 5_000]
        )


def _first_client_ids(import_id: int):
    """Subquery: each customer's first client id in the file (from the lowest line that gives one)."""
    rows = ImportRow.__table__.c
    first = (
        select(rows.customer_id, func.min(rows.line).label("line"))
        .where(rows.import_id == import_id, rows.client_id != "")
        .group_by(rows.customer_id)
        .subquery()
    )
    return (
        select(rows.customer_id, rows.client_id)
        .join(first, (rows.customer_id == first.c.customer_id) & (rows.line == first.c.line))
        .where(rows.import_id == import_id)
        .subquery()
    )


def check_client_ids(import_id: int, rejections: Rejections) -> None:
    """Reject each row that gives its customer a client id other than the first one given."""
    rows, firsts = ImportRow.__table__.c, _first_client_ids(import_id)
    last = 0
    while True:
        stmt = (
            select(rows.line, User.email)
            .join(firsts, firsts.c.customer_id == rows.customer_id)
            .join(User, User.id == rows.customer_id)
            .where(
                rows.import_id == import_id,
                rows.line > last,
                rows.client_id != "",
                rows.client_id != firsts.c.client_id,
            )
            .order_by(rows.line)
            .limit(5_000)
        )
        found = db.session.execute(stmt).all()
        for line, email in found:
            rejections.add(line, _("%(email)s has two client ids in this file", email=email))
        if len(found) < 5_000:
            return
        last = found[-1].line
