"""Demo notices: what a host's status page usually holds on an ordinary day."""

from datetime import datetime, timedelta

from ..auth.models import User
from ..notices.jobs import send_notice_mail
from ..notices.services import NoticeDraft, add_update, publish, resolve_incident, save_notice

H = timedelta(hours=1)


def _notice(manager: User, now: datetime, **fields):
    return save_notice(None, manager, NoticeDraft(**fields), now)


def create_demo_notices(manager: User, now: datetime) -> int:
    """An upcoming maintenance window, the weekly backups, a resolved incident and an announcement."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    maintenance = _notice(
        manager,
        now - 2 * 24 * H,
        kind="maintenance",
        title="Kernel and hypervisor upgrade on vps-host-1.fra",
        body="We move your VPS to the upgraded host. Expect one reboot inside the window.",
        starts_at=day + 3 * 24 * H + 2 * H,
        ends_at=day + 3 * 24 * H + 4 * H,
        expected_downtime_minutes=15,
        plans=["vps"],
        servers="vps-host-1.fra",
    )
    backups = _notice(
        manager,
        now - 10 * 24 * H,
        kind="backup",
        title="Full backups of shared hosting tonight",
        body="Sites on shared hosting may answer a little slower between 01:00 and 03:00 UTC.",
        starts_at=day + 24 * H + H,
        ends_at=day + 24 * H + 3 * H,
        expected_downtime_minutes=0,
        plans=["shared"],
    )
    incident = _notice(
        manager,
        now - 30 * H,
        kind="incident",
        title="Outgoing mail delayed on web-02.fra",
        body="Mail sent from sites on web-02.fra is queued and leaves late.",
        starts_at=now - 30 * H,
        servers="web-02.fra",
    )
    news = _notice(
        manager,
        now - 5 * 24 * H,
        kind="announcement",
        title="PHP 8.4 is available on every plan",
        body="Switch versions per site in the control panel under Software → PHP.",
        starts_at=now - 5 * 24 * H,
        ends_at=now + 25 * 24 * H,
    )
    for notice, at in (
        (maintenance, now - 2 * 24 * H),
        (backups, now - 10 * 24 * H),
        (news, now - 5 * 24 * H),
    ):
        publish(notice, manager, at)
    publish(incident, manager, now - 30 * H)
    add_update(incident, manager, "We found a stuck queue and are draining it.", now - 29 * H)
    resolve_incident(incident, manager, now - 27 * H, body="All delayed mail has been delivered.")
    # What the worker did back then, in the demo's transaction: the demo marks that mail sent.
    send_notice_mail(now, commit_batches=False)
    return 4
