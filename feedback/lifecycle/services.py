"""Writes for subscriptions: record dated events and keep the subscription and account in sync.

Events may arrive in any order (a CSV sorted by customer, a billing panel retrying yesterday's
push after today's). So an event is never applied "on top of" the current state: it is stored
with the subscription's other events and the subscription's state is recomputed by replaying
all of them sorted by date (same day: started, then plan changes and renewals, then the end).
An event that makes that history impossible (a renewal after the cancellation, an "upgrade" to
a lower tier) is refused and nothing is written.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.models import CustomerAccount, Plan, User
from ..core.dates import add_months
from ..extensions import db
from .models import EventKind, Subscription, SubscriptionEvent, SubscriptionStatus

TIER = {Plan.SHARED: 0, Plan.VPS: 1, Plan.DEDICATED: 2}
# Order of events on the same day: a subscription starts before anything else, ends after.
_DAY_RANK = {
    EventKind.STARTED: 0,
    EventKind.UPGRADED: 1,
    EventKind.DOWNGRADED: 1,
    EventKind.RENEWED: 2,
    EventKind.CANCELLED: 3,
    EventKind.LAPSED: 3,
}
_ENDINGS = {EventKind.CANCELLED: SubscriptionStatus.CANCELLED, EventKind.LAPSED: SubscriptionStatus.LAPSED}
CENT = Decimal("0.01")


class LifecycleError(ValueError):
    """An event that cannot be recorded; ``source_key`` names the event at fault (when known)."""

    def __init__(self, message: str, source_key: str | None = None):
        super().__init__(message)
        self.message = message
        self.source_key = source_key


class EventConflict(LifecycleError):
    """The same ``source_key`` was recorded before with different content."""


@dataclass(frozen=True)
class NewEvent:
    """An event to record. ``plan``/``monthly_price`` None: unchanged (renewals, endings)."""

    kind: EventKind
    occurred_on: date
    plan: Plan | None
    monthly_price: Decimal | None
    source_key: str


def next_due(start: date, cycle_months: int, after: date) -> date:
    """The first due date strictly after ``after``, counting whole cycles from ``start``.

    Counting from the start (not from the last renewal) keeps a service that started on the 31st
    due on the 31st in the months that have one, and an early or late renewal on its schedule.
    """
    periods = max(1, ((after.year - start.year) * 12 + after.month - start.month) // cycle_months)
    while add_months(start, periods * cycle_months) <= after:
        periods += 1
    return add_months(start, periods * cycle_months)


@dataclass
class _Step:
    kind: EventKind
    occurred_on: date
    plan: Plan | None
    price: Decimal | None
    source_key: str
    order: tuple  # tie-breaker: stored events by id, new ones after them in arrival order
    is_new: bool
    from_plan: Plan | None = None


@dataclass
class _State:
    plan: Plan | None = None
    price: Decimal | None = None
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    started_on: date | None = None
    renews_on: date | None = None
    ended_on: date | None = None


def _fail(steps: list[_Step], index: int, message: str):
    """Raise for the step at ``index``; a stored event that no longer fits blames the new one before it."""
    step = steps[index]
    if not step.is_new:
        earlier_new = [s for s in steps[:index] if s.is_new]
        blamed = earlier_new[-1] if earlier_new else next(s for s in steps if s.is_new)
        raise LifecycleError(
            _(
                "It conflicts with the recorded %(kind)s event of %(day)s: %(problem)s",
                kind=step.kind.value,
                day=step.occurred_on.isoformat(),
                problem=message,
            ),
            blamed.source_key,
        )
    raise LifecycleError(message, step.source_key)


def _replay(steps: list[_Step], cycle_months: int) -> _State:
    """Walk the events in date order, filling plan/price/from_plan; raise LifecycleError if impossible."""
    steps.sort(key=lambda s: (s.occurred_on, _DAY_RANK[s.kind], s.order))
    state = _State()
    for index, step in enumerate(steps):
        day = step.occurred_on.isoformat()
        if index == 0 and step.kind != EventKind.STARTED:
            _fail(
                steps,
                index,
                _(
                    "The subscription does not exist yet: its first event must be "
                    '"started" (got %(kind)s on %(day)s).',
                    kind=step.kind.value,
                    day=day,
                ),
            )
        if index > 0 and step.kind == EventKind.STARTED:
            _fail(
                steps,
                index,
                _("The subscription already started on %(day)s.", day=state.started_on.isoformat()),
            )
        if state.ended_on is not None:
            _fail(
                steps,
                index,
                _(
                    "The subscription ended (%(status)s) on %(day)s; nothing can follow.",
                    status=state.status.value,
                    day=state.ended_on.isoformat(),
                ),
            )
        step.from_plan = None
        if step.kind == EventKind.STARTED:
            state.plan, state.price, state.started_on = step.plan, step.price, step.occurred_on
            state.renews_on = add_months(step.occurred_on, cycle_months)
        elif step.kind in (EventKind.UPGRADED, EventKind.DOWNGRADED):
            up = step.kind == EventKind.UPGRADED
            if step.plan is None or (TIER[step.plan] > TIER[state.plan]) != up or step.plan == state.plan:
                message = (
                    _(
                        "An upgrade must go to a higher plan tier than %(plan)s (got %(new)s on %(day)s).",
                        plan=state.plan.value,
                        new=step.plan.value if step.plan else "-",
                        day=day,
                    )
                    if up
                    else _(
                        "A downgrade must go to a lower plan tier than %(plan)s (got %(new)s on %(day)s).",
                        plan=state.plan.value,
                        new=step.plan.value if step.plan else "-",
                        day=day,
                    )
                )
                _fail(steps, index, message)
            step.from_plan, state.plan = state.plan, step.plan
        else:
            if step.plan is not None and step.plan != state.plan:
                _fail(
                    steps,
                    index,
                    _(
                        "A %(kind)s event cannot change the plan (%(plan)s → %(new)s on "
                        "%(day)s); send an upgraded or downgraded event.",
                        kind=step.kind.value,
                        plan=state.plan.value,
                        new=step.plan.value,
                        day=day,
                    ),
                )
            step.plan = state.plan
            if step.kind == EventKind.RENEWED:
                state.renews_on = next_due(
                    state.started_on, cycle_months, max(state.renews_on, step.occurred_on)
                )
            else:
                state.status, state.ended_on, state.renews_on = _ENDINGS[step.kind], step.occurred_on, None
        if step.price is not None:
            state.price = step.price
        step.price = state.price
    return state


def apply_events(
    customer: User,
    subscription: Subscription | None,
    external_id: str,
    new: list[NewEvent],
    *,
    cycle_months: int | None = None,
) -> tuple[Subscription, list[SubscriptionEvent]]:
    """Add ``new`` events to the subscription ``external_id`` (None: not stored yet) and recompute it.

    Raises LifecycleError (naming the event's ``source_key``) and writes nothing when the events
    do not form a possible history. Does not check source keys for duplicates nor sync the account.
    """
    steps, state, cycle = check_history(
        customer.id, subscription, external_id, new, cycle_months=cycle_months
    )
    stored = list(subscription.events) if subscription else []
    if subscription is None:
        subscription = Subscription(customer_id=customer.id, customer=customer, external_id=external_id)
        db.session.add(subscription)
    subscription.plan, subscription.monthly_price, subscription.cycle_months = state.plan, state.price, cycle
    subscription.status, subscription.started_on = state.status, state.started_on
    subscription.renews_on, subscription.ended_on = state.renews_on, state.ended_on
    by_key = {e.source_key: e for e in stored}
    created = []
    for step in steps:
        event = by_key.get(step.source_key)
        if event is None:
            event = SubscriptionEvent(
                customer_id=customer.id,
                kind=step.kind,
                source_key=step.source_key,
                occurred_on=step.occurred_on,
            )
            subscription.events.append(event)
            created.append(event)
        # An earlier event that arrived late can change what later ones changed from.
        event.plan, event.from_plan, event.monthly_price = step.plan, step.from_plan, step.price
    return subscription, created


def check_history(
    customer_id: int,
    subscription: Subscription | None,
    external_id: str,
    new: list[NewEvent],
    *,
    cycle_months: int | None = None,
) -> tuple[list[_Step], _State, int]:
    """Replay the stored and ``new`` events without writing; raise LifecycleError when impossible.

    ``subscription`` may be any object with a subscription's ``customer_id``, ``cycle_months``
    and ``events`` (the bulk import passes plain rows). Returns the steps (every event, sorted,
    with the plan, previous plan and price it leaves), the final state and the billing cycle.
    """
    if subscription is not None and subscription.customer_id != customer_id:
        raise LifecycleError(
            _("Service %(id)s belongs to another customer.", id=external_id), new[0].source_key
        )
    cycle = cycle_months or (subscription.cycle_months if subscription else 1)
    stored = list(subscription.events) if subscription else []
    steps = [
        _Step(e.kind, e.occurred_on, e.plan, e.monthly_price, e.source_key, (0, e.id or 0), False)
        for e in stored
    ]
    steps += [
        _Step(n.kind, n.occurred_on, n.plan, n.monthly_price, n.source_key, (1, i), True)
        for i, n in enumerate(new)
    ]
    state = _replay(steps, cycle)  # raises before anything is written
    return steps, state, cycle


def sync_account(customer: User, subscriptions: list[Subscription] | None = None) -> None:
    """Make the customer's account show their current subscription.

    Plan and price: the active subscription with the highest tier (then price); renewal date: its
    ``renews_on``. With none active, the one that ended last (renewal date: the day it ended).
    Signup date: the earliest start.
    """
    if subscriptions is None:
        subscriptions = list(
            db.session.scalars(select(Subscription).where(Subscription.customer_id == customer.id))
        )
    if not subscriptions:
        return
    active = [s for s in subscriptions if s.status == SubscriptionStatus.ACTIVE]
    if active:
        current = max(active, key=lambda s: (TIER[s.plan], s.monthly_price, s.started_on))
        renewal = current.renews_on
    else:
        current = max(subscriptions, key=lambda s: (s.ended_on, TIER[s.plan]))
        renewal = current.ended_on
    account = customer.account
    signup = min(s.started_on for s in subscriptions)
    if account is None:
        account = CustomerAccount(plan=current.plan, signup_date=signup, renewal_date=renewal)
        customer.account = account
        db.session.add(account)
    account.plan, account.monthly_price = current.plan, current.monthly_price
    account.signup_date, account.renewal_date = signup, renewal


def _same(event: SubscriptionEvent, external_id: str, new: NewEvent) -> bool:
    return (
        event.subscription.external_id == external_id
        and event.kind == new.kind
        and event.occurred_on == new.occurred_on
        and (new.plan is None or new.plan == event.plan)
        and (new.monthly_price is None or new.monthly_price == event.monthly_price)
    )


def record_event(
    customer: User,
    external_id: str,
    kind: EventKind,
    occurred_on: date,
    plan: Plan | None,
    monthly_price: Decimal | None,
    *,
    cycle_months: int | None = None,
    source_key: str,
    now: datetime,
) -> tuple[SubscriptionEvent, bool]:
    """Record one event of subscription ``external_id``; return it and whether it is new.

    Idempotent by ``source_key``: the same key again returns the stored event and changes
    nothing; the same key with different content raises EventConflict. ``cycle_months`` applies
    to the subscription (None: keep its cycle). ``now`` bounds dates: no event in the future.
    Adds and flushes, does not commit.
    """
    existing = db.session.scalar(select(SubscriptionEvent).where(SubscriptionEvent.source_key == source_key))
    new = NewEvent(kind, occurred_on, plan, _money(monthly_price), source_key)
    if existing is not None:
        if existing.customer_id != customer.id or not _same(existing, external_id, new):
            raise EventConflict(
                _("Event %(key)s was already recorded with different content.", key=source_key), source_key
            )
        return existing, False
    check_event(new, now)
    subscription = db.session.scalar(select(Subscription).where(Subscription.external_id == external_id))
    created = apply_events(customer, subscription, external_id, [new], cycle_months=cycle_months)[1]
    db.session.flush()
    sync_account(customer)
    db.session.flush()
    return created[0], True


def check_event(new: NewEvent, now: datetime) -> None:
    """Checks that need no history: a date not in the future, plan and price where they are needed."""
    if new.occurred_on > now.date():
        raise LifecycleError(
            _("The date %(day)s is in the future.", day=new.occurred_on.isoformat()), new.source_key
        )
    changes_plan = new.kind in (EventKind.STARTED, EventKind.UPGRADED, EventKind.DOWNGRADED)
    if changes_plan and (new.plan is None or new.monthly_price is None):
        raise LifecycleError(
            _("A %(kind)s event needs the plan and the price.", kind=new.kind.value), new.source_key
        )
    if new.monthly_price is not None and new.monthly_price < 0:
        raise LifecycleError(_("The price cannot be negative."), new.source_key)


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT)
