"""A realistic demo population for a web host, built through the real services.

Staff, managers and customers with plans, signup and renewal dates over the last two years;
ratings spread over each customer's life; an idea board with votes in every status; follow-ups
worked by staff with past timestamps; then one SLA sweep at ``now`` so open cases carry their
warnings and breaches.
Deterministic for a given seed and ``now``.
"""

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update

from ..auth.models import CustomerAccount, Plan, Role, User
from ..auth.services import DEFAULT_PRICES, create_user
from ..core.dates import add_months
from ..core.scales import is_low_csat
from ..core.time import utcnow
from ..extensions import db
from ..followups.jobs import sweep
from ..followups.models import ACTIVE_STATUSES, Followup, FollowupStatus
from ..ideas.models import Idea, IdeaStatus, IdeaVote, on_board
from ..mailer.models import OutboxMessage, OutboxStatus
from ..mailer.services import SESSION_FLAG, mail_only_to
from ..surveys.models import Feedback, FeedbackKind
from ..surveys.services import active_categories, submit_rating
from . import content
from .brand import create_demo_brand
from .canned import create_demo_canned_replies
from .ideas import create_demo_ideas
from .lifecycle import CURRENT_QUEUE, DEMO_CUSTOMER_SCENARIOS, Crew, play_current, work_history
from .notices import create_demo_notices
from .subscriptions import create_demo_subscriptions
from .teams import create_demo_teams

DEMO_DOMAIN = "demo.kontento.test"
DEMO_PASSWORD = "demo-password"  # printed by the CLI; demo databases only
DEMO_LOGINS = {
    Role.CUSTOMER: (f"customer@{DEMO_DOMAIN}", "Dana Demo"),
    Role.STAFF: (f"staff@{DEMO_DOMAIN}", "Sam Support"),
    Role.MANAGER: (f"manager@{DEMO_DOMAIN}", "Maya Manager"),
}
HISTORY_DAYS = 730
HOUR = timedelta(hours=1)
BATCH = 25  # customers per commit
YEARLY_SHARE = 0.35
# Chance that a customer let their hosting lapse at a renewal, by their usual CSAT.
LAPSE_BY_CSAT = {1: 0.4, 2: 0.3, 3: 0.15, 4: 0.06, 5: 0.03}


class DemoError(RuntimeError):
    """The demo cannot be loaded into this database."""


def has_users() -> bool:
    """Tell whether any account exists (``demo --if-empty`` then does nothing)."""
    return db.session.scalar(select(User.id).limit(1)) is not None


def has_demo_data() -> bool:
    """Tell whether demo accounts were already created in this database."""
    return db.session.scalar(select(User.id).where(User.email.like(f"%@{DEMO_DOMAIN}")).limit(1)) is not None


def renewal_date(signup: date, today: date, yearly: bool, lapsed: bool) -> date:
    """The next renewal after ``today``, or for a lapsed customer the last one, which they let pass."""
    step = 12 if yearly else 1
    periods = 1
    while add_months(signup, periods * step) <= today:
        periods += 1
    if lapsed and periods > 1:
        periods -= 1
    return add_months(signup, periods * step)


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(7, 21), rng.randint(0, 59)), UTC)


class _Builder:
    """Holds the run's state: random source, ``now``, categories and the crew."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.today = now.date()
        self.categories = {c.slug: c for c in active_categories()}
        self.password_hash = ""
        self.crew: Crew | None = None
        self.customers: list[tuple[User, datetime, datetime]] = []  # (customer, signup, active until)

    def demo_logins(self) -> dict[Role, User]:
        """The three known logins, through ``create_user`` (the only passwords hashed here)."""
        users = {}
        for role, (email, name) in DEMO_LOGINS.items():
            extra = {}
            if role == Role.CUSTOMER:
                signup = self.today - timedelta(days=430)
                extra = {
                    "plan": Plan.VPS,
                    "signup_date": signup,
                    "renewal_date": renewal_date(signup, self.today, False, False),
                    "server": "vps-host-1.fra",
                }
            users[role] = create_user(
                email, name, DEMO_PASSWORD, role, timezone="Europe/Berlin", preset_password=True, **extra
            )
            users[role].created_at = self.now - timedelta(days=430 if role == Role.CUSTOMER else 800)
        # Hashing is deliberately slow; every other demo account shares this one hash (same password).
        self.password_hash = users[Role.CUSTOMER].password_hash
        return users

    def user(self, email: str, name: str, role: Role, created_at: datetime) -> User:
        user = User(
            email=email,
            name=name,
            password_hash=self.password_hash,
            role=role,
            timezone=self.rng.choice(content.TIMEZONES),
            created_at=created_at,
            email_verified_at=created_at,
        )
        db.session.add(user)
        return user

    def staff(self, logins: dict[Role, User]) -> None:
        agents = [logins[Role.STAFF]]
        for name in content.STAFF_NAMES:
            email = content.ascii_address(name.replace(" ", ".") + f"@{DEMO_DOMAIN}")
            joined = self.now - timedelta(days=self.rng.randint(60, 900))
            agents.append(self.user(email, name, Role.STAFF, joined))
        db.session.flush()
        self.crew = Crew(agent=logins[Role.STAFF], agents=agents, manager=logins[Role.MANAGER])

    def customer(self, index: int, plan: Plan) -> tuple[User, int]:
        """A customer on ``plan`` with signup/renewal dates; returns it and its usual CSAT."""
        rng = self.rng
        first, last = rng.choice(content.FIRST_NAMES), rng.choice(content.LAST_NAMES)
        # More recent signups than old ones: the host is growing.
        days_ago = 3 + int((HISTORY_DAYS - 3) * (1 - rng.random() ** 0.5))
        signup = self.today - timedelta(days=days_ago)
        usual = content.weighted(rng, content.CSAT_WEIGHTS)
        yearly = rng.random() < YEARLY_SHARE
        lapsed = rng.random() < LAPSE_BY_CSAT[usual]
        email = content.ascii_address(f"{first}.{last}.{index}@{DEMO_DOMAIN}")
        user = self.user(email, f"{first} {last}", Role.CUSTOMER, _at(signup, rng))
        user.account = CustomerAccount(
            plan=plan,
            monthly_price=DEFAULT_PRICES[plan],
            signup_date=signup,
            renewal_date=renewal_date(signup, self.today, yearly, lapsed),
            server=content.server_for(plan, index),
        )
        return user, usual

    def history(self, customer: User, usual: int) -> None:
        """Ratings spread over the customer's active life."""
        rng = self.rng
        account = customer.account
        start = customer.created_at
        end = self.now - timedelta(hours=1)
        if account.renewal_date <= self.today:  # lapsed: nothing after they left
            end = min(end, datetime.combine(account.renewal_date, time(0), UTC))
        span = end - start
        if span <= timedelta(0):
            return
        self.customers.append((customer, start, end))
        count = min(12, rng.randint(1, 3 + span.days // 60))
        moments = sorted(start + span * rng.random() for _ in range(count))
        for when in moments:
            csat = usual if rng.random() < 0.5 else content.weighted(rng, content.CSAT_WEIGHTS)
            fb = self.rate(customer, csat, when)
            if fb.followup is not None:
                work_history(rng, fb.followup, self.crew, self.now)

    def rate(self, customer: User, csat: int, when: datetime, **fixed) -> Feedback:
        """Submit one rating with plausible NPS, category, urgency and comment."""
        rng = self.rng
        slug = fixed.get("category") or content.weighted(rng, content.CATEGORY_WEIGHTS)
        nps = fixed["nps"] if "nps" in fixed else content.draw_nps(rng, csat)
        urgent = fixed.get(
            "urgent",
            is_low_csat(csat) and slug in content.URGENT_CATEGORIES and rng.random() < content.URGENT_SHARE,
        )
        comment = content.draw_comment(rng, csat, slug)
        if not comment and (urgent or "category" in fixed):  # the cases on screen say what went wrong
            mood = content.mood(csat)
            comment = rng.choice(
                content.NEUTRAL_COMMENTS if mood == "neutral" else content.COMMENTS[(mood, slug)]
            )
        return submit_rating(
            customer,
            csat=csat,
            nps=nps,
            category=self.categories.get(slug),
            comment=comment,
            urgent=urgent,
            channel=content.weighted(rng, content.CHANNEL_WEIGHTS),
            now=when,
        )

    def current_queue(self, rounds: int, demo_customer: User) -> None:
        """Cases of the last two days in every state (``lifecycle.CURRENT_QUEUE``), ``rounds`` times."""
        rng = self.rng
        cutoff = self.now - timedelta(days=2)
        eligible = [c for c, start, end in self.customers if start < cutoff and end >= self.now - 2 * HOUR]
        for round_no in range(rounds):
            for number, ((csat, nps, slug, urgent), steps) in enumerate(CURRENT_QUEUE):
                shift = timedelta(minutes=rng.uniform(-10, 10))
                times = [(self.now - HOUR * hours + shift, action) for hours, action in steps]
                mine = round_no == 0 and number in DEMO_CUSTOMER_SCENARIOS
                customer = demo_customer if mine or not eligible else rng.choice(eligible)
                fb = self.rate(customer, csat, times[0][0], nps=nps, category=slug, urgent=urgent)
                agent = self.crew.agent if round_no == 0 else rng.choice(self.crew.agents)
                play_current(rng, fb.followup, times[1:], self.crew, agent, self.now)
            _commit()


def generate_demo(customers: int = 200, seed: int = 1, now: datetime | None = None) -> dict:
    """Create the demo population, committing every ``BATCH`` customers; return ``summarise(now)``.

    Raises DemoError when demo accounts already exist. Unlike a service this commits,
    because it writes thousands of rows: it is a job, run by the ``demo`` command.
    """
    if has_demo_data():
        raise DemoError("Demo accounts already exist in this database; use an empty database.")
    now = now or utcnow()
    rng = random.Random(seed)
    create_demo_brand(now)  # before any mail is rendered: it carries the brand
    build = _Builder(rng, now)
    logins = build.demo_logins()
    # Mail is rendered for the three demo logins only (their outbox shows real messages);
    # rendering it for every generated customer would triple the time `make run` takes.
    with mail_only_to({user.id for user in logins.values()}):
        build.staff(logins)
        create_demo_teams(build.crew.agents, logins[Role.MANAGER])
        _commit()

        plans = content.quota(customers - 1, content.PLAN_WEIGHTS)
        rng.shuffle(plans)
        demo_customer = logins[Role.CUSTOMER]
        build.history(demo_customer, 4)
        for index, plan in enumerate(plans, start=1):
            customer, usual = build.customer(index, plan)
            db.session.flush()
            build.history(customer, usual)
            if index % BATCH == 0:
                _commit()
        _commit()

        build.current_queue(max(1, round(customers / 70)), demo_customer)
        create_demo_subscriptions(now, seed)
        create_demo_notices(logins[Role.MANAGER], now)
        create_demo_canned_replies(now)
        create_demo_ideas(
            rng,
            now,
            build.customers,
            staff=logins[Role.STAFF],
            manager=logins[Role.MANAGER],
            demo_customer=demo_customer,
        )
        sweep(now)
        _commit()
    return summarise(now)


def _commit() -> None:
    """Commit, with the mail the demo's history caused already marked as sent long ago: a fresh
    demo must not start by mailing thousands of made-up addresses, nor wake a dispatcher that
    could pick them up between two of its commits. For the same reason its feedback counts as
    acknowledged: the receipts job has nothing to send for history."""
    db.session.flush()
    db.session.execute(
        update(Feedback)
        .where(Feedback.acknowledged_at.is_(None))
        .values(acknowledged_at=Feedback.created_at)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENT, sent_at=OutboxMessage.created_at, attempts=1)
    )
    db.session.info.pop(SESSION_FLAG, None)
    db.session.commit()


def summarise(now: datetime) -> dict:
    """Counts describing what the database holds, as the CLI prints them."""

    def count(*where, model=Feedback) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    plans = dict(
        db.session.execute(select(CustomerAccount.plan, func.count()).group_by(CustomerAccount.plan)).all()
    )
    statuses = dict(db.session.execute(select(Followup.status, func.count()).group_by(Followup.status)).all())
    active = Followup.status.in_(ACTIVE_STATUSES)
    ideas = dict(
        db.session.execute(select(Idea.status, func.count()).where(on_board()).group_by(Idea.status)).all()
    )
    return {
        "customers": sum(plans.values()),
        "plans": {plan.value: plans.get(plan, 0) for plan in Plan},
        "staff": count(User.role != Role.CUSTOMER, model=User),
        "ratings": count(Feedback.kind == FeedbackKind.RATING),
        "ideas": {status.value: ideas.get(status, 0) for status in IdeaStatus},
        "votes": count(model=IdeaVote),
        "followups": {status.value: statuses.get(status, 0) for status in FollowupStatus},
        "breached": count(Followup.breached, model=Followup),
        "at_risk": count(active, Followup.at_risk_at <= now, Followup.due_at > now, model=Followup),
        "unassigned": count(active, Followup.assignee_id.is_(None), model=Followup),
        "csat": dict(
            db.session.execute(
                select(Feedback.csat, func.count())
                .where(Feedback.csat.is_not(None))
                .group_by(Feedback.csat)
                .order_by(Feedback.csat)
            ).all()
        ),
    }
