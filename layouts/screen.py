"""The big screen: a dark, fixed 1920x1080 stage scaled to the wall, no controls in sight.

Every size here is in px of the 1080p stage; ``assets/screen.js`` scales the whole stage to
the window (a 3840x2160 wall gets exactly twice everything), so nothing reflows or scrolls.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from dashboard import ids
from dashboard.formats import fmt_hours, fmt_int, fmt_pct
from dashboard.i18n import t

INK = "#e8eef7"
MUTED = "#a9b8cf"
GRID = "rgba(169,184,207,0.18)"
ACCENT = "#5aa9ff"
GOOD = "#4cc38a"
FONT = "Noto Sans CJK SC, Microsoft YaHei, sans-serif"


def page(lang: str = "zh") -> html.Div:
    """The stage with its empty panels; callbacks fill them."""
    graph_config = {"displayModeBar": False, "staticPlot": False, "responsive": True}
    return html.Div(id=ids.Screen.STAGE, className="screen-stage", children=[
        dcc.Interval(id=ids.Screen.REFRESH, interval=60_000),
        dcc.Interval(id=ids.Screen.TOUR, interval=20_000, disabled=True),
        dcc.Interval(id=ids.Screen.CLOCK_TICK, interval=1_000),
        dcc.Store(id=ids.Screen.DATA_KEY),
        dcc.Store(id=ids.Screen.HEALTH),
        html.Header(className="screen-head", children=[
            html.Div(id=ids.Screen.TITLE, className="screen-title"),
            html.Div(id=ids.Screen.AREA, className="screen-area"),
            html.Div(id=ids.Screen.STATUS, className="screen-status"),
            html.Div(id=ids.Screen.CLOCK, className="screen-clock"),
        ]),
        html.Div(className="screen-body", children=[
            html.Section(className="screen-col", children=[
                html.Div(id=ids.Screen.KPIS, className="screen-kpis"),
                html.Div(className="screen-panel grow", children=[
                    html.H2(t("screen.trend", lang)),
                    dcc.Graph(id=ids.Screen.TREND, config=graph_config, className="screen-graph"),
                ]),
            ]),
            html.Section(className="screen-col center", children=[
                html.Div(className="screen-panel grow", children=[
                    html.H2(t("screen.map", lang)),
                    dcc.Graph(id=ids.Screen.MAP, config=graph_config, className="screen-graph"),
                ]),
            ]),
            html.Section(className="screen-col", children=[
                html.Div(id=ids.Screen.TIERS, className="screen-tiers"),
                html.Div(className="screen-panel", children=[
                    html.H2(t("screen.redlist", lang)),
                    html.Ol(id=ids.Screen.REDLIST, className="screen-redlist"),
                ]),
                html.Div(className="screen-panel grow", children=[
                    html.H2(t("screen.spread", lang)),
                    dcc.Graph(id=ids.Screen.SPREAD, config=graph_config,
                              className="screen-graph"),
                ]),
            ]),
        ]),
    ])


def kpi_tiles(kpis: dict[str, float], last24: int, at_risk: int, lang: str) -> list[object]:
    tiles = [
        ("last24", fmt_int(last24, lang), t("unit.cases", lang), ""),
        ("open", fmt_int(kpis["open_now"], lang), t("unit.cases", lang), ""),
        ("overdue", fmt_int(kpis["overdue_now"], lang), t("unit.cases", lang),
         "alert" if kpis["overdue_now"] else ""),
        ("at_risk", fmt_int(at_risk, lang), t("unit.cases", lang), "warn" if at_risk else ""),
        ("sla", fmt_pct(kpis["within_sla_rate"]), "%", ""),
        ("median", fmt_hours(kpis["median_hours"]), t("unit.hours", lang), ""),
    ]
    return [html.Div(className=f"screen-kpi {tone}".strip(), children=[
        html.Div(t(f"screen.kpi.{key}", lang), className="screen-kpi-label"),
        html.Div([html.Span(value, className="screen-kpi-value", **{"data-screen-kpi": key}),
                  html.Span(unit, className="screen-kpi-unit")]),
    ]) for key, value, unit, tone in tiles]


def _dark_layout(fig: go.Figure) -> go.Figure:
    fig.update_layout(
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "size": 18, "color": INK},
        margin={"l": 56, "r": 16, "t": 8, "b": 40},
        legend={"orientation": "h", "y": 1.02, "x": 0, "font": {"size": 18}},
        xaxis={"gridcolor": GRID, "tickfont": {"size": 18, "color": MUTED}},
        yaxis={"gridcolor": GRID, "tickfont": {"size": 18, "color": MUTED}, "rangemode": "tozero"},
    )
    return fig


def trend_figure(daily: pd.DataFrame, lang: str) -> go.Figure:
    """Bars of cases reported per day and a line of those already resolved."""
    fig = go.Figure()
    fig.add_bar(x=daily["day"], y=daily["cases"], name=t("screen.trend.cases", lang),
                marker_color=ACCENT, opacity=0.85)
    fig.add_scatter(x=daily["day"], y=daily["resolved"], name=t("screen.trend.resolved", lang),
                    mode="lines", line={"color": GOOD, "width": 3})
    fig.update_xaxes(tickformat="%m-%d")
    return _dark_layout(fig)


def spread_figure(months: Sequence[str], gini: Sequence[float], lang: str) -> go.Figure:
    """The Gini coefficient of branch coverage month by month: a rising line is the widening
    gap (Matthew effect)."""
    fig = go.Figure()
    if len(gini):
        fig.add_scatter(x=list(months), y=list(gini), mode="lines+markers",
                        name=t("screen.spread.gini", lang),
                        line={"color": "#ff8a65", "width": 4}, marker={"size": 7})
        fig.add_annotation(x=months[-1], y=gini[-1], text=f"{gini[-1]:.3f}", showarrow=False,
                           yshift=24, font={"size": 22, "color": INK})
    else:
        fig.add_annotation(text=t("screen.spread.none", lang), showarrow=False,
                           font={"size": 20, "color": MUTED})
    fig = _dark_layout(fig)
    fig.update_layout(showlegend=False)
    fig.update_xaxes(tickformat="%Y-%m")
    return fig


def tier_tiles(counts: dict[str, int], lang: str) -> list[object]:
    return [html.Div(className=f"screen-tier tier-{tier}", children=[
        html.Span(t(f"tier.{tier}", lang), className="screen-tier-word"),
        html.Span(fmt_int(counts.get(tier, 0)), className="screen-tier-count",
                  **{"data-screen-tier": tier}),
    ]) for tier in ("red", "yellow", "blue")]


def red_list(rows: pd.DataFrame, lang: str, limit: int = 7) -> list[object]:
    if rows.empty:
        return [html.Li(t("screen.redlist.none", lang), className="none")]
    items = []
    for r in rows.head(limit).to_dict("records"):
        reason = r["reasons"][0][f"reason_{lang}"] if r["reasons"] else ""
        items.append(html.Li([html.Span(t("tier.red", lang), className="screen-red-word"),
                              html.Span(r["name"], className="screen-red-name"),
                              html.Span(reason, className="screen-red-reason")]))
    return items
