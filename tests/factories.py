"""Factories that build rows through the real services."""

import itertools
from datetime import datetime

from feedback.auth.models import Plan, Role, User
from feedback.auth.services import create_user
from feedback.extensions import db
from feedback.surveys.models import Feedback
from feedback.surveys.services import category_by_slug, submit_rating

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
