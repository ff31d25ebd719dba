"""The ideas report's chart: ideas posted per month, stacked by their status today."""

import html

import plotly.graph_objects as go
from flask_babel import gettext as _

from ...ideas.labels import status_labels
from ...ideas.models import STATUSES
from ..charts import _layout

COLOURS = {
    "new": "#6c757d",
    "under_review": "#0dcaf0",
    "planned": "#0d6efd",
    "in_progress": "#fd7e14",
    "done": "#198754",
    "declined": "#dc3545",
}


def by_status(report: dict) -> go.Figure:
    """A stacked bar per month; the title gives the number of ideas behind it."""
    labels = status_labels()
    x = [m["month"] for m in report["months"]]
    fig = go.Figure()
    for status in STATUSES:
        # Plotly draws a few HTML tags in legend names; labels are a manager's own words: escaped.
        fig.add_bar(
            x=x,
            y=[m[status.value] for m in report["months"]],
            name=html.escape(str(labels.get(status.value, status.value))),
            marker_color=COLOURS[status.value],
            hovertemplate="%{y}<extra>%{fullData.name}</extra>",
        )
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    fig.update_xaxes(type="category")
    last = report["months"][-1] if report["months"] else {}
    title = _(
        "Ideas at the end of each month, by status (n = %(n)s in the last month)",
        n=sum(last.get(s.value, 0) for s in STATUSES),
    )
    return _layout(fig, title, _("Ideas"), _("Month"))
