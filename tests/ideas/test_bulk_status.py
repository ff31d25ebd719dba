"""A bulk status change is all or nothing in the service itself, not only in the page's view."""

import pytest

from feedback.extensions import db
from feedback.ideas import merge, services
from feedback.ideas.models import IdeaEvent, IdeaEventKind, IdeaStatus
from tests.factories import T0


def test_one_refused_idea_changes_none_of_them(app, make):
    customer, staff = make.customer(), make.staff()
    first, second, duplicate = (
        services.post_idea(customer, title=f"Idea {n} here", now=T0) for n in range(3)
    )
    merge.merge(duplicate, second, staff, now=T0)
    with pytest.raises(services.IdeaError):
        services.bulk_set_status([first, duplicate], IdeaStatus.PLANNED, staff, now=T0)
    with pytest.raises(services.IdeaError):
        services.bulk_set_status([first, second], IdeaStatus.DECLINED, staff, now=T0)
    assert first.status == second.status == IdeaStatus.NEW
    assert not db.session.scalar(db.select(IdeaEvent.id).where(IdeaEvent.kind == IdeaEventKind.STATUS))
