"""Support figures per staff member: who handles how many cases, how fast, how well.

Over the cases created in the period and assigned to someone (each counts for whoever has it
now), per person (docs/metrics.md, "Support by person"):

- **cases**: how many;
- **first response** and **resolution** times: median and 90th percentile, read with the same
  histogram rule as the support report (followup_rollups.percentile), so the two pages agree;
- **SLA met**: cases never breached ÷ cases whose outcome is known (resolved, or breached);
- **CSAT**: satisfied answers (4–5) ÷ answers to the survey sent when their cases were resolved;
- **reopened**: cases reopened after a resolution ÷ cases resolved at least once.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, select

from ..auth.models import User
from ..core.scales import is_satisfied
from ..extensions import db
from ..followups.models import EventKind, Followup
from ..surveys.models import Feedback, SurveyInvitation, SurveyKind
from . import followup_rollups as fr
from . import queries
from .metrics import hours_figure, ratio_figure


@dataclass
class _Tally:
    """What is counted for one person while the cases are read."""

    cases: int = 0
    first: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # bin → [count, ms]
    resolution: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    sla_met: int = 0
    sla_known: int = 0
    satisfied: int = 0
    answers: int = 0
    reopened: int = 0
    resolved_once: int = 0


def people_figures(start: date, end: date, person_id: int | None = None) -> list[dict]:
    """One row per staff member with cases created in the period (only ``person_id``'s when
    given), the most cases first: ``{"person": User, "cases": n, "first_response": …,
    "resolution": …, "sla_met": …, "csat": …, "reopened": …}``."""
    since, until = queries.utc_range(start, end)
    where = [Followup.created_at >= since, Followup.created_at < until, Followup.assignee_id.is_not(None)]
    if person_id is not None:
        where.append(Followup.assignee_id == person_id)
    cases = db.session.execute(
        select(
            Followup.id,
            Followup.assignee_id,
            Followup.breached,
            # What followup_rollups.contributions reads: the durations come from the same rule.
            *(getattr(Followup, name) for name in fr.COLUMNS),
            queries.had_event(Followup.id, EventKind.RESOLVED).label("resolved_once"),
            queries.had_event(Followup.id, EventKind.REOPENED).label("reopened"),
        ).where(*where)
    ).all()
    tallies: dict[int, _Tally] = defaultdict(_Tally)
    for case in cases:
        tally = tallies[case.assignee_id]
        tally.cases += 1
        for _day, _priority, measure, k, ms in fr.contributions(case):
            bins = {fr.FIRST: tally.first, fr.RESOLUTION: tally.resolution}.get(measure)
            if bins is not None:
                bins[k][0] += 1
                bins[k][1] += ms
        if case.resolved_at is not None or case.breached:
            tally.sla_known += 1
            tally.sla_met += not case.breached
        if case.resolved_once:
            tally.resolved_once += 1
            tally.reopened += bool(case.reopened)
    answers = db.session.execute(
        select(Followup.assignee_id, Feedback.csat)
        .join(SurveyInvitation, SurveyInvitation.followup_id == Followup.id)
        .join(Feedback, Feedback.id == SurveyInvitation.feedback_id)
        .where(*where, and_(SurveyInvitation.kind == SurveyKind.CASE_CSAT, Feedback.csat.is_not(None)))
    ).all()
    for assignee_id, csat in answers:
        tally = tallies[assignee_id]
        tally.answers += 1
        tally.satisfied += is_satisfied(csat)
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(tallies))))}
    rows = [
        {
            "person": people[person],
            "cases": tally.cases,
            "first_response": hours_figure({k: tuple(v) for k, v in tally.first.items()}),
            "resolution": hours_figure({k: tuple(v) for k, v in tally.resolution.items()}),
            "sla_met": ratio_figure(tally.sla_met, tally.sla_known),
            "csat": ratio_figure(tally.satisfied, tally.answers),
            "reopened": ratio_figure(tally.reopened, tally.resolved_once),
        }
        for person, tally in tallies.items()
        if person in people
    ]
    return sorted(rows, key=lambda r: (-r["cases"], r["person"].name.lower(), r["person"].id))
