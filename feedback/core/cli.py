"""Command-line pieces the feature commands share."""

from datetime import datetime

import click

from .time import as_utc, utcnow


class MomentType(click.ParamType):
    """An ISO date-time, taken as UTC when it names no zone."""

    name = "iso-datetime"

    def convert(self, value, param, ctx) -> datetime:
        """Parse ``value`` into an aware UTC datetime (a datetime passes through)."""
        if isinstance(value, datetime):
            return as_utc(value)
        try:
            return as_utc(datetime.fromisoformat(value))
        except ValueError:
            self.fail(f"not an ISO date-time: {value}", param, ctx)


def now_option(what: str):
    """The ``--now`` option: ``what`` happens as of this time; the current time by default.

    The command receives ``now`` as an aware UTC datetime.
    """
    return click.option(
        "--now",
        "now",
        type=MomentType(),
        default=None,
        callback=lambda _ctx, _param, value: value or utcnow(),
        help=f"{what} as of this ISO time (UTC if no zone); default: now.",
    )
