"""Imports every model so metadata (and Alembic autogenerate) sees them all."""

from .api.idempotency import IdempotencyKey  # noqa: F401
from .auth.models import ApiToken, CustomerAccount, RecoveryCode, User  # noqa: F401
from .brand.models import BrandSettings  # noqa: F401
from .core.app_settings import AppSetting  # noqa: F401
from .followups.models import (  # noqa: F401
    Category,
    Followup,
    FollowupEvent,
    RoutingRule,
    SlaEscalation,
    SlaPolicy,
)
from .followups.saved_views import SavedView  # noqa: F401
from .ideas.models import ChangelogEntry, Idea, IdeaEvent, IdeaFollower, IdeaLink, IdeaVote  # noqa: F401
from .lifecycle.models import Subscription, SubscriptionEvent  # noqa: F401
from .mailer.models import OutboxMessage  # noqa: F401
from .notices.models import Notice, NoticeUpdate  # noqa: F401
from .oidc.models import ExternalIdentity  # noqa: F401
from .reports.models import RatingRollup  # noqa: F401
from .reports.retention.models import RetentionEpoch, RetentionMonth  # noqa: F401
from .signup.models import AccountLink  # noqa: F401
from .surveys.models import Feedback, SurveyInvitation  # noqa: F401
from .teams.models import Team, TeamHoliday  # noqa: F401
from .worker.models import JobRun  # noqa: F401
