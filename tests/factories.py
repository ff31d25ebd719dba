"""Factories that build rows through the real services, shared by every test folder."""

import itertools
from datetime import UTC, datetime, timedelta

from feedback.auth.models import Plan, Role, User
from feedback.auth.services import create_user
from feedback.extensions import db
from feedback.notices import services as notice_services
from feedback.notices.jobs import send_notice_mail
from feedback.surveys.models import Feedback
from feedback.surveys.services import category_by_slug, submit_rating

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning, used as "now" in SLA tests
PASSWORD = "password123"
_seq = itertools.count(1)


class Factory:
    """``make.customer()``, ``make.staff()``, ``make.rating(customer, csat=1, now=...)``."""

    def user(self, role: Role, name: str | None = None, **kwargs) -> User:
        n = next(_seq)
        user = create_user(
            kwargs.pop("email", f"{role.value}{n}@example.test"),
            name or f"{role.value.title()} {n}",
            PASSWORD,
            role,
            **kwargs,
        )
        db.session.commit()
        return user

    def customer(self, name: str | None = None, plan: Plan = Plan.SHARED, **kwargs) -> User:
        return self.user(Role.CUSTOMER, name, plan=plan, **kwargs)

    def staff(self, name: str | None = None, **kwargs) -> User:
        return self.user(Role.STAFF, name, **kwargs)

    def manager(self, name: str | None = None, **kwargs) -> User:
        return self.user(Role.MANAGER, name, **kwargs)

    def rating(
        self,
        customer: User,
        csat: int = 1,
        nps: int | None = None,
        category: str | None = "support",
        comment: str = "Site was slow",
        urgent: bool = False,
        now: datetime | None = None,
    ) -> Feedback:
        fb = submit_rating(
            customer,
            csat=csat,
            nps=nps,
            category=category_by_slug(category),
            comment=comment,
            urgent=urgent,
            now=now,
        )
        db.session.commit()
        return fb


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
    draft = notice_services.NoticeDraft(
        kind=kind,
        title=title,
        body=body,
        starts_at=starts,
        ends_at=ends,
        expected_downtime_minutes=downtime,
        plans=list(plans),
        servers=servers,
    )
    notice = notice_services.save_notice(None, manager, draft, now)
    if publish:
        notice_services.publish(notice, manager, now)
        db.session.commit()
        send_notice_mail(now)  # what the worker does right after the commit
    db.session.commit()
    return notice
