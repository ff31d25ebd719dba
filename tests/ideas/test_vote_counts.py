"""Vote counts stay equal to the distinct customers voting, whatever happens: votes, unvotes,
merges and undos in any order (a property test over random sequences), on SQLite and PostgreSQL.
"""

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.ideas import merge as merging
from feedback.ideas import services
from feedback.ideas.models import Idea, IdeaVote
from tests.factories import T0

IDEAS = 4
CUSTOMERS = 4

op = st.one_of(
    st.tuples(st.just("vote"), st.integers(0, CUSTOMERS - 1), st.integers(0, IDEAS - 1)),
    st.tuples(st.just("unvote"), st.integers(0, CUSTOMERS - 1), st.integers(0, IDEAS - 1)),
    st.tuples(st.just("merge"), st.integers(0, IDEAS - 1), st.integers(0, IDEAS - 1)),
    st.tuples(st.just("undo"), st.integers(0, IDEAS - 1), st.just(0)),
)


class Model:
    """What the board should show, computed the plain way: votes where they were cast, and a
    parent pointer per merged idea."""

    def __init__(self):
        self.cast: set[tuple[int, int]] = set()  # (customer, idea the vote was cast on)
        self.parent: dict[int, int] = {}

    def root(self, i: int) -> int:
        while i in self.parent:
            i = self.parent[i]
        return i

    def group(self, i: int) -> set[int]:
        r = self.root(i)
        return {j for j in range(IDEAS) if self.root(j) == r}

    def voters(self, i: int) -> set[int]:
        group = self.group(i)
        return {c for c, j in self.cast if j in group}

    def apply(self, kind: str, a: int, b: int) -> None:
        if kind == "vote":
            if a not in self.voters(b):
                self.cast.add((a, self.root(b)))
        elif kind == "unvote":
            group = self.group(b)
            self.cast = {(c, j) for c, j in self.cast if not (c == a and j in group)}
        elif kind == "merge":
            if a != b and a not in self.parent and b not in self.parent:
                self.parent[a] = b
        elif kind == "undo" and a in self.parent:
            del self.parent[a]


def test_vote_counts_equal_distinct_voters_after_any_sequence(app, make):
    customers = [make.customer() for _ in range(CUSTOMERS)]
    staff = make.staff()

    @settings(max_examples=60, deadline=None)
    @given(ops=st.lists(op, max_size=30))
    def run(ops):
        ideas = [services.post_idea(staff, title=f"Idea number {n}", now=T0) for n in range(IDEAS)]
        model = Model()
        for kind, a, b in ops:
            if kind == "vote":
                services.vote(ideas[b], customers[a], now=T0)
            elif kind == "unvote":
                services.unvote(ideas[b], customers[a])
            elif kind == "merge":
                with contextlib.suppress(services.IdeaError):
                    merging.merge(ideas[a], ideas[b], staff, now=T0)
            elif kind == "undo":
                with contextlib.suppress(services.IdeaError):
                    merging.unmerge(ideas[a], staff, now=T0)
            model.apply(kind, a, b)
            db.session.flush()
        check(ideas, customers, model)

    run()


def check(ideas, customers, model) -> None:
    for n, idea in enumerate(ideas):
        db.session.refresh(idea)
        assert (idea.merged_into_id is not None) == (n in model.parent)
        if idea.merged_into_id is not None:
            assert idea.root_id == ideas[model.root(n)].id
            continue
        group = select(Idea.id).where(Idea.root_id == idea.id)
        distinct = db.session.scalar(
            select(func.count(func.distinct(IdeaVote.customer_id))).where(IdeaVote.idea_id.in_(group))
        )
        expected = {customers[c].id for c in model.voters(n)}
        assert idea.vote_count == distinct == len(expected)
        for c, customer in enumerate(customers):
            assert services.has_voted(idea, customer.id) == (c in model.voters(n))
