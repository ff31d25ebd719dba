"""Read a billing system's CSV export of subscription events (WHMCS-style columns), a line at a time.

One row is one dated event of one service::

    email,service_id,product,event,date,amount,billing_cycle
    ada@example.com,1042,Shared Hosting Starter,started,2025-01-15,9.90,Monthly

This module only reads: it checks the header, then turns each line into a :class:`ParsedRow` or
the reasons it cannot be one, without keeping earlier lines, so a file of any length is read in
the same memory. Each row's ``source_key`` is a hash of its normalised content, so importing the
same file again adds nothing. What happens to the rows is :mod:`.imports`' business.
"""

import codecs
import csv
import functools
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from ..auth.models import Plan
from .models import EventKind
from .services import CENT, LifecycleError, NewEvent, check_event

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


@dataclass(slots=True)  # one per line of the file: cheap to build
class ParsedRow:
    """A line that passed every check that needs no other line and no database.

    ``amount`` is per billing cycle, as in the file; the monthly price needs the service's cycle.
    """

    line: int
    email: str
    service_id: str
    kind: EventKind
    occurred_on: date
    plan: Plan | None
    amount: Decimal | None
    cycle: int | None
    source_key: str
    client_id: str = ""  # the billing system's client: logins sharing it are one company


@dataclass(slots=True)
class Line:
    """What one CSV record (usually one physical line) of the file turned out to be."""

    number: int  # the physical line it ends on, as a text editor counts
    row: ParsedRow | None = None
    problem: str | None = None  # why it was rejected (every reason, joined)
    blank: bool = False  # no value in any cell: skipped, like an empty line


@functools.lru_cache(maxsize=4096)  # a file names a few products many times over
def plan_for_product(name: str) -> Plan | None:
    """The plan tier a product name stands for, or None when it names none."""
    text = name.strip().lower()
    for plan, words in PRODUCT_KEYWORDS:
        if text == plan.value or any(word in text for word in words):
            return plan
    return None


class _Lines:
    """The decoded lines of a binary stream, for ``csv.reader``; counts bytes, flags bad UTF-8.

    Decoding line by line (a newline byte is never part of a multi-byte UTF-8 sequence) lets
    an undecodable line be rejected by number instead of the whole file at the first bad byte.
    """

    def __init__(self, binary: io.BufferedIOBase):
        self._binary = binary
        self._first = True
        self.bytes_read = 0
        self.undecodable = False  # set on a bad line, cleared by the reader once reported

    def __iter__(self):
        return self

    def __next__(self) -> str:
        raw = self._binary.readline()
        if not raw:
            raise StopIteration
        self.bytes_read += len(raw)
        if self._first:
            raw, self._first = raw.removeprefix(codecs.BOM_UTF8), False
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.undecodable = True
            return raw.decode("utf-8", "replace")


def normalise_header(names: list[str]) -> list[str]:
    """Column names as the importer compares them: lower case, spaces and dashes as underscores."""
    return [(name or "").strip().lower().replace(" ", "_").replace("-", "_") for name in names]


def check_header(names: list[str]) -> None:
    """Raise ValueError for a header the file cannot be read with: a column missing or named twice."""
    seen, twice = set(), []
    for name in names:
        if name and name in seen and name not in twice:
            twice.append(name)
        seen.add(name)
    if twice:
        raise ValueError(
            _("The header line names the column(s) %(columns)s more than once.", columns=", ".join(twice))
        )
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise ValueError(
            _(
                "The header line lacks the column(s): %(columns)s. Expected: %(expected)s.",
                columns=", ".join(missing),
                expected=",".join(COLUMNS),
            )
        )


class CsvFile:
    """A CSV export read a record at a time: :meth:`header` first, then iterate :class:`Line` items."""

    def __init__(self, binary: io.BufferedIOBase, now: datetime):
        self._lines = _Lines(binary)
        self._reader = csv.reader(self._lines)
        self._now = now
        self._columns: list[str] = []

    @property
    def bytes_read(self) -> int:
        """How much of the file has been read so far."""
        return self._lines.bytes_read

    def header(self) -> list[str]:
        """Read and check the header line; ValueError (one message for the whole file) if unusable."""
        try:
            names = next(self._reader, None)
        except csv.Error as exc:
            raise ValueError(_("The header line cannot be read: %(error)s", error=str(exc))) from exc
        if self._lines.undecodable:
            raise ValueError(_("The file is not UTF-8 text: save it as UTF-8 and upload it again."))
        if not names:
            raise ValueError(_("The file is empty: it needs a header line and one line per event."))
        self._columns = normalise_header(names)
        check_header(self._columns)
        return self._columns

    def __iter__(self) -> Iterator[Line]:
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:  # a cell over csv's size limit: the reader goes on after it
                yield Line(self._reader.line_num, problem=_("unreadable line: %(error)s", error=str(exc)))
                continue
            yield self._line(self._reader.line_num, cells)

    def _line(self, number: int, cells: list[str]) -> Line:
        if self._lines.undecodable:
            self._lines.undecodable = False
            return Line(number, problem=_("not UTF-8 text (save the file as UTF-8)"))
        text = "".join(cells)
        if not text.strip():
            return Line(number, blank=True)  # an empty line, or only separators (spreadsheet leftovers)
        if "\0" in text:
            # Not text anyone typed (a binary file, a broken export), and the database cannot store it.
            return Line(number, problem=_("the line contains a NUL byte (character 0)"))
        if len(cells) > len(self._columns):
            return Line(number, problem=_("more cells than the header has columns"))
        try:
            return Line(
                number, row=parse_row(number, dict(zip(self._columns, cells, strict=False)), self._now)
            )
        except ValueError as exc:
            return Line(number, problem=str(exc))


def parse_row(line: int, raw: dict, now: datetime) -> ParsedRow:
    """One row (column → cell) → ParsedRow, or ValueError with every problem of the row."""
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
    try:  # the amount stands in for the monthly price here: these checks only look at its sign
        check_event(NewEvent(kind, day, plan, amount, key), now)
    except LifecycleError as exc:
        raise ValueError(exc.message) from exc
    return ParsedRow(line, email, service_id, kind, day, plan, amount, cycle, key, get["client_id"])
