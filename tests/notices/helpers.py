"""Building notices for the tests through the real services."""

from datetime import timedelta

from feedback.extensions import db
from feedback.notices import services
from feedback.notices.jobs import send_notice_mail
from tests.conftest import T0


def make_notice(
    manager,
    kind="maintenance",
    title="Kernel upgrade",
    starts=T0 + timedelta(days=3),
    ends=T0 + timedelta(days=3, hours=2),
    downtime=30,
    plans=(),
    servers="",
    body="We upgrade the kernel.",
    publish=False,
    now=T0,
):
    """A notice saved (and optionally published, with the worker's notice mail job run) at
    ``now``, committed."""
    draft = services.NoticeDraft(
        kind=kind,
        title=title,
        body=body,
        starts_at=starts,
        ends_at=ends,
        expected_downtime_minutes=downtime,
        plans=list(plans),
        servers=servers,
    )
    notice = services.save_notice(None, manager, draft, now)
    if publish:
        services.publish(notice, manager, now)
        db.session.commit()
        send_notice_mail(now)  # what the worker does right after the commit
    db.session.commit()
    return notice
