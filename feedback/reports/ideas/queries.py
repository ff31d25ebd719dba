"""SQL for the ideas report: grouped aggregates over ideas, their trail and votes.

Only live ideas count (not merged into another, not hidden as spam). Each figure is one grouped
query; the medians are taken over one row per idea (two durations), never over raw events.
"""

from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select

from ...auth.models import CustomerAccount, Role, User
from ...extensions import db
from ...ideas.models import Idea, IdeaEvent, IdeaEventKind, IdeaStatus, IdeaVote, on_board
from ...ideas.ranking import account_key
from ...lifecycle.models import Subscription
from ..retention.queries import active_at, months_table, start_of

LIVE = on_board()


def statuses_at_month_ends(bounds):
    """Per month index and status: live ideas on the board at the end of the month (or now, for
    the month under way), by the status they had then (their last status change before it)."""
    months = months_table(bounds)
    end = start_of(months.c.n)
    then = (
        select(IdeaEvent.status)
        .where(
            IdeaEvent.idea_id == Idea.id, IdeaEvent.kind == IdeaEventKind.STATUS, IdeaEvent.created_at < end
        )
        .order_by(IdeaEvent.created_at.desc(), IdeaEvent.id.desc())
        .limit(1)
        .correlate(Idea, months)
        .scalar_subquery()
    )
    status = func.coalesce(then, IdeaStatus.NEW.value).label("status")
    stmt = (
        select(months.c.i, status, func.count(Idea.id))
        .join(Idea, Idea.created_at < end)
        .where(LIVE)
        .group_by(months.c.i, status)
    )
    return db.session.execute(stmt).all()


def durations(start_at: datetime, end_at: datetime):
    """One row per live idea posted in ``[start_at, end_at)``: (posted, first official answer, done).

    The first answer is the earliest non-empty ANSWERED event (a later edit keeps the first date);
    done is ``done_at`` of ideas that are done now.
    """
    first = (
        select(IdeaEvent.idea_id, func.min(IdeaEvent.created_at).label("answered"))
        .where(IdeaEvent.kind == IdeaEventKind.ANSWERED, IdeaEvent.body != "")
        .group_by(IdeaEvent.idea_id)
        .subquery("first_answer")
    )
    stmt = (
        select(Idea.created_at, first.c.answered, Idea.done_at, Idea.status)
        .outerjoin(first, first.c.idea_id == Idea.id)
        .where(LIVE, Idea.created_at >= start_at, Idea.created_at < end_at)
    )
    return db.session.execute(stmt).all()


def voter_share(start_at: datetime, end_at: datetime, end_day):
    """(active accounts at the end of the period, those of them who voted in the period).

    Active, as the retention report says: a subscription active at the start of the day after the
    period; a customer with no subscription rows at all counts while their login is active. Logins
    sharing a billing account are one account.
    """
    has_any = exists().where(Subscription.customer_id == User.id)
    active_sub = exists().where(Subscription.customer_id == User.id, active_at(Subscription, end_day))
    active = or_(active_sub, and_(~has_any, User.active.is_(True)))
    voted = exists().where(
        IdeaVote.customer_id == User.id, IdeaVote.created_at >= start_at, IdeaVote.created_at < end_at
    )
    key = account_key(User.id, CustomerAccount.billing_account)
    accounts = (
        select(key.label("account"), func.max(case((voted, 1), else_=0)).label("voted"))
        .select_from(User)
        .join(CustomerAccount, CustomerAccount.user_id == User.id)
        .where(User.role == Role.CUSTOMER, active)
        .group_by(key)
        .subquery("active_accounts")
    )
    stmt = select(func.count(), func.coalesce(func.sum(accounts.c.voted), 0)).select_from(accounts)
    return db.session.execute(stmt).one()
