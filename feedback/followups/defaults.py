"""Default categories, SLA policies and routing rules (docs/metrics.md), and their installer."""

from sqlalchemy import select

from ..core.scales import CSAT_LOW_MAX, NPS_DETRACTOR_MAX
from ..extensions import db
from ..i18n.marks import N_, shipped_or_typed
from .models import Category, Priority, RoutingRule, SlaPolicy

# The names are stored in English; pages translate these (and only these) through
# ``surveys.labels.category_name``, so they are marked here to get into the catalogue.
DEFAULT_CATEGORIES = [
    ("support", N_("Support")),
    ("uptime", N_("Uptime")),
    ("performance", N_("Performance")),
    ("billing", N_("Billing")),
    ("control-panel", N_("Control panel")),
    ("email", N_("E-mail")),
    ("other", N_("Other")),
]

HOUR = 60
# priority: (first response, next reply, resolution, progress interval), in minutes.
DEFAULT_POLICIES = {
    Priority.CRITICAL: (1 * HOUR, 1 * HOUR, 4 * HOUR, 12 * HOUR),
    Priority.HIGH: (4 * HOUR, 8 * HOUR, 24 * HOUR, 12 * HOUR),
    Priority.NORMAL: (24 * HOUR, 24 * HOUR, 72 * HOUR, 24 * HOUR),
}
# Critical cases run around the clock; the others on the business hours of the case's team (and
# on calendar time while a case has no team).
BUSINESS_HOURS_BY_DEFAULT = {Priority.CRITICAL: False, Priority.HIGH: True, Priority.NORMAL: True}

# (name, conditions, priority); tried in this order, first match wins. Stored in English like
# the categories, and shown translated by ``rule_name`` while a manager has not renamed them.
DEFAULT_RULES = [
    (N_("Customer marked it urgent"), {"urgent": True}, Priority.CRITICAL),
    (N_("CSAT 1 about uptime"), {"csat_max": 1, "category": "uptime"}, Priority.CRITICAL),
    (N_("CSAT 2 or lower"), {"csat_max": CSAT_LOW_MAX}, Priority.HIGH),
    (N_("NPS detractor (0–6)"), {"nps_max": NPS_DETRACTOR_MAX}, Priority.NORMAL),
]
_DEFAULT_RULE_NAMES = frozenset(name for name, _conditions, _priority in DEFAULT_RULES)


def rule_name(name: str) -> str:
    """A routing rule's name in the reader's language, or as a manager typed it."""
    return shipped_or_typed(name, _DEFAULT_RULE_NAMES)


def install_defaults() -> None:
    """Insert whatever default categories, policies and rules are missing (idempotent)."""
    existing = set(db.session.scalars(select(Category.slug)))
    for position, (slug, name) in enumerate(DEFAULT_CATEGORIES):
        if slug not in existing:
            db.session.add(Category(slug=slug, name=name, position=position))
    db.session.flush()
    have_policies = set(db.session.scalars(select(SlaPolicy.priority).where(SlaPolicy.plan.is_(None))))
    for priority, (first, nxt, resolution, progress) in DEFAULT_POLICIES.items():
        if priority not in have_policies:
            db.session.add(
                SlaPolicy(
                    priority=priority,
                    plan=None,
                    business_hours=BUSINESS_HOURS_BY_DEFAULT[priority],
                    first_response_minutes=first,
                    next_reply_minutes=nxt,
                    resolution_minutes=resolution,
                    progress_interval_minutes=progress,
                )
            )
    if db.session.scalar(select(RoutingRule.id).limit(1)) is None:
        slugs = {c.slug: c.id for c in db.session.scalars(select(Category))}
        for position, (name, cond, priority) in enumerate(DEFAULT_RULES):
            db.session.add(
                RoutingRule(
                    position=position,
                    name=name,
                    urgent=cond.get("urgent"),
                    csat_max=cond.get("csat_max"),
                    nps_max=cond.get("nps_max"),
                    category_id=slugs.get(cond["category"]) if "category" in cond else None,
                    priority=priority,
                )
            )
    db.session.flush()
