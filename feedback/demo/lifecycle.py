"""How staff worked the demo follow-ups: replayed through the real services with past times.

Every action goes through ``followups.services`` with its own ``now``, so deadlines, breach
flags and timelines are exactly what the SLA rules would have produced live. Actions that
would fall after the generator's ``now`` are simply not taken, which leaves recent cases
open, waiting or overdue just as a real queue would be.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..auth.models import User
from ..followups.models import Followup
from ..followups.policies import policy_for
from ..followups.services import (
    assign,
    customer_reply,
    internal_note,
    resolve,
    set_waiting,
    staff_reply,
)
from . import content

HOUR = timedelta(hours=1)
NOTE_DELAY = timedelta(minutes=5)


@dataclass
class Crew:
    """Who works the queue: the demo agent, every agent, and a manager who hands out cases."""

    agent: User
    agents: list[User]
    manager: User


def work_history(rng: random.Random, fu: Followup, crew: Crew, now: datetime) -> None:
    """Play a plausible life for ``fu``: first reply (sometimes late), perhaps a question, resolution.

    About one first reply in six and one resolution in ten miss their deadline, so past
    breaches exist in the data for the SLA compliance figures.
    """
    policy = policy_for(fu, fu.created_at)
    customer = fu.feedback.customer
    agent = rng.choice(crew.agents)
    if rng.random() < 0.15:  # a manager hands the case out before anyone picks it up
        when = fu.created_at + policy.first_response * rng.uniform(0.05, 0.3)
        if when >= now:
            return
        assign(fu, crew.manager, agent, when)
    late = rng.random() < 0.12
    when = fu.created_at + policy.first_response * (
        rng.uniform(1.05, 2.5) if late else rng.uniform(0.1, 0.75)
    )
    asks = rng.random() < 0.35
    if when >= now:
        return
    staff_reply(fu, agent, rng.choice(content.QUESTIONS if asks else content.FIRST_REPLIES), when)
    if asks:
        set_waiting(fu, agent, when)
    if rng.random() < 0.2 and when + NOTE_DELAY < now:
        internal_note(fu, agent, rng.choice(content.INTERNAL_NOTES), when + NOTE_DELAY)
    if asks:
        if rng.random() < 0.2:  # the customer never answers; the case is closed after a few days
            when += timedelta(days=rng.uniform(3, 5))
            if when < now:
                resolve(fu, agent, when, content.RESOLUTIONS[-1])
            return
        when += HOUR * rng.uniform(1, 30)
        if when >= now:
            return
        customer_reply(fu, customer, rng.choice(content.CUSTOMER_ANSWERS), when)
        late = rng.random() < 0.12
        when += policy.next_reply * (rng.uniform(1.1, 2.0) if late else rng.uniform(0.1, 0.7))
        if when >= now:
            return
        staff_reply(fu, agent, rng.choice(content.FOLLOW_UP_REPLIES), when)
    left = fu.resolution_due - when
    if left <= timedelta(0):
        when += HOUR * rng.uniform(1, 8)
    else:
        when += left * (rng.uniform(1.1, 1.8) if rng.random() < 0.1 else rng.uniform(0.2, 0.9))
    if when < now:
        resolve(fu, agent, when, rng.choice(content.RESOLUTIONS[:-1]))


# The current queue, so that every state is on screen whatever the population size.
# (csat, nps, category, urgent), then (hours before now, action); the comments say what the
# default SLA policies make of it at ``now``.
CURRENT_QUEUE = [
    # normal, 2 h old, unassigned, nothing due soon
    ((4, 5, "billing", False), [(2.0, "rate")]),
    # high, unassigned, past 80 % of its 4 h first response: at risk
    ((2, None, "support", False), [(3.5, "rate")]),
    # urgent → critical, unassigned, first response (1 h) breached
    ((1, 0, "uptime", True), [(3.0, "rate")]),
    # high, handed to the demo agent, not answered yet
    ((2, 4, "performance", False), [(1.0, "rate"), (0.8, "assign")]),
    # high, answered, still open
    ((2, None, "email", False), [(10.0, "rate"), (8.0, "reply")]),
    # normal, staff asked a question: waiting on the customer
    ((3, 5, "control-panel", False), [(20.0, "rate"), (18.0, "ask")]),
    # high, customer answered 7 h ago: next reply (8 h) at risk
    ((1, 2, "support", False), [(12.0, "rate"), (11.0, "reply"), (7.0, "answer")]),
    # normal, customer answered 26 h ago: next reply (24 h) and the 24 h ceiling breached
    ((3, 6, "performance", False), [(40.0, "rate"), (30.0, "reply"), (26.0, "answer")]),
    # high, resolved in time
    ((2, 3, "billing", False), [(9.0, "rate"), (8.0, "reply"), (2.0, "resolve")]),
    # critical, answered late and resolved late: resolved but breached
    ((1, 1, "uptime", False), [(30.0, "rate"), (28.5, "reply"), (20.0, "resolve")]),
]
# Scenarios the demo customer gets in the first round, so their dashboard shows a live case.
DEMO_CUSTOMER_SCENARIOS = {5, 8}


def play_current(rng: random.Random, fu: Followup, steps, crew: Crew, agent: User, now: datetime) -> None:
    """Apply one ``CURRENT_QUEUE`` scenario's steps after its rating (times already shifted)."""
    customer = fu.feedback.customer
    for when, action in steps:
        if action == "assign":
            assign(fu, crew.manager, agent, when)
        elif action in ("reply", "ask"):
            body = content.QUESTIONS if action == "ask" else content.FIRST_REPLIES
            if fu.first_response_at is not None:
                body = content.FOLLOW_UP_REPLIES
            staff_reply(fu, agent, rng.choice(body), when)
            if action == "ask":
                set_waiting(fu, agent, when)
        elif action == "answer":
            customer_reply(fu, customer, rng.choice(content.CUSTOMER_ANSWERS), when)
        elif action == "resolve":
            resolve(fu, agent, when, content.RESOLUTIONS[0])
