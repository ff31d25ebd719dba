"""Import subscription events from a billing system's CSV export (WHMCS-style columns).

One row is one dated event of one service::

    email,service_id,product,event,date,amount,billing_cycle
    ada@example.com,1042,Shared Hosting Starter,started,2025-01-15,9.90,Monthly

The whole file is checked first and applied only when every row is good (all or nothing). Each
row's ``source_key`` is a hash of its normalised content, so importing the same file again adds
nothing. The caller commits (the CLI, the web page).
"""

import csv
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..auth.models import Plan, User, matchable_customer
from ..extensions import db
from .models import EventKind, Subscription, SubscriptionEvent
from .services import CENT, LifecycleError, NewEvent, apply_events, check_event, check_history, sync_account

COLUMNS = ("email", "service_id", "product", "event", "date", "amount", "billing_cycle", "client_id")
REQUIRED = ("email", "service_id", "product", "event", "date")
# WHMCS billing cycle names (and plain month counts).
CYCLES = {
    "monthly": 1, "quarterly": 3, "semi-annually": 6, "semiannually": 6, "annually": 12,
    "yearly": 12, "annual": 12, "biennially": 24, "triennially": 36,
    **{str(n): n for n in (1, 3, 6, 12, 24, 36)},
}  # fmt: skip
EVENTS = {
    **{k.value: k for k in EventKind},
    "new": EventKind.STARTED, "activated": EventKind.STARTED, "renewal": EventKind.RENEWED,
    "upgrade": EventKind.UPGRADED, "downgrade": EventKind.DOWNGRADED, "canceled": EventKind.CANCELLED,
    "cancellation": EventKind.CANCELLED, "terminated": EventKind.LAPSED, "expired": EventKind.LAPSED,
}  # fmt: skip
# Product names are free text in WHMCS: match by keyword, most specific tier first.
PRODUCT_KEYWORDS = (
    (Plan.DEDICATED, ("dedicated", "bare metal", "baremetal")),
    (Plan.VPS, ("vps", "virtual private", "virtual server", "cloud server", "kvm")),
    (Plan.SHARED, ("shared", "web hosting", "webhosting", "hosting", "cpanel")),
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AMOUNT = re.compile(r"[0-9]{1,8}(\.[0-9]{1,2})?")
MAX_ERRORS_PER_FILE = 10_000
CHUNK = 500  # ids per IN (...) query


@dataclass
class ImportResult:
    """What an import did (or would have done): counts and the rejected lines."""

    rows: int = 0
    new_events: int = 0
    already_imported: int = 0
    subscriptions_created: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        """True when the file was applied (no rejected row)."""
        return not self.rejected


@dataclass
class _Row:
    line: int
    email: str
    service_id: str
    cycle: int | None
    event: NewEvent
    client_id: str = ""  # the billing system's client: logins sharing it are one company


def plan_for_product(name: str) -> Plan | None:
    """The plan tier a product name stands for, or None when it names none."""
    text = name.strip().lower()
    for plan, words in PRODUCT_KEYWORDS:
        if text == plan.value or any(word in text for word in words):
            return plan
    return None


def _parse_row(line: int, raw: dict, now: datetime) -> _Row:
    """One row → _Row, or ValueError with every problem of the row."""
    problems = []
    get = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    for name in REQUIRED:
        if not get[name]:
            problems.append(_("%(column)s is empty", column=name))
    email, service_id = get["email"].lower(), get["service_id"]
    if len(service_id) > 64:
        problems.append(_("service_id is longer than 64 characters"))
    if len(get["client_id"]) > 64:
        problems.append(_("client_id is longer than 64 characters"))
    plan = plan_for_product(get["product"]) if get["product"] else None
    if get["product"] and plan is None:
        problems.append(
            _("unknown product %(name)r (no shared, VPS or dedicated in its name)", name=get["product"][:60])
        )
    kind = EVENTS.get(get["event"].lower())
    if get["event"] and kind is None:
        problems.append(_("unknown event %(name)r", name=get["event"][:30]))
    day = None
    if get["date"]:
        try:
            if not _DATE.fullmatch(get["date"]):
                raise ValueError
            day = date.fromisoformat(get["date"])
        except ValueError:
            problems.append(_("bad date %(value)r (use YYYY-MM-DD)", value=get["date"][:30]))
    cycle = None
    if get["billing_cycle"]:
        cycle = CYCLES.get(get["billing_cycle"].lower().replace(" ", ""))
        if cycle is None:
            problems.append(_("unknown billing cycle %(value)r", value=get["billing_cycle"][:30]))
    amount = None
    if get["amount"]:
        try:
            if not _AMOUNT.fullmatch(get["amount"]):
                raise InvalidOperation
            amount = Decimal(get["amount"])
        except InvalidOperation:
            problems.append(
                _("bad amount %(value)r (use digits and a dot, e.g. 9.90)", value=get["amount"][:30])
            )
    if problems:
        raise ValueError("; ".join(problems))
    content = "|".join(
        [
            email,
            service_id,
            kind.value,
            day.isoformat(),
            plan.value if plan else "",
            "" if amount is None else str(amount.quantize(CENT)),
            str(cycle or ""),
        ]
    )
    key = "csv:" + hashlib.sha256(content.encode()).hexdigest()[:40]
    # The amount per billing cycle for now: _check_histories makes it monthly once the cycle is known.
    event = NewEvent(kind, day, plan, amount, key)
    try:
        check_event(event, now)
    except LifecycleError as exc:
        raise ValueError(exc.message) from exc
    return _Row(line, email, service_id, cycle, event, get["client_id"])


def _read(data: bytes) -> csv.DictReader:
    """Decode (UTF-8, with or without BOM) and check the header; ValueError for the whole file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(_("The file is not UTF-8 text (byte %(at)d).", at=exc.start)) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(h or "").strip().lower().replace(" ", "_").replace("-", "_") for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValueError(
            _(
                "The header line lacks the column(s): %(columns)s. Expected: %(expected)s.",
                columns=", ".join(missing),
                expected=",".join(COLUMNS),
            )
        )
    reader.fieldnames = header
    return reader


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_subscriptions(
    data: bytes, now: datetime, progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    """Check every row of a CSV export and, when all are good, record their events.

    ``progress(done, total)`` is called as rows are checked and then applied (total = 2 × rows).
    Adds and flushes, does not commit; when any row is rejected nothing is added at all.
    """
    result = ImportResult()
    try:
        reader = _read(data)
        raw_rows = [(reader.line_num, row) for row in reader]
    except (ValueError, csv.Error) as exc:
        result.rejected.append((1, str(exc)))
        return result
    total = 2 * len(raw_rows)
    report = progress or (lambda done, total: None)
    rows: list[_Row] = []
    for done, (line, raw) in enumerate(raw_rows, start=1):
        if None in raw:  # more cells than columns
            result.rejected.append((line, _("more cells than the header has columns")))
        else:
            try:
                rows.append(_parse_row(line, raw, now))
            except ValueError as exc:
                result.rejected.append((line, str(exc)))
        if done % 500 == 0:
            report(done, total)
    result.rows = len(raw_rows)
    report(len(raw_rows), total)

    customers = _customers({r.email for r in rows})
    known = _known_keys([c.id for c in customers.values()])
    fresh: dict[str, list[_Row]] = defaultdict(list)
    seen = set()
    for row in rows:
        if row.email not in customers:
            result.rejected.append((row.line, _("no customer with the e-mail %(email)s", email=row.email)))
        elif row.event.source_key in known or row.event.source_key in seen:
            result.already_imported += 1  # in an earlier import, or twice in this file
        else:
            seen.add(row.event.source_key)
            fresh[row.service_id].append(row)
    companies = _companies(rows, customers, result)
    subscriptions = _subscriptions(list(fresh))
    plans = _check_histories(fresh, subscriptions, customers, result)
    if result.rejected:
        result.rejected.sort()
        del result.rejected[MAX_ERRORS_PER_FILE:]
        return result

    done = len(raw_rows)
    touched = {}
    for service_id, group in plans.items():
        customer = customers[group[0].email]
        cycle = next((r.cycle for r in group if r.cycle), None)
        sub, created = apply_events(
            customer, subscriptions.get(service_id), service_id, [r.event for r in group], cycle_months=cycle
        )
        result.new_events += len(created)
        result.subscriptions_created += service_id not in subscriptions
        touched[customer.id] = customer
        done += len(group)
        report(done, total)
    db.session.flush()
    _sync(touched)
    for email, client_id in companies.items():
        if customers[email].account is not None:
            customers[email].account.billing_account = client_id
    db.session.flush()
    report(total, total)
    return result


def _companies(rows: list[_Row], customers: dict[str, User], result: ImportResult) -> dict[str, str]:
    """E-mail → billing client id, from the rows that give one; a login given two is rejected."""
    found: dict[str, str] = {}
    for row in rows:
        if not row.client_id or row.email not in customers:
            continue
        if found.setdefault(row.email, row.client_id) != row.client_id:
            result.rejected.append(
                (row.line, _("%(email)s has two client ids in this file", email=row.email))
            )
    return found


def _check_histories(fresh, subscriptions, customers, result) -> dict[str, list[_Row]]:
    """Replay each service's history with its new rows; reject rows that make it impossible."""
    accepted = {}
    for service_id, group in fresh.items():
        group = list(group)
        if len({r.email for r in group}) > 1:
            for row in group[1:]:
                if row.email != group[0].email:
                    result.rejected.append(
                        (row.line, _("service %(id)s appears with two customers", id=service_id))
                    )
            continue
        customer, sub = customers[group[0].email], subscriptions.get(service_id)
        cycle = next((r.cycle for r in group if r.cycle), None) or (sub.cycle_months if sub else 1)
        for row in group:  # WHMCS amounts are per billing cycle; Kontento keeps the monthly price
            if row.event.monthly_price is not None:
                monthly = (row.event.monthly_price / (row.cycle or cycle)).quantize(CENT)
                row.event = replace(row.event, monthly_price=monthly)
        while group:  # drop the row at fault and replay again, so every bad row gets named
            try:
                check_history(customer, sub, service_id, [r.event for r in group], cycle_months=cycle)
                accepted[service_id] = group
                break
            except LifecycleError as exc:
                bad = next((r for r in group if r.event.source_key == exc.source_key), group[0])
                result.rejected.append((bad.line, exc.message))
                group.remove(bad)
    return accepted


def _customers(emails: set[str]) -> dict[str, User]:
    found = {}
    for chunk in _chunks(sorted(emails)):
        stmt = (
            select(User)
            .where(func.lower(User.email).in_(chunk), matchable_customer())
            .options(selectinload(User.account))
        )
        found |= {u.email.lower(): u for u in db.session.scalars(stmt)}
    return found


def _known_keys(customer_ids: list[int]) -> set[str]:
    """Source keys already stored for these customers (a row's key includes its customer's e-mail)."""
    known = set()
    for chunk in _chunks(sorted(customer_ids)):
        stmt = select(SubscriptionEvent.source_key).where(SubscriptionEvent.customer_id.in_(chunk))
        known |= set(db.session.scalars(stmt))
    return known


def _subscriptions(external_ids: list[str]) -> dict[str, Subscription]:
    found = {}
    for chunk in _chunks(external_ids):
        stmt = (
            select(Subscription)
            .where(Subscription.external_id.in_(chunk))
            .options(selectinload(Subscription.events))
        )
        found |= {s.external_id: s for s in db.session.scalars(stmt)}
    return found


def _sync(customers: dict[int, User]) -> None:
    """Bring the touched customers' accounts in line with all their subscriptions."""
    by_customer = defaultdict(list)
    for chunk in _chunks(list(customers)):
        for sub in db.session.scalars(select(Subscription).where(Subscription.customer_id.in_(chunk))):
            by_customer[sub.customer_id].append(sub)
    for customer_id, customer in customers.items():
        sync_account(customer, by_customer[customer_id])
