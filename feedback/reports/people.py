"""Support figures per staff member and per team: how many cases, how fast, how well.

Over the cases created in the period (docs/metrics.md, "Support by person" and "by team"):
by person, the cases assigned to someone, each counted for whoever has it now; by team, every
case, counted for the team whose queue it is in now (``team_id``; "No team" for the others).

- **cases**: how many;
- **first response** and **resolution** times: median and 90th percentile, read with the same
  histogram rule as the support report (followup_rollups.percentile), so the two pages agree;
- **SLA met**: cases never breached ÷ cases whose outcome is known (resolved, or breached);
- **CSAT**: satisfied answers (4–5) ÷ answers to the survey sent when their cases were resolved;
- **reopened**: cases reopened after a resolution ÷ cases resolved at least once.

Each count is taken with the queue's own outcome conditions (followups.queries.OUTCOMES), and
every row carries the queue arguments that list its cases (``queue``): a figure's count and the
length of the list it links to are one and the same query.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, select

from ..auth.models import User
from ..core.scales import is_satisfied
from ..extensions import db
from ..followups.models import Followup
from ..followups.queries import OUTCOMES
from ..surveys.models import Feedback, SurveyInvitation, SurveyKind
from ..teams.models import Team
from . import followup_rollups as fr
from . import queries
from .metrics import hours_figure, ratio_figure

NO_TEAM = "none"  # the queue's ``?team=`` for cases without a team, and the key of their row


@dataclass
class _Tally:
    """What is counted for one person or team while the cases are read."""

    cases: int = 0
    first: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # bin → [count, ms]
    resolution: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    outcomes: dict = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))  # OUTCOMES key → cases
    satisfied: int = 0
    answers: int = 0


def _tallies(group, where: list) -> dict:
    """A ``_Tally`` per value of the column ``group`` over the cases matching ``where``."""
    cases = db.session.execute(
        select(
            group.label("group"),
            # What followup_rollups.contributions reads: the durations come from the same rule.
            *(getattr(Followup, name) for name in fr.COLUMNS),
            *(condition(Followup).label(key) for key, condition in OUTCOMES.items()),
        ).where(*where)
    ).all()
    tallies: dict = defaultdict(_Tally)
    for case in cases:
        tally = tallies[case.group]
        tally.cases += 1
        for _day, _priority, measure, k, ms in fr.contributions(case):
            bins = {fr.FIRST: tally.first, fr.RESOLUTION: tally.resolution}.get(measure)
            if bins is not None:
                bins[k][0] += 1
                bins[k][1] += ms
        for key in OUTCOMES:
            tally.outcomes[key] += bool(getattr(case, key))
    answers = db.session.execute(
        select(group, Feedback.csat)
        .join(SurveyInvitation, SurveyInvitation.followup_id == Followup.id)
        .join(Feedback, Feedback.id == SurveyInvitation.feedback_id)
        .where(*where, and_(SurveyInvitation.kind == SurveyKind.CASE_CSAT, Feedback.csat.is_not(None)))
    ).all()
    for key, csat in answers:
        tally = tallies[key]
        tally.answers += 1
        tally.satisfied += is_satisfied(csat)
    return tallies


def _figures(tally: _Tally) -> dict:
    done = tally.outcomes
    return {
        "cases": tally.cases,
        "first_response": hours_figure({k: tuple(v) for k, v in tally.first.items()}),
        "resolution": hours_figure({k: tuple(v) for k, v in tally.resolution.items()}),
        "sla_met": ratio_figure(done["sla_met"], done["sla_known"]),
        "csat": ratio_figure(tally.satisfied, tally.answers),
        "reopened": ratio_figure(done["reopened"], done["resolved_once"]),
    }


def _queue(start: date, end: date, **which) -> dict:
    """The queue's arguments listing the cases of a row: any status, opened in the period."""
    return {"status": "all", "opened_from": start.isoformat(), "opened_to": end.isoformat(), **which}


def people_figures(start: date, end: date, person_id: int | None = None) -> list[dict]:
    """One row per staff member with cases created in the period (only ``person_id``'s when
    given), the most cases first: ``{"person": User, "cases": n, "first_response": …,
    "resolution": …, "sla_met": …, "csat": …, "reopened": …, "queue": {…}}``."""
    since, until = queries.utc_range(start, end)
    where = [Followup.created_at >= since, Followup.created_at < until, Followup.assignee_id.is_not(None)]
    if person_id is not None:
        where.append(Followup.assignee_id == person_id)
    tallies = _tallies(Followup.assignee_id, where)
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(tallies))))}
    rows = [
        # team "all": the queue otherwise shows the viewer's teams only, and a person's cases may
        # be in any team's queue.
        {
            "person": people[person],
            **_figures(tally),
            "queue": _queue(start, end, team="all", assignee=person),
        }
        for person, tally in tallies.items()
        if person in people
    ]
    return sorted(rows, key=lambda r: (-r["cases"], r["person"].name.lower(), r["person"].id))


def team_figures(start: date, end: date) -> list[dict]:
    """One row per team, by name, with its cases created in the period (a team with none too),
    then "No team" (``team`` None) when cases without a team were created in it: the figures of
    ``people_figures`` and ``{"team": Team | None, "queue": {…}}``."""
    since, until = queries.utc_range(start, end)
    tallies = _tallies(Followup.team_id, [Followup.created_at >= since, Followup.created_at < until])
    rows = [
        {
            "team": team,
            **_figures(tallies.get(team.id, _Tally())),
            "queue": _queue(start, end, team=str(team.id)),
        }
        for team in db.session.scalars(select(Team).order_by(Team.name, Team.id))
    ]
    if None in tallies:
        rows.append({"team": None, **_figures(tallies[None]), "queue": _queue(start, end, team=NO_TEAM)})
    return rows
