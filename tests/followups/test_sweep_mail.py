"""The sweep's escalation mail: queued for the dispatcher to render, the same mail as before,
once per message, in a few statements per batch."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select

from feedback.brand.queries import current_brand
from feedback.extensions import db
from feedback.followups import notify
from feedback.followups.jobs import sweep
from feedback.followups.policies import policy_for
from feedback.followups.sla import active_deadlines
from feedback.mailer.deferred import render_pending
from feedback.mailer.models import OutboxMessage
from feedback.mailer.services import queue_email
from tests.conftest import T0

H = timedelta(hours=1)


def outbox():
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_escalation_mail_renders_as_the_old_path_did(app, make):
    """Rendered by the dispatcher, the mail equals what queue_email rendered in the sweep, en and ar."""
    current_brand()  # the brand as the sweep and the dispatcher see it
    managers = [make.manager(), make.manager()]
    managers[0].locale, managers[0].timezone = "en", "Europe/London"
    managers[1].locale, managers[1].timezone = "ar", "Asia/Dubai"
    staff = make.staff()
    fu = make.rating(make.customer(), csat=1, category="uptime", comment="Down\nagain", now=T0).followup
    fu.assignee = staff
    db.session.flush()
    now = T0 + 5 * H
    deadlines = [d for d in active_deadlines(fu, policy_for(fu)) if now >= d.due]
    # What the old sweep queued: queue_email, rendered at once, per deadline and manager.
    expected = {}
    with db.session.begin_nested() as old:
        for deadline in deadlines:
            # The old notify.sla_breach's subject, as it was written (and the case's thread headers).
            mail = notify.case_mail(
                fu, _l("Breached: %(target)s deadline", target=notify.TARGET_LABELS[deadline.target])
            )
            for user in managers:
                row = queue_email(
                    user,
                    "followups/sla_breach",
                    **mail,
                    context={
                        **notify.case_context(fu, True),
                        "deadline": deadline,
                        "target": notify.TARGET_LABELS[deadline.target],
                    },
                    now=now,
                )
                db.session.flush()
                expected[(user.id, deadline.target.value)] = (
                    row.subject,
                    row.body_text,
                    row.body_html,
                    row.headers,
                    row.sender_name,
                )
        old.rollback()
    assert sweep(now).breaches == len(deadlines) >= 2
    # The breach mails; the first response, at 2× its span by now, also has its last level's.
    rows = [row for row in outbox() if row.kind == "followups/sla_breach"]
    assert len(rows) == len(expected)
    for row in rows:
        assert row.render_params is not None and row.body_text == ""
        render_pending(row)
        target = row.dedupe_key.split(":")[3]
        assert (row.subject, row.body_text, row.body_html, row.headers, row.sender_name) == expected[
            (row.user_id, target)
        ]
        assert row.render_params is None
    arabic = [row for row in rows if row.user_id == managers[1].id]
    assert arabic and all(
        f"{fu.reference}" in row.subject
        and row.subject != expected[(managers[0].id, row.dedupe_key.split(":")[3])][0]
        for row in arabic
    )


def test_sweep_twice_queues_each_mail_once(app, make):
    make.manager()
    make.rating(make.customer(), csat=1, category="uptime", now=T0)
    sweep(T0 + 48 * H)
    db.session.commit()
    first = len(outbox())
    assert first >= 2
    assert (sweep(T0 + 48 * H).breaches, len(outbox())) == (0, first)


def test_statements_per_batch_do_not_grow_with_escalations(app, make):
    """A handful of statements per batch, however many cases escalate (no render, no per-row SELECT)."""
    make.manager()
    make.manager()
    customer = make.customer()

    def count(n: int, now) -> tuple[int, int]:
        for _ in range(n):
            make.rating(customer, csat=2, now=now - 48 * H)
        db.session.commit()
        statements = []

        def listen(conn, cursor, statement, params, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            escalated = len(sweep(now).escalated_ids)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        db.session.commit()
        assert escalated == n
        return len(statements), escalated

    few, _ = count(2, T0 + 100 * H)
    many, _ = count(30, T0 + 200 * H)
    # The follow-ups' own UPDATEs are one executemany per batch on PostgreSQL but one statement
    # a row on SQLite's driver: allow one per row, nothing more.
    assert many - few <= 28
    # 17 (one of them the escalation levels, read once a sweep), and at each of the sweep's two
    # flushes what breach flags change elsewhere, whatever the number of cases: the support
    # report's follow-up rollups (a read of the changed rows' old values, an upsert) and the
    # retention report's stored months (cases opened in an earlier month now breached change its
    # past: the invalidation counter bumped, the months deleted) and the renewal queue's stored
    # facts of the customers concerned (one upsert marking them stale).
    assert few <= 27
