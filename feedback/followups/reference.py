"""One public reference per case, ``K-220``: what customers quote and staff look up.

The number is the case's id and the prefix is ``CASE_REFERENCE_PREFIX`` (default ``K``). Every
place that names a case uses :func:`case_reference`: the customer's pages and the staff pages,
e-mail subjects, survey pages and the API. :func:`parse_case_reference` reads back what a person
may type or an old link holds: ``K-220``, ``k220``, ``K 220``, ``#220`` or ``220``.

Page URLs carry the reference through the ``case`` URL converter (``/followups/K-220``), which
also takes the bare number, so links from before the reference existed keep working.
"""

import re

from flask import current_app, has_app_context
from werkzeug.routing import BaseConverter, ValidationError

DEFAULT_PREFIX = "K"
_MAX_ID = 2**31 - 1  # the id column is a 32-bit integer: a bigger number names no case
# An optional prefix (letters, then an optional "-" or space) or "#", then the number.
_REFERENCE = re.compile(r"(?:#|[A-Za-z]{1,8}[- ]?)?(?P<number>[0-9]{1,10})")


PREFIX_PATTERN = re.compile(r"[A-Za-z]{1,8}")  # what the URL converter and the parser read back


def check_prefix(prefix: str) -> None:
    """Refuse a ``CASE_REFERENCE_PREFIX`` the pages could not read back from their own links."""
    if not PREFIX_PATTERN.fullmatch(prefix or ""):
        raise RuntimeError(f"CASE_REFERENCE_PREFIX must be 1 to 8 letters A-Z, not {prefix!r}")


def reference_prefix() -> str:
    """The configured prefix, e.g. ``"K"``."""
    if has_app_context():
        return current_app.config.get("CASE_REFERENCE_PREFIX") or DEFAULT_PREFIX
    return DEFAULT_PREFIX


def case_reference(followup_id: int) -> str:
    """The public reference of the case with this id: ``K-220``."""
    return f"{reference_prefix()}-{followup_id}"


def parse_case_reference(text: str | None) -> int | None:
    """The case id ``text`` names (``K-220``, ``k220``, ``#220``, ``220``), or None when it names
    none: no number, or one no case can have. Any prefix of letters is taken, so references
    mailed before ``CASE_REFERENCE_PREFIX`` changed still find their case."""
    match = _REFERENCE.fullmatch((text or "").strip())
    if match is None:
        return None
    number = int(match.group("number"))
    return number if 0 < number <= _MAX_ID else None


class CaseReferenceConverter(BaseConverter):
    """``<case:followup_id>``: matches ``K-220`` or ``220`` and gives the view the id; builds
    URLs with the reference."""

    regex = r"[A-Za-z]{0,8}-?[0-9]{1,10}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        followup_id = parse_case_reference(value)
        if followup_id is None:
            raise ValidationError()  # no such page: 404
        return followup_id

    def to_url(self, value) -> str:
        return case_reference(int(value))
