"""The managers' daily digest: yesterday's satisfaction and support figures, once a day."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask_babel import gettext as _

from ..brand.queries import current_brand
from ..core.jobs import Job, committing
from ..core.urls import external_url
from ..followups.notify import managers
from ..mailer.services import queue_email, would_queue
from .metrics import satisfaction_report, support_report

SEND_AFTER = time(6, 0)  # UTC: the day is over everywhere in Europe and Africa by then


@dataclass
class DigestResult:
    """Which day was summarised and for how many managers."""

    day: str
    queued: int = 0


def _key(day, manager_id: int) -> str:
    return f"digest:{day.isoformat()}:{manager_id}"


def daily_digest(now: datetime) -> DigestResult | None:
    """Queue yesterday's digest to every manager (once per manager and day; None before 06:00 UTC)."""
    if now.time() < SEND_AFTER:
        return None
    day = now.date() - timedelta(days=1)
    recipients = [m for m in managers() if would_queue(m, dedupe_key=_key(day, m.id))]
    result = DigestResult(day=day.isoformat())
    if not recipients:  # the hourly runs after the first one of the day cost one query
        return result
    satisfaction = satisfaction_report(day, day)
    support = support_report(day, day, now)
    context = {
        "day": day,
        "satisfaction": satisfaction,
        "support": support,
        "reports_url": external_url("reports.satisfaction"),
        "queue_url": external_url("followups.queue"),
    }
    for manager in recipients:
        queued = queue_email(
            manager,
            "reports/digest",
            lambda: _("%(brand)s daily digest for %(day)s", brand=current_brand().name, day=day.isoformat()),
            context=context,
            dedupe_key=_key(day, manager.id),
            now=now,
        )
        result.queued += queued is not None
    return result


DAILY_DIGEST = Job("daily_digest", timedelta(hours=1), committing(daily_digest))
