"""The managers' weighted ranking of ideas: one SQL statement, the same on SQLite and PostgreSQL.

For every live idea (not merged, not hidden), beside its raw votes (``vote_count``, logins):

- **Voters** are the distinct *accounts* voting on any idea of its group (votes stay where they
  were cast; a group = the ideas with the idea as ``root_id``). Logins sharing a
  ``customer_accounts.billing_account`` are one account (a company counts once); a login without
  one is an account of its own.
- **Revenue** = the sum over voting accounts of each account's monthly revenue, which is the sum
  over all its logins of the renewal queue's rule (``renewals.queries.customer_facts``: active
  subscriptions, else the account's price for a login with no subscriptions at all).
- **Plan**: an account is on the highest plan any of its logins is on (same rule per login), so
  each voting account counts once in exactly one of shared / VPS / dedicated (or none if churned).
- **Detractors**: accounts whose latest NPS answer (any login, up to ``now``) is 0–6.
- **Renewing**: accounts with a login whose next renewal falls in ``[today, today + 90 days]``,
  and the revenue of those accounts.
"""

from datetime import datetime, timedelta

from sqlalchemy import Date, String, and_, case, cast, func, literal, select

from ..auth.models import CustomerAccount, Plan
from ..core.scales import detractor_sql
from ..renewals.queries import customer_facts
from ..surveys.models import Feedback, FeedbackKind
from .models import Idea, IdeaStatus, IdeaVote, on_board

RENEWAL_DAYS = 90
PLAN_RANK = {Plan.SHARED: 1, Plan.VPS: 2, Plan.DEDICATED: 3}

# Sort keys a page or the API may ask for (anything else is refused): key → column label.
SORTS = (
    "votes",
    "accounts",
    "revenue",
    "shared",
    "vps",
    "dedicated",
    "detractors",
    "renewing",
    "renewing_revenue",
)
DEFAULT_SORT = "revenue"


def account_key(user_id, billing_account):
    """SQL: the account a login belongs to ("b:<billing id>", else "u:<user id>")."""
    return case(
        (billing_account.is_not(None), literal("b:") + billing_account),
        else_=literal("u:") + cast(user_id, String),
    )


def _plan_rank(plan):
    return case(*((plan == p, r) for p, r in PLAN_RANK.items()), else_=0)


def _accounts(now: datetime):
    """Per account: revenue, highest plan rank and whether it renews within the window."""
    today = now.date()
    facts = customer_facts().subquery("facts")
    key = account_key(facts.c.customer_id, facts.c.billing_account)
    renewing = and_(
        facts.c.renews_on >= literal(today, Date),
        facts.c.renews_on <= literal(today + timedelta(days=RENEWAL_DAYS), Date),
    )
    return (
        select(
            key.label("account"),
            func.coalesce(func.sum(facts.c.revenue), 0).label("revenue"),
            func.max(_plan_rank(facts.c.plan)).label("plan_rank"),
            func.max(case((renewing, 1), else_=0)).label("renewing"),
        )
        .select_from(facts)
        .group_by(key)
        .cte("accounts")
    )


def _latest_nps(now: datetime):
    """Per account: its latest NPS answer (any of its logins) up to ``now``."""
    key = account_key(Feedback.customer_id, CustomerAccount.billing_account)
    ranked = (
        select(
            key.label("account"),
            Feedback.nps,
            func.row_number()
            .over(partition_by=key, order_by=(Feedback.created_at.desc(), Feedback.id.desc()))
            .label("rn"),
        )
        .select_from(Feedback)
        .join(CustomerAccount, CustomerAccount.user_id == Feedback.customer_id)
        .where(Feedback.kind == FeedbackKind.RATING, Feedback.nps.is_not(None), Feedback.created_at <= now)
        .subquery("nps_ranked")
    )
    return select(ranked.c.account, ranked.c.nps).where(ranked.c.rn == 1).cte("latest_nps")


def _group_voters():
    """Distinct (live idea, account) pairs: every vote counted for the live idea of its group."""
    member = Idea.__table__.alias("member")
    key = account_key(IdeaVote.customer_id, CustomerAccount.billing_account)
    return (
        select(member.c.root_id.label("idea_id"), key.label("account"))
        .select_from(IdeaVote)
        .join(member, member.c.id == IdeaVote.idea_id)
        .join(CustomerAccount, CustomerAccount.user_id == IdeaVote.customer_id)
        .distinct()
        .cte("group_voters")
    )


def _figures(now: datetime):
    voters, accounts, nps = _group_voters(), _accounts(now), _latest_nps(now)
    revenue = func.coalesce(accounts.c.revenue, 0)
    renewing = func.coalesce(accounts.c.renewing, 0) == 1

    def on_plan(plan: Plan):
        return func.sum(case((accounts.c.plan_rank == PLAN_RANK[plan], 1), else_=0))

    return (
        select(
            voters.c.idea_id,
            func.count().label("accounts"),
            func.sum(revenue).label("revenue"),
            on_plan(Plan.SHARED).label("shared"),
            on_plan(Plan.VPS).label("vps"),
            on_plan(Plan.DEDICATED).label("dedicated"),
            func.sum(case((detractor_sql(nps.c.nps), 1), else_=0)).label("detractors"),
            func.sum(case((renewing, 1), else_=0)).label("renewing"),
            func.sum(case((renewing, revenue), else_=0)).label("renewing_revenue"),
        )
        .select_from(voters)
        .outerjoin(accounts, accounts.c.account == voters.c.account)
        .outerjoin(nps, nps.c.account == voters.c.account)
        .group_by(voters.c.idea_id)
        .subquery("figures")
    )


def ranking(
    now: datetime,
    *,
    sort: str = DEFAULT_SORT,
    descending: bool = True,
    status: IdeaStatus | None = None,
    category_id: int | None = None,
):
    """Live, visible ideas with their voters' weight, sorted by ``sort`` (one of ``SORTS``).

    Each row has ``Idea`` and the named figures ``votes``, ``accounts``, ``revenue`` (per month),
    ``shared``, ``vps``, ``dedicated``, ``detractors``, ``renewing`` and ``renewing_revenue``
    (within ``RENEWAL_DAYS`` of ``now``). Returns a ``select()`` for ``core.pagination.paginate``.
    Raises ValueError for an unknown sort key.
    """
    if sort not in SORTS:
        raise ValueError(f"unknown sort key {sort!r}")
    f = _figures(now)
    zero = {name: func.coalesce(f.c[name], 0).label(name) for name in SORTS if name != "votes"}
    columns = {"votes": Idea.vote_count.label("votes"), **zero}
    stmt = select(Idea, *columns.values()).outerjoin(f, f.c.idea_id == Idea.id).where(on_board())
    if status:
        stmt = stmt.where(Idea.status == status)
    if category_id:
        stmt = stmt.where(Idea.category_id == category_id)
    key = columns[sort]
    order = key.desc() if descending else key.asc()
    tie = Idea.id.desc() if descending else Idea.id.asc()
    return stmt.order_by(order, tie)
