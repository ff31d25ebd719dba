"""The ideas report, its CSV and the weighted ranking, on the reports blueprint (managers only)."""

from flask import Response, render_template, request, stream_with_context
from sqlalchemy import select

from ...auth.access import manager_required
from ...core.pagination import paginate_rows
from ...core.time import utcnow
from ...extensions import db
from ...followups.models import Category
from ...ideas.labels import status_labels
from ...ideas.models import STATUSES, IdeaStatus
from ...ideas.ranking import DEFAULT_SORT, SORTS, ranking
from ..blueprint import bp, validated
from ..charts import to_html
from ..forms import range_form
from . import charts
from .export import csv_lines
from .metrics import ideas_report


@bp.route("/ideas")
@manager_required
def ideas():
    """Ideas by status per month, answer and done times, answered share, voters, top ideas."""
    form = validated(range_form(request.args), "reports/ideas.html")
    report = ideas_report(form.start.data, form.end.data, now=utcnow())
    figures = None
    if report["posted"]:
        figures = {"by_status": to_html(charts.by_status(report), "chart-ideas-status")}
    return render_template(
        "reports/ideas.html", form=form, report=report, figures=figures, labels=status_labels()
    )


@bp.route("/ideas.csv")
@manager_required
def ideas_csv():
    """Every live idea with its votes, revenue and voters' figures as of now."""
    now = utcnow()
    filename = f"kontento-ideas-{now.date().isoformat()}.csv"
    return Response(
        stream_with_context(csv_lines(now)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _choice(value, allowed, default):
    return value if value in allowed else default


@bp.route("/ideas/ranking")
@manager_required
def idea_ranking():
    """Live ideas ranked by a whitelisted figure of their voters (sort links, no script)."""
    args = request.args
    sort = _choice(args.get("sort"), SORTS, DEFAULT_SORT)
    descending = args.get("dir") != "asc"
    status = _choice(args.get("status"), {s.value for s in STATUSES}, None)
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.id)).all()
    category_id = args.get("category", type=int)
    if category_id not in {c.id for c in categories}:
        category_id = None
    stmt = ranking(
        utcnow(),
        sort=sort,
        descending=descending,
        status=IdeaStatus(status) if status else None,
        category_id=category_id,
    )
    return render_template(
        "reports/idea_ranking.html",
        page=paginate_rows(stmt),
        sort=sort,
        descending=descending,
        status=status,
        category_id=category_id,
        categories=categories,
        labels=status_labels(),
        statuses=STATUSES,
    )
