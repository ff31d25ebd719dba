"""The staff queue's search box: one text finds cases by reference, by customer and by words.

What is typed finds a case when any of these holds:

- it is the case's reference (``K-220``, ``k220``, ``#220``, ``220``: :func:`parse_case_reference`);
- the customer's e-mail or name starts with it, whatever its case (the rule of Settings →
  Customers: ``auth.queries.users_starting_with``);
- every word of it is in the rating's comment, or every word is in one reply, note or other text
  of the case's timeline (``core.fulltext``: PostgreSQL full-text search, SQLite FTS5).

Each kind is a set of case ids read through an index of its own (the primary key, the users'
prefix indexes then ``ix_followups_customer_id``, the search indexes); the queue keeps the cases
in their union. Staff see every case, so the search shows nothing the queue does not.
"""

from sqlalchemy import select, union
from sqlalchemy.orm import aliased

from ..auth.queries import users_starting_with
from ..core.fulltext import has_words, words_match
from ..extensions import db
from .models import Followup, FollowupEvent
from .reference import parse_case_reference


def matching_case_ids(typed: str, within=lambda fu: ()):
    """SQL: the ids of the cases ``typed`` finds (``typed`` cleaned by ``core.fulltext.clean_typed``
    and not empty), among those meeting ``within(followup)``: the queue's other conditions, on an
    alias of ``Followup`` for each kind, so the database can narrow each kind by them first (a
    common word against the open cases: the few open cases, not every case with the word)."""
    # Surveys' Feedback class, reached through the relationship: followups do not import surveys.
    feedback = Followup.feedback.property.mapper.class_
    dialect = db.session.get_bind().dialect.name

    def cases():
        fu = aliased(Followup)
        return fu, select(fu.id).where(*within(fu))

    fu, by_customer = cases()
    found = [by_customer.where(fu.customer_id.in_(users_starting_with(typed)))]
    reference = parse_case_reference(typed)
    if reference is not None:
        fu, by_reference = cases()
        found.append(by_reference.where(fu.id == reference))
    if has_words(typed):
        fu, by_comment = cases()
        found.append(
            by_comment.join(feedback, feedback.id == fu.feedback_id).where(
                words_match(feedback.id, feedback.comment, typed, dialect)
            )
        )
        fu, by_timeline = cases()
        found.append(
            by_timeline.join(FollowupEvent, FollowupEvent.followup_id == fu.id).where(
                words_match(FollowupEvent.id, FollowupEvent.body, typed, dialect)
            )
        )
    return union(*found)
