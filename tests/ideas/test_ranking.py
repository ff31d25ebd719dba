"""The managers' weighted ranking: a hand-computed example, every sort key, and random data checked
against a plain Python computation of the same rules (SQLite and PostgreSQL)."""

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from feedback.auth.models import Plan
from feedback.extensions import db
from feedback.ideas import merge as merging
from feedback.ideas import services
from feedback.ideas.models import IdeaStatus, IdeaVote
from feedback.ideas.ranking import PLAN_RANK, RENEWAL_DAYS, SORTS, ranking
from feedback.lifecycle.models import Subscription, SubscriptionStatus
from feedback.surveys.models import Feedback, FeedbackKind
from tests.factories import T0

TODAY = T0.date()
_ids = itertools.count(1)


def subscribe(customer, renews_in=30, price="10.00", plan=Plan.SHARED, active=True):
    """A subscription renewing ``renews_in`` days after T0; a cancelled one has no renewal."""
    sub = Subscription(
        customer_id=customer.id,
        external_id=f"rank-{next(_ids)}",
        plan=plan,
        monthly_price=Decimal(price),
        status=SubscriptionStatus.ACTIVE if active else SubscriptionStatus.CANCELLED,
        started_on=date(2025, 1, 1),
        renews_on=TODAY + timedelta(days=renews_in) if active else None,
        ended_on=None if active else TODAY - timedelta(days=3),
    )
    db.session.add(sub)
    db.session.flush()
    return sub


def nps(customer, score, days_ago):
    """An NPS answer left ``days_ago`` days before T0 (inserted directly: no routing)."""
    db.session.add(
        Feedback(
            customer=customer,
            kind=FeedbackKind.RATING,
            csat=4,
            nps=score,
            created_at=T0 - timedelta(days=days_ago),
        )
    )
    db.session.flush()


def customer(make, billing=None, price="0", plan=Plan.SHARED, renews_in=400):
    user = make.customer(
        plan=plan,
        monthly_price=Decimal(price),
        signup_date=date(2025, 1, 1),
        renewal_date=TODAY + timedelta(days=renews_in),
    )
    user.account.billing_account = billing
    db.session.flush()
    return user


def rows(**kwargs):
    return {r.Idea.id: r for r in db.session.execute(ranking(T0, **kwargs))}


def test_hand_computed_example(make):
    staff = make.staff()
    # Acme: two logins, one company. 30 + 20 (two active subscriptions) + 5 (the other login).
    acme1 = customer(make, billing="ACME")
    subscribe(acme1, renews_in=90, price="30.00", plan=Plan.VPS)  # the boundary day counts
    subscribe(acme1, renews_in=200, price="20.00", plan=Plan.SHARED)
    subscribe(acme1, price="99.00", active=False)  # cancelled: not revenue
    acme2 = customer(make, billing="ACME")
    subscribe(acme2, renews_in=300, price="5.00", plan=Plan.SHARED)
    nps(acme1, 10, days_ago=40)
    nps(acme2, 3, days_ago=2)  # the company's latest answer: a detractor
    # Bea: no subscription rows, her account's price and renewal date (91 days: outside).
    bea = customer(make, price="12.50", plan=Plan.DEDICATED, renews_in=RENEWAL_DAYS + 1)
    nps(bea, 4, days_ago=50)
    nps(bea, 10, days_ago=1)  # latest is 10: not a detractor
    # Cy: every subscription ended (churned): counts as a voter with no revenue and no plan.
    cy = customer(make)
    subscribe(cy, price="40.00", active=False)

    keep = services.post_idea(acme1, title="Staging sites", now=T0)
    dup = services.post_idea(bea, title="A staging copy of my site", now=T0)
    services.vote(keep, acme2, now=T0)
    services.vote(dup, cy, now=T0)
    other = services.post_idea(cy, title="Dark mode", now=T0)
    merging.merge(dup, keep, staff, now=T0)
    db.session.flush()

    got = rows()
    assert dup.id not in got  # merged ideas are not ranked themselves
    r = got[keep.id]
    assert r.votes == 4  # logins
    assert r.accounts == 3  # Acme once, Bea (from the merged duplicate), Cy
    assert Decimal(r.revenue) == Decimal("67.50")  # 30 + 20 + 5 + 12.50
    assert (r.shared, r.vps, r.dedicated) == (0, 1, 1)  # Acme's highest plan is VPS; Cy has none
    assert r.detractors == 1
    assert r.renewing == 1
    assert Decimal(r.renewing_revenue) == Decimal("55.00")  # Acme's whole revenue
    assert got[other.id].accounts == 1 and Decimal(got[other.id].revenue) == 0


def test_latest_answer_decides_and_the_window_is_inclusive(make):
    a = customer(make)
    subscribe(a, renews_in=0, price="8.00")  # renews today: inside
    nps(a, 6, days_ago=1)
    nps(a, 10, days_ago=30)
    b = customer(make)
    subscribe(b, renews_in=-1, price="9.00")  # overdue yesterday: not "renewing within 90 days"
    idea = services.post_idea(a, title="Faster backups", now=T0)
    services.vote(idea, b, now=T0)
    r = rows()[idea.id]
    assert (r.detractors, r.renewing, Decimal(r.renewing_revenue), Decimal(r.revenue)) == (
        1,
        1,
        Decimal("8.00"),
        Decimal("17.00"),
    )


def _three_ideas(make):
    small, big = customer(make, price="5"), customer(make, price="50", plan=Plan.DEDICATED)
    third = customer(make, price="1", plan=Plan.VPS, renews_in=10)
    nps(third, 0, days_ago=1)
    a = services.post_idea(small, title="Idea A", now=T0)
    services.vote(a, third, now=T0)
    b = services.post_idea(big, title="Idea B", now=T0)
    c = services.post_idea(third, title="Idea C", now=T0)
    services.vote(c, small, now=T0)
    services.vote(c, big, now=T0)
    db.session.flush()
    return a, b, c


@pytest.mark.parametrize("sort", SORTS)
def test_every_sort_key_orders_by_its_column(make, sort):
    _three_ideas(make)
    for descending in (True, False):
        got = list(db.session.execute(ranking(T0, sort=sort, descending=descending)))
        values = [(getattr(r, sort), r.Idea.id) for r in got]
        assert values == sorted(values, reverse=descending)


def test_unknown_sort_key_is_refused():
    with pytest.raises(ValueError):
        ranking(T0, sort="title; DROP TABLE ideas")


def test_filters_and_hidden_ideas(make):
    staff = make.staff()
    a, b, c = _three_ideas(make)
    services.set_status(b, IdeaStatus.PLANNED, staff, now=T0)
    services.set_hidden(c, True, staff, now=T0)
    db.session.flush()
    assert set(rows(status=IdeaStatus.PLANNED)) == {b.id}
    assert c.id not in rows()


# Random data against the plain computation.


def _plain(customers, subs, answers, votes, roots):
    """The ranking's rules written the obvious way, over Python lists."""
    facts = {}
    for c in customers:
        mine = [s for s in subs if s["customer"] == c["id"]]
        live = sorted((s for s in mine if s["active"]), key=lambda s: (s["renews_on"], s["id"]))
        if not mine:
            facts[c["id"]] = (c["price"], c["plan"], c["renews_on"])
        elif live:
            facts[c["id"]] = (sum(s["price"] for s in live), live[0]["plan"], live[0]["renews_on"])
        else:
            facts[c["id"]] = (None, None, None)
    account = {c["id"]: c["billing"] and f"b:{c['billing']}" or f"u:{c['id']}" for c in customers}
    members = {}
    for cid, acc in account.items():
        members.setdefault(acc, []).append(cid)
    latest = {}
    for a in sorted(answers, key=lambda a: (a["at"], a["id"])):
        latest[account[a["customer"]]] = a["nps"]
    horizon = TODAY + timedelta(days=RENEWAL_DAYS)
    result = {}
    for root in set(roots.values()):
        accs = {account[c] for c, i in votes if roots[i] == root}
        fig = dict.fromkeys(SORTS, 0)
        fig["votes"] = len({c for c, i in votes if roots[i] == root})
        fig["revenue"] = fig["renewing_revenue"] = Decimal(0)
        for acc in accs:
            rev = sum((facts[m][0] or Decimal(0)) for m in members[acc])
            ranks = [PLAN_RANK[facts[m][1]] for m in members[acc] if facts[m][1]]
            renewing = any(facts[m][2] and TODAY <= facts[m][2] <= horizon for m in members[acc])
            fig["accounts"] += 1
            fig["revenue"] += rev
            for plan, rank in PLAN_RANK.items():
                fig[plan.value] += bool(ranks) and max(ranks) == rank
            fig["detractors"] += latest.get(acc) is not None and latest[acc] <= 6
            fig["renewing"] += renewing
            fig["renewing_revenue"] += rev if renewing else 0
        result[root] = fig
    return result


@pytest.mark.parametrize("seed", range(3))
def test_random_data_matches_plain_computation(make, seed):
    rnd = random.Random(seed)
    staff = make.staff()
    customers, subs, answers = [], [], []
    users = []
    for _ in range(9):
        c = {
            "billing": rnd.choice([None, None, "X", "Y"]),
            "price": Decimal(rnd.randint(0, 40)),
            "plan": rnd.choice(list(Plan)),
            "renews_on": TODAY + timedelta(days=rnd.randint(-5, 120)),
        }
        user = customer(make, c["billing"], str(c["price"]), c["plan"], (c["renews_on"] - TODAY).days)
        c["id"] = user.id
        customers.append(c)
        users.append(user)
        for _ in range(rnd.choice([0, 0, 1, 2])):
            active = rnd.random() < 0.7
            s = subscribe(
                user, rnd.randint(-3, 130), str(rnd.randint(1, 60)), rnd.choice(list(Plan)), active=active
            )
            subs.append(
                {
                    "id": s.id,
                    "customer": user.id,
                    "active": active,
                    "price": s.monthly_price,
                    "plan": s.plan,
                    "renews_on": s.renews_on,
                }
            )
        for _ in range(rnd.randint(0, 2)):
            score, ago = rnd.randint(0, 10), rnd.randint(0, 60)
            nps(user, score, ago)
            answers.append({"customer": user.id, "nps": score, "at": ago * -1, "id": len(answers)})
    ideas = [services.post_idea(rnd.choice(users), title=f"Idea {i}", now=T0) for i in range(5)]
    for user in users:
        for idea in rnd.sample(ideas, rnd.randint(0, 3)):
            services.vote(idea, user, now=T0)
    merging.merge(ideas[1], ideas[0], staff, now=T0)
    merging.merge(ideas[3], ideas[2], staff, now=T0)
    db.session.flush()
    # Feedback ids follow insertion order, as the plain model's tie-break assumes.
    answers = [
        {"customer": f.customer_id, "nps": f.nps, "at": f.created_at, "id": f.id}
        for f in db.session.scalars(db.select(Feedback).where(Feedback.nps.is_not(None)))
    ]
    votes = [(v.customer_id, v.idea_id) for v in db.session.scalars(db.select(IdeaVote))]
    roots = {i.id: i.root_id for i in ideas}
    expected = _plain(customers, subs, answers, votes, roots)
    got = rows()
    assert set(got) == set(expected)
    for idea_id, fig in expected.items():
        assert {k: float(getattr(got[idea_id], k)) for k in SORTS} == {k: float(v) for k, v in fig.items()}
