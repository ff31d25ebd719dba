"""Plotly figures from the report dicts. Every chart has a title, axis units and its sample sizes."""

import html

import plotly.graph_objects as go
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from plotly.io.json import to_json_plotly

from ..core.templating import PLAN_LABELS, PRIORITY_LABELS, is_rtl
from ..surveys.labels import category_name
from .queries import UNCATEGORISED

PRIORITY_COLOURS = {"critical": "#dc3545", "high": "#fd7e14", "normal": "#6c757d"}
BLUE, GREEN, RED, AMBER = "#0d6efd", "#198754", "#dc3545", "#ffc107"


def _embedded_rtl(text: str) -> str:
    """``text`` as a right-to-left run (RLE … PDF) inside a left-to-right drawing."""
    return f"\u202b{text}\u202c" if text else text


def _layout(fig: go.Figure, title: str, y_title: str, x_title: str = "", y_range=None) -> go.Figure:
    # In Arabic the title and legend start on the right; time still runs left to right, as
    # Arabic dashboards draw it, so the axes stay where they are.
    rtl = is_rtl()
    start = {"x": 1, "xanchor": "right"} if rtl else {"x": 0, "xanchor": "left"}
    if rtl:  # the SVG is drawn left to right: embed each text as right-to-left
        title, y_title, x_title = (_embedded_rtl(t) for t in (title, y_title, x_title))
    fig.update_layout(
        title={"text": title, "font": {"size": 15}, **start},
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        height=320,
        template="plotly_white",
        legend={"orientation": "h", "y": -0.2, **start},
        hovermode="x unified",
    )
    fig.update_yaxes(title_text=y_title, range=y_range, title_standoff=14, automargin=True)
    fig.update_xaxes(title_text=x_title)
    return fig


def to_html(fig: go.Figure, div_id: str) -> Markup:
    """The figure as an empty div and its JSON in a ``<script type="application/json">`` block,
    which static/js/charts.js draws once plotly.js (and its locale, reports/_plotly.html) has
    loaded from our static files. Axis dates are named in the page's language.

    Not ``fig.to_html``: that writes an inline script calling ``Plotly.newPlot``, which the
    Content-Security-Policy refuses; a data block is never run, so it needs no exception.
    """
    figure = fig.to_plotly_json()
    config = {"displaylogo": False, "responsive": True, "locale": get_locale().language}
    spec = {"data": figure["data"], "layout": figure["layout"], "config": config}
    # <, > and & only ever occur inside JSON strings, where their \u escapes mean the same
    # thing; escaped, no label can close the <script> block early.
    payload = to_json_plotly(spec).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(
        f'<div id="{div_id}" class="kt-chart" data-figure="{div_id}-figure"></div>'
        f'<script type="application/json" id="{div_id}-figure">{payload}</script>'
    )


def _priority_label(priority: str) -> str:
    return str(PRIORITY_LABELS.get(priority, priority))


def _period_label(granularity: str) -> str:
    return _("Week starting") if granularity == "week" else _("Month")


def satisfaction_trend(report: dict) -> go.Figure:
    """CSAT % and NPS over time; hover shows each period's sample size."""
    trend = report["trend"]
    x = [t["period_start"] for t in trend]
    fig = go.Figure()
    fig.add_scatter(
        x=x,
        y=[t["csat"]["value"] for t in trend],
        name=_("CSAT %"),
        mode="lines+markers",
        line={"color": BLUE},
        customdata=[t["csat"]["n"] for t in trend],
        hovertemplate="%{y:.1f} % (n=%{customdata})<extra>" + _("CSAT") + "</extra>",
    )
    fig.add_scatter(
        x=x,
        y=[t["nps"]["value"] for t in trend],
        name=_("NPS"),
        mode="lines+markers",
        line={"color": GREEN, "dash": "dot"},
        customdata=[t["nps"]["n"] for t in trend],
        hovertemplate="%{y} (n=%{customdata})<extra>" + _("NPS") + "</extra>",
    )
    n = report["csat"]["n"]
    if report["period"]["granularity"] == "week":
        title = _("CSAT %% and NPS per week (n = %(n)s ratings)", n=n)
    else:
        title = _("CSAT %% and NPS per month (n = %(n)s ratings)", n=n)
    return _layout(
        fig,
        title,
        _("CSAT % (0–100) · NPS (−100…100)"),
        _period_label(report["period"]["granularity"]),
        [-100, 100],
    )


def volume(report: dict) -> go.Figure:
    """Ratings received per period."""
    trend = report["trend"]
    fig = go.Figure(
        go.Bar(
            x=[t["period_start"] for t in trend],
            y=[t["responses"]["n"] for t in trend],
            marker_color=BLUE,
            hovertemplate=_("%{y} ratings") + "<extra></extra>",
        )
    )
    title = _("Ratings received (n = %(n)s)", n=report["responses"]["n"])
    return _layout(fig, title, _("Ratings (count)"), _period_label(report["period"]["granularity"]))


def category_label(name: str) -> str:
    """A category as charts show it: stored names are translated where the catalogue has them
    (the default categories), ratings without a category are "Uncategorised", and a name a
    manager typed is escaped (plotly draws a few HTML tags in labels: a typed <a> became a link)."""
    return html.escape(_("Uncategorised") if name == UNCATEGORISED else category_name(name))


def _bar_text(figure: dict) -> str:
    """A CSAT % bar's label: the value and its n, and a warning when the sample is small."""
    if figure["value"] is None:
        return f"n={figure['n']}"
    value = f"{figure['value']:.1f}"
    if figure["low_sample"]:
        return _("%(value)s %% (n=%(n)s, low sample)", value=value, n=figure["n"])
    return f"{value} % (n={figure['n']})"


def _plan_label(plan: str) -> str:
    # "none": ratings from customers the billing records have no plan for yet (a new sign-up).
    return _("No plan yet") if plan == "none" else str(PLAN_LABELS.get(plan, plan))


def csat_breakdown(rows: list[dict], key: str, title: str) -> go.Figure:
    """Horizontal bars of CSAT % per category or plan, each labelled with its n."""
    labels = [_plan_label(r[key]) if key == "plan" else category_label(r[key]) for r in rows]
    values = [r["csat"]["value"] for r in rows]
    low = [r["csat"]["low_sample"] for r in rows]  # fewer than metrics.LOW_SAMPLE ratings
    text = [_bar_text(r["csat"]) for r in rows]
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=values,
            orientation="h",
            marker_color=[AMBER if flagged else BLUE for flagged in low],
            text=text,
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    fig = _layout(fig, title, "", _("CSAT % (0–100)"))
    fig.update_xaxes(range=[100, 0] if is_rtl() else [0, 100])  # bars grow from the start
    if is_rtl():  # names on the right, bars growing leftwards; plotly leaves the names too little room
        fig.update_yaxes(side="right")
        fig.update_layout(margin={"l": 20, "r": 130})
    fig.update_layout(height=max(220, 60 + 40 * len(rows)), hovermode="closest")
    return fig


def response_times(report: dict) -> go.Figure:
    """Median and p90 first-response and resolution hours per priority."""
    rows = report["by_priority"]
    x = [_priority_label(r["priority"]) for r in rows]
    fig = go.Figure()
    for metric, label, colour in (
        ("first_response", _("First response"), BLUE),
        ("resolution", _("Resolution"), GREEN),
    ):
        for stat, opacity, name in (
            ("median_hours", 1.0, _("%(series)s · median", series=label)),
            ("p90_hours", 0.45, _("%(series)s · p90", series=label)),
        ):
            fig.add_bar(
                x=x,
                y=[r[metric][stat] for r in rows],
                name=name,
                marker={"color": colour, "opacity": opacity},
                customdata=[r[metric]["n"] for r in rows],
                hovertemplate=_("%{y:.1f} h (n=%{customdata})") + "<extra>%{fullData.name}</extra>",
            )
    title = _(
        "Response and resolution time by priority (n = %(n)s follow-ups)", n=report["followups_created"]
    )
    fig = _layout(fig, title, _("Hours"), _("Priority"))
    fig.update_layout(barmode="group", hovermode="closest")
    return fig


def sla_compliance(report: dict) -> go.Figure:
    """Share of deadlines met, per priority, for first response and resolution."""
    rows = report["sla_compliance"]["by_priority"]
    x = [_priority_label(r["priority"]) for r in rows]
    fig = go.Figure()
    for metric, label, colour in (
        ("first_response", _("First response"), BLUE),
        ("resolution", _("Resolution"), GREEN),
    ):
        fig.add_bar(
            x=x,
            y=[r[metric]["value"] for r in rows],
            name=label,
            marker_color=colour,
            text=[f"{r[metric]['met']}/{r[metric]['n']}" for r in rows],
            textposition="outside",
            hovertemplate=_("%{y:.1f} % met (%{text})") + "<extra>%{fullData.name}</extra>",
        )
    total = report["sla_compliance"]["first_response"]["n"]
    title = _("SLA compliance by priority (n = %(n)s first-response deadlines)", n=total)
    fig = _layout(fig, title, _("Deadlines met (%)"), _("Priority"), [0, 110])
    fig.update_layout(barmode="group", hovermode="closest")
    return fig


def backlog(report: dict) -> go.Figure:
    """Open follow-ups per priority, split into overdue, at risk and on track."""
    rows = report["backlog"]["by_priority"]
    x = [_priority_label(r["priority"]) for r in rows]
    fig = go.Figure()
    for key, label, colour in (("overdue", _("Overdue"), RED), ("at_risk", _("At risk"), AMBER)):
        fig.add_bar(x=x, y=[r[key] for r in rows], name=label, marker_color=colour)
    fig.add_bar(
        x=x,
        y=[r["total"] - r["overdue"] - r["at_risk"] for r in rows],
        name=_("On track"),
        marker_color=GREEN,
    )
    title = _("Open backlog now (n = %(n)s follow-ups)", n=report["backlog"]["total"])
    fig = _layout(fig, title, _("Follow-ups (count)"), _("Priority"))
    fig.update_layout(barmode="stack", hovermode="closest")
    return fig
