"""CSV and XLSX of the retention tables, safe to open in a spreadsheet.

Both are built from the report dict, so they hold exactly the figures the page shows. Text cells
that could start a formula are escaped (``export.safe_cell``) in both formats; numbers stay numbers
in the workbook.
"""

import csv
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from ..export import safe_cell

MONTHLY_HEADER = [
    "month",
    "partial_month",
    "came_up_for_renewal",
    "renewed",
    "renewal_rate_pct",
    "customers_active_at_start",
    "churned",
    "churn_rate_pct",
    "subscriptions_at_start",
    "mrr_start",
    "mrr_lost_cancelled_or_lapsed",
    "mrr_lost_downgrades",
    "mrr_gained_upgrades",
    "mrr_gained_new",
    "mrr_retained",
    "mrr_retained_pct",
]
TABLES = ("monthly", "cohorts")


def monthly_rows(report: dict) -> list[list]:
    """One row per month: renewal, churn and MRR movement."""
    rows = []
    for m in report["months"]:
        r, c, mrr = m["renewal"], m["churn"], m["mrr"]
        rows.append(
            [
                m["month"],
                m["partial"],
                r["n"],
                r["renewed"],
                r["value"],
                c["n"],
                c["churned"],
                c["value"],
                mrr["subscriptions"],
                mrr["start"],
                mrr["lost_churn"],
                mrr["lost_downgrade"],
                mrr["gained_upgrade"],
                mrr["gained_new"],
                mrr["retained"],
                mrr["retained_pct"],
            ]
        )
    return rows


def cohort_header(report: dict) -> list[str]:
    """cohort, customers, fewer_than_5, then one column per month since signup."""
    return ["cohort", "customers", "fewer_than_5", *(f"month_{k}_pct" for k in report["cohorts"]["offsets"])]


def cohort_rows(report: dict) -> list[list]:
    """One row per signup month: size, the low-sample flag and the retention % per offset."""
    return [
        [r["cohort"], r["customers"], r["low_sample"], *r["retention"]] for r in report["cohorts"]["rows"]
    ]


def satisfaction_rows(report: dict) -> list[list]:
    """Renewal and churn per NPS band and per breached follow-up, with revenue at stake per band."""
    sat = report["satisfaction"]
    stake = {s["band"]: s for s in sat["at_stake"]}
    rows = []
    for r in sat["by_nps"]:
        s = stake[r["band"]]
        rows.append(
            ["nps_band", r["band"], r["renewal"]["n"], r["renewal"]["renewed"], r["renewal"]["value"]]
            + [r["churn"]["n"], r["churn"]["churned"], r["churn"]["value"], s["mrr"], s["renewing_90d_mrr"]]
        )
    for r in sat["by_breach"]:
        rows.append(
            [
                "breached_followup",
                r["breached"],
                r["renewal"]["n"],
                r["renewal"]["renewed"],
                r["renewal"]["value"],
            ]
            + [r["churn"]["n"], r["churn"]["churned"], r["churn"]["value"], None, None]
        )
    return rows


SATISFACTION_HEADER = [
    "split",
    "group",
    "renewal_decisions",
    "renewed",
    "renewal_rate_pct",
    "customer_months",
    "churned",
    "churn_rate_pct",
    "active_mrr",
    "active_mrr_renewing_90d",
]


def _csv_cell(value) -> str:
    if isinstance(value, float):
        return repr(value)
    return safe_cell(value)


def csv_text(report: dict, table: str) -> str:
    """The monthly or cohort table as CSV text with a BOM, so spreadsheets read UTF-8."""
    if table == "cohorts":
        header, rows = cohort_header(report), cohort_rows(report)
    else:
        header, rows = MONTHLY_HEADER, monthly_rows(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    writer.writerow([])
    for key, text in report["definitions"].items():
        writer.writerow([safe_cell(key), safe_cell(text)])
    return "\ufeff" + buffer.getvalue()


def _xlsx_cell(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    return safe_cell(value)


def xlsx_bytes(report: dict) -> bytes:
    """A workbook with the monthly, cohort and satisfaction tables and the definitions."""
    book = Workbook()
    book.remove(book.active)
    # Sheet names are read by people (translated); column headers are field names (not).
    sheets = [
        (_("Monthly"), MONTHLY_HEADER, monthly_rows(report)),
        (_("Cohorts"), cohort_header(report), cohort_rows(report)),
        (_("Satisfaction"), SATISFACTION_HEADER, satisfaction_rows(report)),
        (_("Definitions"), ["figure", "definition"], [[k, v] for k, v in report["definitions"].items()]),
    ]
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_xlsx_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    period = report["period"]
    book.properties.title = _(
        "Kontento retention %(start)s – %(end)s", start=period["start"], end=period["end"]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
