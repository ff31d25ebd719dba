"""The surveys' periodic jobs: the relationship (NPS) survey invitations and the receipts for
new feedback. The worker runs what is declared here.
"""

from datetime import timedelta

from ..core.jobs import Job, committing
from .invitations import send_relationship_surveys
from .receipts import send_receipts

RELATIONSHIP_SURVEYS = Job("relationship_surveys", timedelta(hours=1), committing(send_relationship_surveys))
FEEDBACK_RECEIPTS = Job("feedback_receipts", timedelta(minutes=1), committing(send_receipts))
