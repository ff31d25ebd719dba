"""Writes behind the manager settings: SLA policies, routing rules, categories, staff accounts, surveys,
customer sign-up.

Each function adds and flushes; the view commits once.
"""

import re
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..auth.models import Plan, Role, User
from ..auth.services import create_user
from ..auth.sessions import end_all_sessions
from ..core.app_settings import AppSetting
from ..core.errors import FieldError
from ..extensions import db
from ..followups.escalation import KEYS as LEVEL_KEYS
from ..followups.escalation import Levels
from ..followups.models import Category, Followup, Priority, RoutingRule, SlaPolicy
from ..followups.policies import policy_row
from ..followups.services import recheck_open_cases
from ..signup.queries import INVITE_ONLY, OPEN, SIGNUP_MODE_KEY
from ..surveys.queries import MAX_NPS_INTERVAL_DAYS, NPS_INTERVAL_KEY
from ..teams.models import Team


class SettingsError(FieldError):
    """A change the settings cannot take; ``field`` names the form field to show it on."""


def update_policy(
    priority: Priority,
    first: int,
    next_reply: int,
    resolution: int,
    progress: int,
    *,
    plan: Plan | None = None,
    business_hours: bool | None = None,
    now: datetime | None = None,
) -> SlaPolicy:
    """Store new minutes (and clock) for one priority, for every plan or for ``plan`` (made when
    missing); open follow-ups pick them up at their next event."""
    if first > resolution:
        raise SettingsError(_("The first response cannot be due after the resolution."), "first_response")
    if next_reply > resolution:
        raise SettingsError(_("The next reply cannot be due after the resolution."), "next_reply")
    policy = db.session.scalar(
        select(SlaPolicy).where(
            SlaPolicy.priority == priority, SlaPolicy.plan == plan if plan else SlaPolicy.plan.is_(None)
        )
    )
    if policy is None:
        policy = SlaPolicy(priority=priority, plan=plan, business_hours=False)
        db.session.add(policy)
    policy.first_response_minutes = first
    policy.next_reply_minutes = next_reply
    policy.resolution_minutes = resolution
    policy.progress_interval_minutes = progress
    if business_hours is not None:
        policy.business_hours = business_hours
    db.session.flush()
    on_it = Followup.sla_policy_id == policy.id
    if policy.plan is None:  # the default also serves the priority's cases without a policy of their own
        on_it = on_it | ((Followup.priority == priority) & Followup.sla_policy_id.is_(None))
    recheck_open_cases(on_it, now=now)
    return policy


def add_plan_policy(priority: Priority, plan: Plan) -> SlaPolicy:
    """Give ``plan`` deadlines of its own for ``priority``, starting from the priority's default
    (the manager then edits them); the existing one when there is one."""
    default = policy_row(priority, None)
    existing = policy_row(priority, plan)
    if existing.plan == plan:
        return existing
    return update_policy(
        priority,
        default.first_response_minutes,
        default.next_reply_minutes,
        default.resolution_minutes,
        default.progress_interval_minutes,
        plan=plan,
        business_hours=default.business_hours,
    )


def delete_plan_policy(policy: SlaPolicy, now: datetime | None = None) -> None:
    """Remove a plan's own deadlines: its cases go back to the priority's default policy."""
    if policy.plan is None:
        raise SettingsError(_("A priority's default policy cannot be deleted."))
    # Unlinked here, not left to ON DELETE SET NULL: SQLite does not enforce foreign keys.
    db.session.execute(update(Followup).where(Followup.sla_policy_id == policy.id).values(sla_policy_id=None))
    recheck_open_cases(Followup.sla_policy_id.is_(None), Followup.priority == policy.priority, now=now)
    db.session.delete(policy)
    db.session.flush()


def delete_team(team: Team, now: datetime | None = None) -> None:
    """Delete a team: its cases and routing rules keep going, without a team (every staff member's).
    Unlinked here, not left to ``ON DELETE SET NULL``: SQLite does not enforce foreign keys."""
    recheck_open_cases(Followup.team_id == team.id, now=now)  # now on calendar time, as teamless cases
    for model in (Followup, RoutingRule):
        db.session.execute(update(model).where(model.team_id == team.id).values(team_id=None))
    db.session.delete(team)
    db.session.flush()


def team_saved(team: Team, now: datetime | None = None) -> None:
    """After a team's calendar may have changed: its open cases' deadlines are worked out again."""
    recheck_open_cases(Followup.team_id == team.id, now=now)


def save_levels(levels: Levels, now: datetime | None = None) -> None:
    """Store the escalation levels (escalation.py reads them)."""
    values = {
        LEVEL_KEYS["warn_percent"]: str(levels.warn_percent),
        LEVEL_KEYS["escalate_percent"]: "off"
        if levels.escalate_percent is None
        else str(levels.escalate_percent),
        LEVEL_KEYS["breach_to"]: levels.breach_to,
    }
    for key, value in values.items():
        row = db.session.get(AppSetting, key)
        if row is None:
            db.session.add(AppSetting(key=key, value=value))
        else:
            row.value = value
    db.session.flush()
    recheck_open_cases(now=now)  # every open case: its warning and last level move


def save_rule(rule: RoutingRule | None, **fields) -> RoutingRule:
    """Create (``rule`` None, appended last) or update a routing rule; refuse one with no condition."""
    conditions = ("urgent", "csat_max", "nps_max", "category_id")  # the plan alone is not enough
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
