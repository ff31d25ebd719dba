"""Imports every model so metadata (and Alembic autogenerate) sees them all."""

from .auth.models import ApiToken, CustomerAccount, User  # noqa: F401
from .followups.models import (  # noqa: F401
    Followup,
    FollowupEvent,
    RoutingRule,
    SlaEscalation,
    SlaPolicy,
)
from .surveys.models import Category, Feedback  # noqa: F401
