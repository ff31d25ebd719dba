"""A small strict validator for JSON bodies and query strings.

No dependency, and stricter than ``request.get_json``: JSON booleans are not integers, floats are
not integers, unknown fields are refused, and every problem is reported per field so a client
can fix all of them in one go.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import request

from ..core.dates import FIRST_DAY, LAST_DAY

INT32_MAX = 2**31 - 1  # ids are 32-bit integers; larger values cannot exist (and upset PostgreSQL)
_DIGITS = re.compile(r"[0-9]{1,10}")  # not \d: that also matches other scripts' digits
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ApiError(Exception):
    """An error answered as ``{"error": {"code", "message", "fields"}}`` with ``status``."""

    def __init__(
        self,
        status: int,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}  # e.g. Retry-After on a 429


def json_type(value) -> str:
    """The JSON name of a parsed value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


@dataclass(frozen=True)
class Field:
    """One field of a JSON object: its type and limits. Also rendered into the OpenAPI document."""

    kind: str  # "integer", "string" or "boolean"
    required: bool = False
    nullable: bool = False
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    not_blank: bool = False
    choices: tuple[str, ...] | None = None
    default: object = None
    description: str = ""

    def check(self, value) -> str | None:
        """Return an error message for ``value``, or None when it is acceptable."""
        if value is None:
            return None if self.nullable else f"Must be a {self._noun()}, not null."
        if self.kind == "integer":
            # bool is a subclass of int in Python; JSON true is not a number.
            if isinstance(value, bool) or not isinstance(value, int):
                return f"Must be a whole number, not {json_type(value)}{_shown(value)}."
            too_low = self.minimum is not None and value < self.minimum
            too_high = self.maximum is not None and value > self.maximum
            if too_low or too_high:
                return f"Must be between {self.minimum} and {self.maximum} (got {value})."
            return None
        if self.kind == "boolean":
            if not isinstance(value, bool):
                return f"Must be true or false, not {json_type(value)}{_shown(value)}."
            return None
        if not isinstance(value, str):
            return f"Must be a string, not {json_type(value)}."
        return self._check_text(value)

    def _check_text(self, value: str) -> str | None:
        if "\x00" in value:
            return "Must not contain NUL characters."
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "Must be valid Unicode text (no lone surrogates)."
        if self.not_blank and not value.strip():
            return "Must not be empty."
        if self.max_length is not None and len(value) > self.max_length:
            return f"Must be at most {self.max_length} characters (got {len(value)})."
        if self.choices is not None and value not in self.choices:
            return f"Must be one of: {', '.join(self.choices)}."
        return None

    def _noun(self) -> str:
        return {"integer": "whole number", "boolean": "boolean"}.get(self.kind, "string")

    def json_schema(self) -> dict:
        """This field as a JSON Schema (OpenAPI 3.1) property."""
        schema: dict = {"type": [self.kind, "null"] if self.nullable else self.kind}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.not_blank:
            schema["minLength"] = 1
        if self.choices is not None:
            schema["enum"] = list(self.choices)
        if self.default is not None:
            schema["default"] = self.default
        if self.description:
            schema["description"] = self.description
        return schema


def _shown(value) -> str:
    return f" ({json.dumps(value)})" if isinstance(value, str | int | float) and len(str(value)) < 40 else ""


Schema = dict[str, Field]


def object_schema(schema: Schema, **extra) -> dict:
    """A whole schema as a closed JSON Schema object."""
    return {
        "type": "object",
        "properties": {name: f.json_schema() for name, f in schema.items()},
        "required": [name for name, f in schema.items() if f.required],
        "additionalProperties": False,
        **extra,
    }


def validate(body: dict, schema: Schema, *, ignore: tuple[str, ...] = ()) -> dict:
    """Check ``body`` against ``schema``; return the values with defaults filled in, or raise 422."""
    errors = {key: "Unknown field." for key in body if key not in schema and key not in ignore}
    clean = {}
    for name, spec in schema.items():
        if name not in body:
            if spec.required:
                errors[name] = "This field is required."
            else:
                clean[name] = spec.default
            continue
        problem = spec.check(body[name])
        if problem:
            errors[name] = problem
        else:
            clean[name] = body[name]
    if errors:
        raise ApiError(422, "The request body has invalid fields.", errors)
    return clean


def _no_constants(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _no_duplicates(pairs: list[tuple]) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def json_body(*, allow_empty: bool = False) -> dict:
    """The request body as a JSON object, or an ApiError (400/415); oversized bodies raise 413."""
    data = request.get_data(cache=False)  # Werkzeug refuses bodies over MAX_CONTENT_LENGTH here
    if allow_empty and not data.strip():
        return {}
    if request.mimetype != "application/json":
        raise ApiError(415, "Send the body as JSON with the header Content-Type: application/json.")
    try:
        parsed = json.loads(
            data.decode("utf-8"), parse_constant=_no_constants, object_pairs_hook=_no_duplicates
        )
    except UnicodeDecodeError as exc:
        raise ApiError(400, "The body is not valid UTF-8.") from exc
    except RecursionError as exc:
        raise ApiError(400, "Malformed JSON: nested too deeply.") from exc
    except ValueError as exc:  # JSONDecodeError is a ValueError, as are our hooks' refusals
        raise ApiError(400, f"Malformed JSON: {exc}.") from exc
    if not isinstance(parsed, dict):
        raise ApiError(400, f"The body must be a JSON object, not {json_type(parsed)}.")
    return parsed


# -- query strings ---------------------------------------------------------------------------------


class QueryErrors:
    """Collects problems with query parameters so they are all reported in one 400."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def integer(self, name: str, default: int | None, low: int, high: int) -> int | None:
        """A whole number from ``low`` to ``high`` (digits only: no sign, no decimals)."""
        raw = request.args.get(name)
        if raw is None:
            return default
        if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
            self.fields[name] = f"Must be a whole number from {low} to {high}."
            return default
        return int(raw)

    def choice(self, name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        """One of ``choices``."""
        raw = request.args.get(name)
        if raw is None:
            return default
        if raw not in choices:
            self.fields[name] = f"Must be one of: {', '.join(choices)}."
            return default
        return raw

    def day(self, name: str, *, required: bool = False) -> date | None:
        """A calendar date written YYYY-MM-DD."""
        raw = request.args.get(name)
        if raw is None or raw == "":
            if required:
                self.fields[name] = "This parameter is required (YYYY-MM-DD)."
            return None
        try:
            if not _DATE.fullmatch(raw):
                raise ValueError
            day = date.fromisoformat(raw)
        except ValueError:
            self.fields[name] = "Must be a real date written YYYY-MM-DD."
            return None
        if not FIRST_DAY <= day <= LAST_DAY:
            self.fields[name] = f"Must be from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}."
            return None
        return day

    def moment(self, name: str) -> datetime | None:
        """A date (midnight UTC) or an ISO 8601 date-time with a time zone."""
        raw = request.args.get(name)
        if raw is None or raw == "":
            return None
        if _DATE.fullmatch(raw):
            day = self.day(name)
            return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
        try:
            value = datetime.fromisoformat(raw)
            if value.tzinfo is None:
                self.fields[name] = (
                    "Give the time zone too, e.g. 2026-03-02T09:00:00Z or +01:00 (as %2B01:00)."
                )
                return None
            return value.astimezone(UTC)
        except (ValueError, OverflowError):  # OverflowError: e.g. year 1 at +01:00 is before year 1 UTC
            self.fields[name] = (
                "Must be a date (YYYY-MM-DD) or a date-time like 2026-03-02T09:00:00Z (write + as %2B)."
            )
            return None

    def raise_if_any(self) -> None:
        """Raise one 400 naming every bad parameter."""
        if self.fields:
            raise ApiError(400, "Some query parameters are invalid.", self.fields)


MAX_PER_PAGE = 100
MAX_PAGE = 10_000_000  # beyond it the OFFSET would overflow the database's integer


def page_args(errors: QueryErrors, default_per_page: int) -> tuple[int, int]:
    """``?page=`` (from 1) and ``?per_page=`` (1 to 100)."""
    page = errors.integer("page", 1, 1, MAX_PAGE)
    per_page = errors.integer("per_page", default_per_page, 1, MAX_PER_PAGE)
    return page, per_page
