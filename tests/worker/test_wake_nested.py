"""The after-commit wake-up waits for the outer commit: a savepoint released is not a commit the
worker can see (SQLAlchemy sends ``after_commit`` for both)."""

from feedback.extensions import db
from feedback.mailer.services import SESSION_FLAG


def test_a_savepoint_released_does_not_wake_the_dispatcher_before_the_commit(app, make):
    make.customer()
    kicks = app.extensions.get("kontento.kicks", 0)
    db.session.info[SESSION_FLAG] = True  # what queue_email marks: this transaction queued mail
    with db.session.begin_nested():  # e.g. the rating write's savepoint on SQLite
        pass
    assert app.extensions.get("kontento.kicks", 0) == kicks  # the mail is not committed yet

    db.session.commit()
    assert app.extensions["kontento.kicks"] == kicks + 1  # woken once, by the commit itself
