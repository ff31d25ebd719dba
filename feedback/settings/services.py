"""Writes behind the manager settings: SLA policies, routing rules, categories, staff accounts, surveys,
customer sign-up.

Each function adds and flushes; the view commits once.
"""

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..auth.models import Role, User
from ..auth.services import create_user
from ..auth.sessions import end_all_sessions
from ..core.app_settings import AppSetting
from ..extensions import db
from ..followups.models import Category, Priority, RoutingRule, SlaPolicy
from ..signup.queries import INVITE_ONLY, OPEN, SIGNUP_MODE_KEY
from ..surveys.queries import MAX_NPS_INTERVAL_DAYS, NPS_INTERVAL_KEY


class SettingsError(ValueError):
    """A change the settings cannot take; ``field`` names the form field to show it on."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def update_policy(
    priority: Priority, first: int, next_reply: int, resolution: int, progress: int
) -> SlaPolicy:
    """Store new minutes for one priority; open follow-ups pick them up at their next event."""
    if first > resolution:
        raise SettingsError(_("The first response cannot be due after the resolution."), "first_response")
    if next_reply > resolution:
        raise SettingsError(_("The next reply cannot be due after the resolution."), "next_reply")
    policy = db.session.get(SlaPolicy, priority)
    policy.first_response_minutes = first
    policy.next_reply_minutes = next_reply
    policy.resolution_minutes = resolution
    policy.progress_interval_minutes = progress
    db.session.flush()
    return policy


def save_rule(rule: RoutingRule | None, **fields) -> RoutingRule:
    """Create (``rule`` None, appended last) or update a routing rule; refuse one with no condition."""
    conditions = ("urgent", "csat_max", "nps_max", "category_id")
    if all(fields.get(c) is None for c in conditions):
        raise SettingsError(
            _(
                "Set at least one condition: a rule without one would open a follow-up "
                "for every piece of feedback."
            ),
            "csat_max",
        )
    if rule is None:
        last = db.session.scalar(select(func.max(RoutingRule.position)))
        rule = RoutingRule(position=(last or 0) + 1)
        db.session.add(rule)
    for name, value in fields.items():
        setattr(rule, name, value)
    db.session.flush()
    return rule


def move_rule(rule: RoutingRule, step: int) -> None:
    """Swap a rule with its neighbour above (-1) or below (+1); positions are renumbered 0…n."""
    rules = list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)))
    index = rules.index(rule)
    other = index + step
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    for position, r in enumerate(rules):
        r.position = position
    db.session.flush()


def delete_rule(rule: RoutingRule) -> None:
    """Remove a routing rule."""
    db.session.delete(rule)
    db.session.flush()


def slugify(name: str) -> str:
    """A URL-safe slug from a category name (ASCII letters, digits and dashes)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]


def add_category(name: str) -> Category:
    """Add an active category at the end of the list; names and slugs are unique."""
    name = name.strip()
    slug = slugify(name)
    if not slug:
        raise SettingsError(_("Use at least one letter or digit from A–Z or 0–9 in the name."), "name")
    clash = db.session.scalar(
        select(Category).where((func.lower(Category.name) == name.lower()) | (Category.slug == slug))
    )
    if clash is not None:
        raise SettingsError(_("A category called “%(name)s” already exists.", name=clash.name), "name")
    last = db.session.scalar(select(func.max(Category.position)))
    category = Category(slug=slug, name=name, position=(last or 0) + 1, active=True)
    db.session.add(category)
    db.session.flush()
    return category


def set_category_active(category: Category, active: bool) -> None:
    """Offer a category to customers again, or stop offering it (past feedback keeps it)."""
    category.active = active
    db.session.flush()


def create_staff(email: str, name: str, password: str, role: Role) -> User:
    """Create a staff member or manager."""
    if role not in (Role.STAFF, Role.MANAGER):
        raise SettingsError(_("Staff accounts are staff or managers."), "role")
    return create_user(email, name, password, role)


def set_user_active(actor: User, user: User, active: bool) -> None:
    """Deactivate or reactivate an account: staff, manager or customer (one rule for all).

    Deactivating signs them out everywhere; until reactivated they cannot sign in, their API
    tokens are refused and no mail is queued for them. What they wrote stays, and counts in the
    reports. A sign-up or invitation not yet confirmed is not reactivated here: only its owner,
    through the link mailed to them, proves the address is theirs.
    """
    if user.id == actor.id and not active:
        raise SettingsError(_("You cannot deactivate your own account."))
    if active and user.is_unclaimed:
        raise SettingsError(
            _("This account is not confirmed yet: its owner confirms it with the link we mailed.")
        )
    user.active = active
    if not active:
        end_all_sessions(user)
    db.session.flush()


def set_nps_interval(days: int) -> None:
    """Set the days between relationship surveys to one customer (0 turns them off)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_NPS_INTERVAL_DAYS:
        raise SettingsError(
            _("Use a whole number of days from 0 to %(max)s.", max=MAX_NPS_INTERVAL_DAYS), "interval_days"
        )
    row = db.session.get(AppSetting, NPS_INTERVAL_KEY)
    if row is None:
        row = AppSetting(key=NPS_INTERVAL_KEY, value="")
        db.session.add(row)
    row.value = str(days)
    db.session.flush()


def set_signup_mode(mode: str) -> None:
    """Open sign-up to every visitor ("open") or leave it to invitations ("invite_only")."""
    if mode not in (OPEN, INVITE_ONLY):
        raise SettingsError(_("Not a valid choice."), "mode")
    row = db.session.get(AppSetting, SIGNUP_MODE_KEY)
    if row is None:
        row = AppSetting(key=SIGNUP_MODE_KEY, value="")
        db.session.add(row)
    row.value = mode
    db.session.flush()
