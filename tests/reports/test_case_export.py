"""The cases export: one row per case with its SLA outcome, CSV and XLSX, safe in a spreadsheet."""

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from feedback.extensions import db
from feedback.followups import services
from feedback.reports.case_export import HEADER, case_rows
from feedback.surveys.invitations import answer
from feedback.surveys.models import SurveyInvitation
from feedback.teams.models import Team
from tests.conftest import T0

H = timedelta(hours=1)
DAY = T0.date()


def _cases(make):
    agent = make.staff(name="Ana Agent")
    customer = make.customer()
    met = make.rating(customer, csat=2, now=T0).followup  # high: first response 4 h, resolution 24 h
    services.staff_reply(met, agent, "On it", now=T0 + H)
    services.resolve(met, agent, now=T0 + 2 * H)
    survey = db.session.scalar(db.select(SurveyInvitation).where(SurveyInvitation.followup_id == met.id))
    answer(survey, 4, "", T0 + 3 * H)
    late = make.rating(customer, csat=2, now=T0).followup
    services.staff_reply(late, agent, "Sorry", now=T0 + 5 * H)
    waiting = make.rating(customer, csat=2, now=T0).followup
    services.staff_reply(waiting, agent, "Which site?", now=T0 + H)
    services.set_waiting(waiting, agent, now=T0 + H)
    db.session.commit()
    return met, late, waiting


def test_each_case_with_its_outcome(app, make):
    met, late, waiting = _cases(make)
    rows = {r[0]: dict(zip(HEADER, r, strict=True)) for r in case_rows(DAY, DAY, now=T0 + 30 * H)}
    assert list(rows) == [met.reference, late.reference, waiting.reference]
    assert (rows[met.reference]["first_response_outcome"], rows[met.reference]["resolution_outcome"]) == (
        "met",
        "met",
    )
    assert (
        rows[met.reference]["csat_after_resolution"] == 4 and rows[met.reference]["assignee"] == "Ana Agent"
    )
    # Answered after its 4 h: missed; unresolved 30 h in, past its 24 h resolution: missed.
    assert (rows[late.reference]["first_response_outcome"], rows[late.reference]["resolution_outcome"]) == (
        "missed",
        "missed",
    )
    # Waiting on the customer: the resolution clock is stopped, so not missed yet.
    assert rows[waiting.reference]["resolution_outcome"] == "pending"
    # Not answered yet: pending before its deadline, missed after it.
    fresh = make.rating(make.customer(), csat=2, now=T0 + 10 * H).followup
    db.session.commit()
    outcome = HEADER.index("first_response_outcome")
    assert {r[0]: r for r in case_rows(DAY, DAY, now=T0 + 11 * H)}[fresh.reference][outcome] == "pending"
    assert {r[0]: r for r in case_rows(DAY, DAY, now=T0 + 15 * H)}[fresh.reference][outcome] == "missed"


def test_csv_and_xlsx_downloads_for_managers(app, make, client, auth):
    met, late, _waiting = _cases(make)
    auth.login(make.manager())
    period = f"?start={DAY.isoformat()}&end={DAY.isoformat()}"
    response = client.get("/reports/cases.csv" + period)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert (
        f"kontento-cases-{DAY.isoformat()}-{DAY.isoformat()}.csv" in response.headers["Content-Disposition"]
    )
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0] == HEADER and [r[0] for r in table[1:]] == [
        met.reference,
        late.reference,
        _waiting.reference,
    ]
    book = load_workbook(io.BytesIO(client.get("/reports/cases.xlsx" + period).data))
    sheet = book["cases"]
    assert [c.value for c in sheet[1]] == HEADER and sheet.max_row == 4
    assert client.get("/reports/cases.csv?start=2026-03-05&end=2026-03-01").status_code == 400


def test_staff_cannot_download_every_case(app, make, client, auth):
    auth.login(make.staff())
    assert client.get("/reports/cases.csv").status_code == 403


def test_each_case_names_its_team(app, make):
    met, late, _waiting = _cases(make)
    met.team = Team(name="Berlin support")
    db.session.commit()
    rows = {r[0]: dict(zip(HEADER, r, strict=True)) for r in case_rows(DAY, DAY, now=T0 + 30 * H)}
    assert HEADER[-1] == "team"  # last: the earlier columns keep their places
    assert (rows[met.reference]["team"], rows[late.reference]["team"]) == ("Berlin support", None)
