"""Plotly figures for the retention report. Each has a title with its sample size, axis units,
and the per-point sample size in its hover text.
"""

import plotly.graph_objects as go
from flask_babel import gettext as _

from ..charts import AMBER, BLUE, GREEN, RED, _layout

GREY = "#6c757d"
BAND_COLOURS = {"promoter": GREEN, "passive": GREY, "detractor": RED, "none": "#adb5bd"}


def band_label(band: str) -> str:
    """A readable NPS band name."""
    return {
        "promoter": _("Promoters (9–10)"),
        "passive": _("Passives (7–8)"),
        "detractor": _("Detractors (0–6)"),
        "none": _("No NPS answer"),
    }[band]


def renewal_churn(report: dict) -> go.Figure:
    """Renewal rate and monthly churn per month, each point with its n."""
    months = report["months"]
    x = [m["month"] for m in months]
    fig = go.Figure()
    fig.add_scatter(
        x=x,
        y=[m["renewal"]["value"] for m in months],
        name=_("Renewal rate %"),
        mode="lines+markers",
        line={"color": GREEN},
        customdata=[[m["renewal"]["renewed"], m["renewal"]["n"]] for m in months],
        hovertemplate=_("%{y:.1f} % (%{customdata[0]} of n=%{customdata[1]})") + "<extra></extra>",
    )
    fig.add_scatter(
        x=x,
        y=[m["churn"]["value"] for m in months],
        name=_("Churn rate %"),
        mode="lines+markers",
        line={"color": RED, "dash": "dot"},
        customdata=[[m["churn"]["churned"], m["churn"]["n"]] for m in months],
        yaxis="y2",
        hovertemplate=_("%{y:.1f} % (%{customdata[0]} of n=%{customdata[1]})") + "<extra></extra>",
    )
    title = _(
        "Renewal and churn per month (n = %(r)s renewal decisions, %(c)s customer-months)",
        r=report["renewal"]["n"],
        c=report["churn"]["n"],
    )
    fig = _layout(fig, title, _("Renewal rate (%)"), _("Month"), [0, 105])
    fig.update_layout(
        yaxis2={
            "title": {"text": _("Churn rate (%)"), "font": {"color": RED}},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "tickformat": ".1f",
            "ticksuffix": " %",
            "showgrid": False,
        },
        margin={"l": 60, "r": 60, "t": 50, "b": 50},
    )
    fig.update_xaxes(type="category")
    return fig


def cohort_heatmap(report: dict) -> go.Figure:
    """Share still active by signup month (rows) × months since signup (columns)."""
    rows = [r for r in report["cohorts"]["rows"] if r["customers"]]
    offsets = report["cohorts"]["offsets"]
    y = [f"{r['cohort']} (n={r['customers']}{' ⚠' if r['low_sample'] else ''})" for r in rows]
    z = [r["retention"] for r in rows]
    text = [[("" if v is None else f"{v:.0f}%") for v in r["retention"]] for r in rows]
    fig = go.Figure(
        go.Heatmap(
            x=[str(k) for k in offsets],
            y=y,
            z=z,
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=100,
            colorscale="Blues",
            colorbar={"title": {"text": "%"}},
            hoverongaps=False,
            hovertemplate="%{y}, "
            + _("month %{x}")
            + ": %{z:.1f} % "
            + _("still active")
            + "<extra></extra>",
        )
    )
    total = sum(r["customers"] for r in rows)
    title = _("Cohort retention (n = %(n)s customers; ⚠ = fewer than 5)", n=total)
    fig = _layout(fig, title, _("Signup month (customers)"), _("Months since signup (end of month)"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(height=max(260, 90 + 28 * len(rows)), hovermode="closest")
    return fig


def upgrade_funnel(report: dict) -> go.Figure:
    """Shared starters → on VPS or dedicated → on dedicated, for the 6- and the 12-month window.

    Each window only counts customers whose whole window has passed, so each has its own n.
    """
    up = report["upgrades"]
    fig = go.Figure()
    labels = [_("Started on shared"), _("On VPS or dedicated"), _("On dedicated")]
    for window, colour in (("within_6", BLUE), ("within_12", GREEN)):
        base = up["shared_to_vps_or_dedicated"][window]
        name = (
            _("Within 6 months (n = %(n)s)", n=base["n"])
            if window == "within_6"
            else _("Within 12 months (n = %(n)s)", n=base["n"])
        )
        fig.add_trace(
            go.Funnel(
                name=name,
                y=labels,
                x=[base["n"], base["moved"], up["shared_to_dedicated"][window]["moved"]],
                textinfo="value+percent initial",
                marker={"color": colour},
                hovertemplate="%{y}: %{x} "
                + _("customers")
                + " (%{percentInitial})<extra>%{fullData.name}</extra>",
            )
        )
    n6 = up["shared_to_vps_or_dedicated"]["within_6"]["n"]
    n12 = up["shared_to_vps_or_dedicated"]["within_12"]["n"]
    title = _("Upgrade funnel from shared (n = %(a)s at 6 months, %(b)s at 12 months)", a=n6, b=n12)
    fig = _layout(fig, title, "", _("Customers (count)"))
    fig.update_layout(hovermode="closest", funnelmode="group", margin={"l": 140, "r": 20, "t": 50, "b": 50})
    return fig


def mrr_movement(report: dict) -> go.Figure:
    """MRR lost (negative) and gained (positive) per month, with the retained share in the hover."""
    months = report["months"]
    x = [m["month"] for m in months]
    fig = go.Figure()
    for key, label, colour, sign in (
        ("gained_new", _("New"), BLUE, 1),
        ("gained_upgrade", _("Upgrades"), GREEN, 1),
        ("lost_downgrade", _("Downgrades"), AMBER, -1),
        ("lost_churn", _("Cancellations and lapses"), RED, -1),
    ):
        fig.add_bar(
            x=x,
            y=[sign * m["mrr"][key] for m in months],
            name=label,
            marker_color=colour,
            customdata=[
                [m["mrr"]["start"], m["mrr"]["subscriptions"], m["mrr"]["retained_pct"]] for m in months
            ],
            hovertemplate="%{y:,.2f} / "
            + _("month")
            + " · "
            + _("start %{customdata[0]:,.2f}, n=%{customdata[1]} subscriptions, retained %{customdata[2]} %")
            + "<extra>%{fullData.name}</extra>",
        )
    subs = sum(m["mrr"]["subscriptions"] for m in months)
    title = _("MRR movement per month (n = %(n)s subscription-months at month start)", n=subs)
    fig = _layout(fig, title, _("MRR change (currency per month)"), _("Month"))
    fig.update_layout(barmode="relative", hovermode="closest", height=360, legend={"y": -0.3})
    fig.update_xaxes(type="category")
    return fig


def satisfaction_split(report: dict) -> go.Figure:
    """Renewal and churn rates by NPS band and by breached follow-up, as grouped bars with n."""
    sat = report["satisfaction"]
    groups = [(band_label(r["band"]), r) for r in sat["by_nps"]]
    groups += [
        (_("Breached follow-up") if r["breached"] else _("No breached follow-up"), r)
        for r in sat["by_breach"]
    ]
    x = [g[0] for g in groups]
    fig = go.Figure()
    for key, label, colour in (("renewal", _("Renewal rate %"), GREEN), ("churn", _("Churn rate %"), RED)):
        fig.add_bar(
            x=x,
            y=[r[key]["value"] for _label, r in groups],
            name=label,
            marker_color=colour,
            text=[f"n={r[key]['n']}{' ⚠' if r[key]['low_sample'] else ''}" for _label, r in groups],
            textposition="outside",
            hovertemplate="%{x}: %{y:.1f} % (%{text})<extra>%{fullData.name}</extra>",
        )
    renewals = sum(r["renewal"]["n"] for r in sat["by_nps"])
    title = _("Renewal and churn by satisfaction (n = %(r)s renewal decisions; ⚠ = fewer than 5)", r=renewals)
    fig = _layout(fig, title, _("Rate (%)"), "", [0, 115])
    fig.update_layout(barmode="group", hovermode="closest", height=360)
    return fig
