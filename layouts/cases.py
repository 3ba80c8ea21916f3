"""The case-resolution page: KPI cards with comparisons, figures, tables and definitions.

Pure builders: frames in, components and plotly figures out. Every panel here can be reused
by the overview and the big screen (pass ``height`` / ``font_size`` for a larger screen).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dash_table, dcc, html

from dashboard import ids
from dashboard.formats import fmt_hours, fmt_int, fmt_pct, is_missing
from dashboard.i18n import t
from layouts.components import GRAPH_CONFIG, MUTED, OVERDUE, numeric_column, unchecked_figure
from layouts.export import chart_links

FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
INK = "#1b2430"
GRID = "#e3e8ef"
ACCENT = "#1f5fa8"  # within SLA, medians
SOFT = "#9db7d9"  # volumes
LATE = "#c8642a"  # late / overdue (orange: apart from blue for colour-blind readers)
SELECTED = "#0b2545"
HEAT = [[0.0, "#f4f7fb"], [0.35, "#b9cde6"], [0.7, "#5b8cc4"], [1.0, "#1b4f8f"]]

#: KPI cards in three groups; "closed is not fixed": quality sits beside completion.
KPI_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("volume", ("cases", "open_now", "overdue_now")),
    ("quality", ("completion_rate", "reopen_rate", "low_satisfaction_rate",
                 "mean_satisfaction")),
    ("speed", ("within_sla_rate", "median_hours", "p90_hours")),
)
#: kind (int | pct | hours | score) and which direction is better (None: neither).
KPI_KINDS: dict[str, tuple[str, str | None]] = {
    "cases": ("int", None), "open_now": ("int", "down"), "overdue_now": ("int", "down"),
    "completion_rate": ("pct", "up"), "reopen_rate": ("pct", "down"),
    "low_satisfaction_rate": ("pct", "down"), "mean_satisfaction": ("score", "up"),
    "within_sla_rate": ("pct", "up"), "median_hours": ("hours", "down"),
    "p90_hours": ("hours", "down"),
}
UNITS = {"int": "unit.cases", "pct": "unit.percent", "hours": "unit.hours",
         "score": "cases.unit.score"}
#: Definitions: metric label key, formula key, numerator key, denominator key.
DEFINITIONS: tuple[tuple[str, str, str, str], ...] = (
    ("cases.kpi.cases", "cases.defs.cases", "cases.defs.cases", "cases.defs.cases.den"),
    ("cases.kpi.open_now", "cases.defs.open_now", "cases.defs.open_now", "cases.defs.cases.den"),
    ("cases.kpi.overdue_now", "cases.defs.overdue_now", "cases.defs.overdue_now",
     "cases.defs.cases.den"),
    ("cases.kpi.completion_rate", "cases.defs.completion_rate",
     "cases.defs.completion_rate.num", "cases.defs.reported"),
    ("cases.kpi.reopen_rate", "cases.defs.reopen_rate", "cases.defs.reopen_rate.num",
     "cases.defs.reported"),
    ("cases.kpi.low_satisfaction_rate", "cases.defs.low_satisfaction_rate",
     "cases.defs.low_satisfaction_rate.num", "cases.defs.rated"),
    ("cases.kpi.mean_satisfaction", "cases.defs.mean_satisfaction",
     "cases.defs.mean_satisfaction.num", "cases.defs.rated"),
    ("cases.kpi.within_sla_rate", "cases.defs.within_sla_rate",
     "cases.defs.within_sla_rate.num", "cases.defs.reported"),
    ("cases.kpi.median_hours", "cases.defs.median_hours", "cases.defs.hours.num",
     "cases.defs.cases.den"),
    ("cases.kpi.p90_hours", "cases.defs.p90_hours", "cases.defs.hours.num",
     "cases.defs.cases.den"),
    ("cases.defs.stage", "cases.defs.stage.formula", "cases.defs.stage.num",
     "cases.defs.cases.den"),
)
DEFINITION_OF = {row[0].removeprefix("cases.kpi."): row for row in DEFINITIONS}
STAGE_NAMES: tuple[str, ...] = ("accept", "dispatch", "resolve", "close")
RISK_HOURS: tuple[int, ...] = (4, 8, 24, 48)
#: Rows of a case list sent to the page (most urgent first); the CSV download holds them all.
SCREEN_ROWS = 200
DEFAULT_RISK_HOURS = 24


# --- page skeletons ---------------------------------------------------------------------

def _graph(graph_id: str, height: int) -> dcc.Graph:
    return dcc.Graph(id=graph_id, config=GRAPH_CONFIG, className="cases-graph",
                     style={"height": f"{height}px"})


def _head(title: str, *controls: object) -> html.Div:
    return html.Div(className="cases-panel-head", children=[
        html.H2(title, className="panel-title"), *controls])


def _card(title: str, *body: object, class_name: str = "", controls: Sequence[object] = ()
          ) -> html.Section:
    return html.Section(className=f"panel cases-panel {class_name}".strip(),
                        children=[_head(title, *controls), *body])


def filter_bar(lang: str) -> html.Div:
    """Category (major, minor) and source pickers; their values come from the URL."""
    def field(label_key: str, cid: str) -> html.Div:
        return html.Div(className="cases-filter", children=[
            html.Label(t(label_key, lang), htmlFor=cid),
            dcc.Dropdown(id=cid, clearable=True, searchable=True,
                         placeholder=t("cases.filter.all", lang), className="cases-dropdown"),
        ])
    return html.Div(className="cases-filters", children=[
        field("cases.filter.major", ids.Cases.MAJOR),
        field("cases.filter.minor", ids.Cases.MINOR),
        field("cases.filter.source", ids.Cases.SOURCE),
        dcc.Link(t("cases.defs_link", lang), href="/cases/definitions",
                 className="cases-defs-link"),
    ])


def page(lang: str = "zh") -> html.Div:
    """The case-resolution page; figures arrive through callbacks."""
    radio = {"inline": True, "className": "cases-radio", "inputClassName": "me-1",
             "labelClassName": "me-3"}
    return html.Div(className="page cases", children=[
        html.H1(id=ids.Cases.HEADING, className="page-heading"),
        filter_bar(lang),
        html.P(id=ids.Cases.FILTER_NOTE, className="cases-filter-note"),
        html.Section(className="panel cases-kpi-panel", children=[
            html.Div(id=ids.Cases.KPIS, className="cases-kpi-groups"),
            html.Div(className="cases-kpi-group group-stages", children=[
                html.Div(className="cases-kpi-group-title figure-head", children=[
                    t("cases.stages", lang), chart_links("stages", lang)]),
                _graph(ids.Cases.STAGES, 190)]),
        ]),
        html.Div(className="cases-row", children=[
            _card(t("cases.histogram", lang), _graph(ids.Cases.HISTOGRAM, 320),
                  html.P(t("cases.histogram.note", lang), className="cases-note"),
                  controls=[chart_links("histogram", lang)]),
            _card(t("cases.backlog", lang), _graph(ids.Cases.BACKLOG, 320),
                  html.P(t("cases.now_note", lang), className="cases-note"),
                  controls=[chart_links("backlog", lang)]),
        ]),
        _card(t("cases.trend", lang), _graph(ids.Cases.TREND, 300), controls=[
            dcc.RadioItems(id=ids.Cases.GRAIN, value="day", options=[
                {"label": t(f"cases.grain.{g}", lang), "value": g}
                for g in ("day", "week", "month")], **radio), chart_links("trend", lang)]),
        html.Div(className="cases-row", children=[
            _card(t("cases.category", lang), _graph(ids.Cases.CATEGORY, 520),
                  html.P(id=ids.Cases.CATEGORY_NOTE, className="cases-note"),
                  controls=[chart_links("categories", lang)]),
            html.Div(className="cases-stack", children=[
                _card(t("cases.source_mix", lang), _graph(ids.Cases.SOURCE_MIX, 220),
                      controls=[chart_links("sources", lang)]),
                _card(t("cases.heatmap", lang), _graph(ids.Cases.HEATMAP, 250),
                      controls=[chart_links("heatmap", lang)]),
            ]),
        ]),
        _card(t("cases.groups", lang), html.Div(id=ids.Cases.GROUP_TABLE), controls=[
            dcc.RadioItems(id=ids.Cases.STAGE_BY, value="child", options=[
                {"label": t(f"cases.by.{b}", lang), "value": b} for b in ("child", "unit")],
                **radio)]),
        _card(t("cases.overdue", lang),
              html.P(id=ids.Cases.OVERDUE_COUNT, className="cases-note"),
              html.Div(id=ids.Cases.OVERDUE),
              controls=[html.Button(t("cases.download", lang), id=ids.Cases.DOWNLOAD_BUTTON,
                                    n_clicks=0, className="btn btn-outline-primary btn-sm"),
                        dcc.Download(id=ids.Cases.DOWNLOAD)]),
        _card(t("cases.risk", lang), html.Div(id=ids.Cases.RISK), controls=[
            html.Label(t("cases.risk.hours", lang), htmlFor=ids.Cases.RISK_HOURS,
                       className="cases-inline-label"),
            dcc.Dropdown(id=ids.Cases.RISK_HOURS, value=DEFAULT_RISK_HOURS, clearable=False,
                         searchable=False, className="cases-risk-hours",
                         options=[{"label": t("cases.risk.option", lang, h=h), "value": h}
                                  for h in RISK_HOURS])]),
    ])


def definitions_page(lang: str = "zh") -> html.Div:
    """The definitions page; its table arrives through a callback (it names the sample)."""
    return html.Div(className="page cases-defs", children=[
        html.H1(t("cases.defs_heading", lang), className="page-heading"),
        html.P(t("cases.defs.intro", lang), className="cases-defs-intro"),
        html.Div(id=ids.Cases.DEFINITIONS),
        dcc.Link(t("cases.back_link", lang), href="/cases", className="cases-defs-link"),
    ])


def definitions_table(lang: str, min_sample: int) -> html.Table:
    """Each metric with its formula, numerator and denominator."""
    head = html.Thead(html.Tr([html.Th(t(f"cases.defs.col.{c}", lang)) for c in
                               ("metric", "formula", "numerator", "denominator")]))
    rows = [html.Tr([html.Th(t(label, lang), scope="row"), html.Td(t(formula, lang)),
                     html.Td(t(num, lang)), html.Td(t(den, lang))],
                    **{"data-metric": label})
            for label, formula, num, den in DEFINITIONS]
    for label, formula in (("cases.defs.compare", "cases.defs.compare.formula"),
                           ("cases.defs.small", "cases.defs.small.formula"),
                           ("cases.defs.filters", "cases.defs.filters.formula")):
        text = t(formula, lang, n=min_sample) if "{n}" in t(formula, "en") else t(formula, lang)
        note = t("cases.defs.compare.note", lang) if label == "cases.defs.compare" else ""
        rows.append(html.Tr([html.Th(t(label, lang), scope="row"),
                             html.Td(f"{text} {note}".strip(), colSpan=3)],
                            **{"data-metric": label}))
    return html.Table([head, html.Tbody(rows)], className="table cases-defs-table")


# --- KPI cards --------------------------------------------------------------------------

def format_value(name: str, value: float | None, lang: str) -> str:
    kind = KPI_KINDS[name][0]
    if kind == "int":
        return fmt_int(value, lang)
    if kind == "pct":
        return fmt_pct(value)
    if kind == "score":
        return "—" if is_missing(value) else f"{float(value):.2f}"  # type: ignore[arg-type]
    return fmt_hours(value)


def delta(name: str, current: float | None, before: float | None, lang: str
          ) -> tuple[str, str]:
    """The change of KPI ``name`` from ``before`` to ``current``: text and tone.

    Counts change in per cent, rates in percentage points, hours in hours, scores in points.
    Tone is ``better``, ``worse``, ``neutral`` or ``none``; the text always carries the sign
    and an arrow, so the colour is never the only cue.
    """
    kind, good = KPI_KINDS[name]
    if is_missing(current) or is_missing(before):
        return t("cases.delta.none", lang), "none"
    cur, old = float(current), float(before)  # type: ignore[arg-type]
    if kind == "int":
        if old == 0:
            return t("cases.delta.none", lang), "none"
        diff, key, digits = (cur - old) / old * 100, "cases.delta.pct", 1
    elif kind == "pct":
        diff, key, digits = (cur - old) * 100, "cases.delta.pp", 1
    elif kind == "hours":
        diff, key, digits = cur - old, "cases.delta.hours", 1
    else:
        diff, key, digits = cur - old, "cases.delta.score", 2
    if round(diff, digits) == 0:
        return t("cases.delta.flat", lang), "neutral"
    arrow = "▲" if diff > 0 else "▼"
    text = arrow + " " + t(key, lang, sign="+" if diff > 0 else "−",
                           value=f"{abs(diff):.{digits}f}")
    if good is None:
        return text, "neutral"
    better = (diff > 0) == (good == "up")
    return text, "better" if better else "worse"


def kpi_tooltip(name: str, lang: str) -> str:
    label, formula, num, den = DEFINITION_OF[name]
    def line(head: str, text: str) -> str:
        return t("cases.tooltip.line", lang, head=head, text=text)

    parts = [line(t(label, lang), t(formula, lang)),
             line(t("cases.defs.col.numerator", lang), t(num, lang))]
    if t(den, "en") != "—":
        parts.append(line(t("cases.defs.col.denominator", lang), t(den, lang)))
    return "\n".join(parts)


def kpi_card(name: str, comparison: dict[str, dict[str, float]], lang: str) -> html.Div:
    """One KPI: label, figure, unit, then its two comparison lines; raw number in data-value."""
    value = comparison["current"].get(name)
    kind = KPI_KINDS[name][0]
    tone = " tone-alert" if name == "overdue_now" and (value or 0) > 0 else ""
    lines = []
    for period in ("previous", "year_ago"):
        text, mood = delta(name, value, comparison.get(period, {}).get(name), lang)
        mood_text = t(f"cases.delta.{mood}", lang) if mood in ("better", "worse") else ""
        lines.append(html.Div(className=f"cases-delta delta-{mood}", title=mood_text or None,
                              children=[html.Span(t(f"cases.vs.{period}", lang),
                                                  className="delta-label"),
                                        html.Span(text, className="delta-value",
                                                  **{"data-delta": f"{name}.{period}"})]))
    raw = "" if is_missing(value) else repr(float(value))  # type: ignore[arg-type]
    return html.Div(className=f"kpi-card cases-kpi{tone}", title=kpi_tooltip(name, lang),
                    children=[
        html.Div(t(f"cases.kpi.{name}", lang), className="kpi-label"),
        html.Div(className="kpi-figure", children=[
            html.Span(format_value(name, value, lang), className="kpi-value",
                      **{"data-case-kpi": name, "data-value": raw}),
            html.Span(t(UNITS[kind], lang), className="kpi-unit"),
        ]),
        *lines,
    ])


def kpi_groups(comparison: dict[str, dict[str, float]], lang: str) -> list[html.Div]:
    """The KPI cards in their three groups (volume, quality, speed)."""
    return [html.Div(className=f"cases-kpi-group group-{group}", children=[
        html.Div(t(f"cases.group.{group}", lang), className="cases-kpi-group-title"),
        html.Div(className="cases-kpi-cards",
                 children=[kpi_card(n, comparison, lang) for n in names]),
    ]) for group, names in KPI_GROUPS]


def filter_note(labels: Sequence[str], lang: str) -> str:
    if not labels:
        return t("cases.filter.note", lang, filters=t("cases.filter.none", lang))
    return t("cases.filter.note", lang, filters=t("cases.filter.sep", lang).join(labels))


# --- figures ----------------------------------------------------------------------------

#: Every axis of the case charts: the light grid, no zero line, room for long labels.
AXIS: dict[str, object] = {"gridcolor": GRID, "zeroline": False, "automargin": True}


def _figure(data: list[dict[str, Any]], *, font_size: int = 14, legend: bool = False,
            margin: dict[str, int] | None = None, xaxis: dict[str, Any] | None = None,
            yaxis: dict[str, Any] | None = None, legend_extra: dict[str, Any] | None = None,
            **layout: Any) -> go.Figure:
    """A case chart from plain trace dicts and the house layout.

    Written as dicts, not through plotly's property objects: validating the layout took
    15 ms a chart, more than the query behind most of them. The unit tests put every
    chart through plotly's strict validation (``tests/unit/test_case_figures.py``).
    """
    spec = {"data": data, "layout": {
        "font": {"family": FONT, "size": font_size, "color": INK},
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": margin or {"l": 10, "r": 16, "t": 10, "b": 10}, "showlegend": legend,
        "hoverlabel": {"font": {"family": FONT, "size": font_size}}, "bargap": 0.25,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left",
                   "x": 0, "font": {"size": font_size}, **(legend_extra or {})},
        "separators": ".,",
        "xaxis": {**AXIS, **(xaxis or {})}, "yaxis": {**AXIS, **(yaxis or {})},
        **layout,
    }}
    return unchecked_figure(spec)


def empty_figure(text: str, font_size: int = 15) -> go.Figure:
    note = {"text": text, "showarrow": False, "font": {"size": font_size, "color": MUTED},
            "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}
    return _figure([], xaxis={"visible": False}, yaxis={"visible": False}, annotations=[note])


def stage_figure(stages: pd.DataFrame, lang: str, font_size: int = 14) -> go.Figure:
    """Median hours of each step as horizontal bars, top to bottom in case order.

    ``stages``: stage, n, out_of_order, median_hours (see fetch_stage_medians).
    """
    frame = stages.set_index("stage").reindex(list(STAGE_NAMES))
    medians = frame["median_hours"].astype(float)
    labels = [t(f"cases.stage.{s}", lang) for s in STAGE_NAMES]
    text = ["—" if math.isnan(v) else f"{fmt_hours(v)} {t('unit.hours', lang)}"
            for v in medians]
    hover = [t("cases.stage.hover", lang, stage=lab, value=fmt_hours(v), n=fmt_int(n, lang))
             for lab, v, n in zip(labels, medians, frame["n"], strict=True)]
    colours = [LATE if (not math.isnan(v) and v == medians.max()) else ACCENT for v in medians]
    top = float(medians.max()) if medians.notna().any() else 1.0
    bar = {"type": "bar", "x": medians.fillna(0).tolist(), "y": labels, "orientation": "h",
           "text": text, "textposition": "outside", "cliponaxis": False,
           "marker": {"color": colours}, "hovertext": hover, "hoverinfo": "text",
           "textfont": {"size": font_size}}
    return _figure([bar], font_size=font_size,
                   xaxis={"range": [0, top * 1.3], "ticksuffix": " " + t("unit.hours", lang)},
                   yaxis={"autorange": "reversed", "showgrid": False})


def bin_label(lo: float, hi: float, lang: str) -> str:
    """A resolution-time bin in the reader's unit: minutes, hours or days."""
    if lo == 0:
        return t("cases.bin.under", lang, hi=f"{hi * 60:g}")
    if math.isinf(hi):
        return t("cases.bin.over", lang, lo=f"{lo / 24:g}")
    if hi <= 1:
        return t("cases.bin.minutes", lang, lo=f"{lo * 60:g}", hi=f"{hi * 60:g}")
    if hi <= 24:
        return t("cases.bin.hours", lang, lo=f"{lo:g}", hi=f"{hi:g}")
    return t("cases.bin.days", lang, lo=f"{lo / 24:g}", hi=f"{hi / 24:g}")


def sla_position(sla: float, edges: Sequence[float]) -> float:
    """Where ``sla`` hours falls on the category axis of the bins (log-interpolated)."""
    bounds = [0.0, *edges]
    for i in range(1, len(bounds)):
        lo, hi = bounds[i - 1], bounds[i]
        if sla <= hi:
            if lo <= 0:
                return i - 1.0
            return i - 1.5 + (math.log(sla) - math.log(lo)) / (math.log(hi) - math.log(lo))
    return len(edges) - 0.5


def _bar(x: list[Any], y: list[Any], name: str, colour: str, hover: str) -> dict[str, Any]:
    return {"type": "bar", "x": x, "y": y, "name": name, "marker": {"color": colour},
            "hovertemplate": hover}


#: Hover of a bar of a category axis: "label: value (series)".
BAR_HOVER = "%{x}: %{y}<extra>%{fullData.name}</extra>"


def histogram_figure(bins: pd.DataFrame, slas: pd.DataFrame, lang: str,
                     font_size: int = 14, max_slas: int = 3) -> go.Figure:
    """Stacked bars of resolved cases per log-spaced bin, within SLA and late, with the
    most common time limits as dashed lines.

    ``bins``: bin, lo, hi, within, late; ``slas``: sla_hours, cases (see fetch_histogram).
    """
    if int(bins["within"].sum() + bins["late"].sum()) == 0:
        return empty_figure(t("value.none", lang))
    labels = [bin_label(lo, hi, lang) for lo, hi in zip(bins["lo"], bins["hi"], strict=True)]
    data = [_bar(labels, bins["within"].tolist(), t("cases.histogram.within", lang), ACCENT,
                 BAR_HOVER),
            _bar(labels, bins["late"].tolist(), t("cases.histogram.late", lang), LATE,
                 BAR_HOVER)]
    total = float(slas["cases"].sum()) or 1.0
    edges = [float(h) for h in bins["hi"] if not math.isinf(h)]
    shown = list(zip(slas["sla_hours"][:max_slas], slas["cases"][:max_slas], strict=True))
    line = {"color": INK, "dash": "dash", "width": 1.2}
    shapes, notes = [], []
    for sla, _ in shown:
        x = sla_position(float(sla), edges)
        shapes.append({"type": "line", "xref": "x", "yref": "y domain", "x0": x, "x1": x,
                       "y0": 0, "y1": 1, "line": line})
        notes.append({"x": x, "y": 1.0, "yref": "paper", "yanchor": "top", "showarrow": False,
                      "text": t("cases.histogram.sla_short", lang, h=f"{sla:g}"),
                      "font": {"size": font_size - 2, "color": INK},
                      "bgcolor": "rgba(255,255,255,0.9)"})
    if shown:  # one legend entry names the limits and the share of cases under each
        data.append({"type": "scatter", "x": [None], "y": [None], "mode": "lines",
                     "line": line, "name": t("cases.histogram.slas", lang, limits=t(
                         "cases.filter.sep", lang).join(
                         t("cases.histogram.sla", lang, h=f"{sla:g}",
                           share=f"{n / total * 100:.0f}") for sla, n in shown))})
    top = float((bins["within"] + bins["late"]).max())
    return _figure(data, font_size=font_size, legend=True,
                   margin={"l": 10, "r": 10, "t": 64, "b": 10},
                   legend_extra={"traceorder": "normal"}, barmode="stack",
                   xaxis={"title": {"text": t("cases.histogram.x", lang)}, "tickangle": -35,
                          "showgrid": False},
                   yaxis={"title": {"text": t("cases.cases_axis", lang)}, "range": [0, top * 1.2]},
                   shapes=shapes, annotations=notes)


def trend_figure(trend: pd.DataFrame, grain: str, lang: str, font_size: int = 14
                 ) -> go.Figure:
    """Cases reported (bars) and median resolution hours (line, right axis) per bucket.

    ``trend``: bucket (YYYY-MM-DD), cases, median_hours (see fetch_trend).
    """
    if trend.empty:
        return empty_figure(t("value.none", lang))
    x = trend["bucket"].tolist()
    data = [
        _bar(x, trend["cases"].tolist(), t("cases.trend.cases", lang), SOFT,
             "%{x|%Y-%m-%d}: %{y}<extra>%{fullData.name}</extra>"),
        {"type": "scatter", "x": x, "y": trend["median_hours"].tolist(),
         "name": t("cases.trend.median", lang), "yaxis": "y2", "mode": "lines+markers",
         "line": {"color": ACCENT, "width": 2.5}, "marker": {"size": 5},
         "hovertemplate": "%{x|%Y-%m-%d}: %{y:.1f}<extra>%{fullData.name}</extra>"},
    ]
    return _figure(
        data, font_size=font_size, legend=True, margin={"l": 10, "r": 10, "t": 36, "b": 10},
        xaxis={"tickformat": {"day": "%m-%d", "week": "%m-%d", "month": "%Y-%m"}[grain],
               "showgrid": False},
        yaxis={"title": {"text": t("cases.trend.cases", lang)}},
        yaxis2={**AXIS, "title": {"text": t("cases.trend.median", lang)}, "overlaying": "y",
                "side": "right", "showgrid": False, "rangemode": "tozero", "tickmode": "auto",
                "nticks": 5, "tickformat": ".0f"})


def category_figure(frame: pd.DataFrame, names: dict[str, str], selected: str | None,
                    lang: str, font_size: int = 14) -> go.Figure:
    """Cases per category as horizontal bars, largest on top; ``customdata`` holds the code
    so that a click can drill down. ``frame``: key, cases, within_sla_rate."""
    data = frame[frame["cases"] > 0].sort_values(["cases", "key"], ascending=[True, False])
    if data.empty:
        return empty_figure(t("value.none", lang))
    labels = [names.get(k, k) for k in data["key"]]
    hover = [t("cases.category.hover", lang, name=lab, cases=fmt_int(n, lang),
               rate=fmt_pct(r) + "%")
             for lab, n, r in zip(labels, data["cases"], data["within_sla_rate"], strict=True)]
    colours = [SELECTED if k == selected else ACCENT for k in data["key"]]
    bar = {"type": "bar", "x": data["cases"].tolist(), "y": labels, "orientation": "h",
           "customdata": data["key"].tolist(), "marker": {"color": colours},
           "text": [fmt_int(n, lang) for n in data["cases"]], "textposition": "outside",
           "cliponaxis": False, "hovertext": hover, "hoverinfo": "text"}
    return _figure([bar], font_size=font_size,
                   xaxis={"title": {"text": t("cases.cases_axis", lang)},
                          "range": [0, float(data["cases"].max()) * 1.15]},
                   yaxis={"showgrid": False}, bargap=0.25 if len(data) > 10 else 0.55)


def source_figure(frame: pd.DataFrame, lang: str, sources: Sequence[str],
                  selected: str | None = None, font_size: int = 14) -> go.Figure:
    """Share of cases per source (horizontal bars in the schema's order of sources); the
    ``selected`` source (the page's filter) stands out."""
    counts = frame.set_index("key")["cases"].reindex(list(sources)).fillna(0).astype(int)
    counts = counts[counts > 0]
    if counts.empty:
        return empty_figure(t("value.none", lang))
    total = counts.sum()
    labels = [t(f"cases.source.{s}", lang) for s in counts.index]
    text = [f"{n / total * 100:.1f}% · {fmt_int(n, lang)}" for n in counts]
    shares = (counts / total * 100).tolist()
    bar = {"type": "bar", "x": shares, "y": labels, "orientation": "h", "text": text,
           "textposition": "outside", "cliponaxis": False, "hoverinfo": "text",
           "hovertext": text, "marker": {"color": [
               SELECTED if s == selected else ACCENT if selected is None else SOFT
               for s in counts.index]}}
    return _figure([bar], font_size=font_size,
                   xaxis={"ticksuffix": "%", "range": [0, float(max(shares)) * 1.45]},
                   yaxis={"autorange": "reversed", "showgrid": False})


def heatmap_figure(grid: pd.DataFrame, lang: str, font_size: int = 14) -> go.Figure:
    """Reports per weekday (rows, Monday on top) and hour of day (columns)."""
    days = [t(f"cases.weekday.{d}", lang) for d in range(7)]
    z = grid.to_numpy().tolist()
    hover = [[t("cases.heatmap.hover", lang, day=days[d], hour=h, n=int(z[d][h]))
              for h in range(24)] for d in range(7)]
    heat = {"type": "heatmap", "z": z, "x": list(range(24)), "y": days, "colorscale": HEAT,
            "hoverinfo": "text", "text": hover, "xgap": 1, "ygap": 1,
            "colorbar": {"thickness": 10, "outlinewidth": 0,
                         "tickfont": {"size": font_size - 2}}}
    return _figure([heat], font_size=font_size, xaxis={"dtick": 3, "showgrid": False},
                   yaxis={"autorange": "reversed", "showgrid": False})


def backlog_figure(backlog: pd.DataFrame, lang: str, font_size: int = 14) -> go.Figure:
    """Open cases by age bucket, stacked not-yet-due and overdue, total on top."""
    labels = [t(f"cases.age.{a}", lang) for a in backlog["age"]]
    totals = backlog["on_time"] + backlog["overdue"]
    data = [
        _bar(labels, backlog["on_time"].tolist(), t("cases.backlog.on_time", lang), SOFT,
             BAR_HOVER),
        _bar(labels, backlog["overdue"].tolist(), t("cases.backlog.overdue", lang), LATE,
             BAR_HOVER),
        {"type": "scatter", "x": labels, "y": totals.tolist(), "mode": "text",
         "text": [fmt_int(v, lang) for v in totals], "textposition": "top center",
         "showlegend": False, "hoverinfo": "skip", "textfont": {"size": font_size}},
    ]
    return _figure(data, font_size=font_size, legend=True,
                   margin={"l": 10, "r": 10, "t": 36, "b": 10},
                   legend_extra={"traceorder": "normal"}, barmode="stack",
                   xaxis={"showgrid": False},
                   yaxis={"title": {"text": t("cases.cases_axis", lang)},
                          "range": [0, float(totals.max() or 1) * 1.18]})


# --- tables -----------------------------------------------------------------------------

TABLE_STYLE = {
    "style_as_list_view": True,
    "style_table": {"overflowX": "auto", "minWidth": "100%"},
    "style_cell": {"fontSize": "15px", "padding": "6px 8px", "fontFamily": "inherit",
                   "textAlign": "left", "whiteSpace": "normal", "height": "auto",
                   "color": INK},
    "style_header": {"fontWeight": "600", "backgroundColor": "#eef2f7",
                     "whiteSpace": "normal"},
    "style_filter": {"backgroundColor": "#fbfcfe"},
}


def group_table(frame: pd.DataFrame, stages: pd.DataFrame, by: str, lang: str,
                min_sample: int) -> object:
    """Areas or handling units: volume, quality and speed figures and stage medians.

    ``frame`` is a fetch_breakdown result, ``stages`` a fetch_stage_medians_by result (same
    keys). Rows with fewer than ``min_sample`` cases keep their counts, lose their rates and
    times ("too few cases") and come last: they are shown, never ranked.
    """
    if frame.empty:
        return html.P(t("cases.groups.none", lang), className="muted-note")
    data = frame.merge(stages, on="key", how="left")
    data = data.sort_values(["small", "cases"], ascending=[True, False])
    rows = []
    for r in data.to_dict("records"):
        small = bool(r["small"])
        name = str(r.get("name") or r["key"])
        row: dict[str, object] = {"name": name + (" · " + t("sample.small", lang)
                                                  if small else ""),
                                  "cases": int(r["cases"]), "overdue": int(r["overdue_now"]),
                                  "small": "1" if small else "0"}
        for col in ("completion_rate", "reopen_rate", "low_satisfaction_rate",
                    "within_sla_rate", "median_hours", "accept", "dispatch", "resolve"):
            value = r.get(col)
            row[col] = None if small or is_missing(value) else float(value)  # type: ignore
        rows.append(row)
    name_key = "cases.col.name" if by == "child" else "cases.col.unit"
    columns = [
        {"id": "name", "name": t(name_key, lang)},
        numeric_column("cases", t("cases.col.cases", lang), 0),
        numeric_column("completion_rate", t("cases.col.completion", lang), 1, pct=True),
        numeric_column("reopen_rate", t("cases.col.reopen", lang), 1, pct=True),
        numeric_column("low_satisfaction_rate", t("cases.col.low_sat", lang), 1, pct=True),
        numeric_column("within_sla_rate", t("cases.col.within_sla", lang), 1, pct=True),
        numeric_column("median_hours", t("cases.col.median", lang)),
        numeric_column("accept", t("cases.col.accept", lang), 2),
        numeric_column("dispatch", t("cases.col.dispatch", lang), 2),
        numeric_column("resolve", t("cases.col.resolve", lang)),
        numeric_column("overdue", t("cases.col.overdue", lang), 0),
    ]
    return html.Div([
        dash_table.DataTable(
            data=rows, columns=columns, sort_action="native", page_size=15,
            filter_action="native",
            filter_options={"placeholder_text": t("cases.table.filter", lang)},
            style_cell_conditional=[
                {"if": {"column_id": "name"}, "minWidth": "200px", "width": "22%"},
                *[{"if": {"column_id": c["id"]}, "textAlign": "right"} for c in columns[1:]],
            ],
            style_data_conditional=[
                {"if": {"filter_query": '{small} = "1"'}, "color": MUTED,
                 "fontStyle": "italic"},
                {"if": {"filter_query": "{overdue} > 0", "column_id": "overdue"},
                 "color": OVERDUE, "fontWeight": "600"},
            ],
            hidden_columns=[], **TABLE_STYLE),
        html.P(t("cases.groups.note", lang, n=min_sample), className="cases-note"),
    ], className="cases-group-table", **{"data-rows": str(len(rows))})


def _when(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]


def _category(r: dict[str, object], lang: str) -> str:
    suffix = "_en" if lang == "en" else ""
    major, minor = r.get(f"major_name{suffix}"), r.get(f"category_name{suffix}")
    if not minor or major == minor:
        return str(major or minor or "")
    return f"{major} / {minor}"


HOURS_HEADER = {"overdue_hours": "cases.list.overdue_days", "hours_left": "cases.list.hours_left"}


def case_rows(frame: pd.DataFrame, lang: str, hours_column: str) -> list[dict[str, object]]:
    """List rows for screen and CSV: every field formatted, personal fields as given.

    Overdue time is shown in days (old cases run to months), time left in hours.
    """
    late = hours_column == "overdue_hours"
    out = []
    for r in frame.to_dict("records"):
        out.append({
            "id": r["id"], "category": _category(r, lang), "town": r.get("town") or "",
            "area": r.get("area_name") or "", "reported_at": _when(r["reported_at"]),
            "due_at": _when(r["due_at"]),
            "hours": round(float(r[hours_column]) / (24 if late else 1), 1),
            "status": t(f"status.{r['status']}", lang),
            "source": t(f"cases.source.{r['source']}", lang),
            "unit": r.get("handling_unit") or "", "reporter": r.get("reporter_name") or "",
            "phone": r.get("reporter_phone") or "", "summary": r.get("summary") or "",
        })
    return out


def case_table(frame: pd.DataFrame, lang: str, kind: str, table_id: str) -> object:
    """Overdue (``kind="overdue"``) or at-risk (``"risk"``) cases: sortable, filterable."""
    hours_column = "overdue_hours" if kind == "overdue" else "hours_left"
    rows = case_rows(frame, lang, hours_column)
    columns = [
        {"id": "id", "name": t("cases.list.id", lang)},
        {"id": "category", "name": t("cases.list.category", lang)},
        {"id": "town", "name": t("cases.list.town", lang)},
        {"id": "area", "name": t("cases.list.area", lang)},
        {"id": "reported_at", "name": t("cases.list.reported_at", lang)},
        {"id": "due_at", "name": t("cases.list.due_at", lang)},
        numeric_column("hours", t(HOURS_HEADER[hours_column], lang)),
        {"id": "status", "name": t("cases.list.status", lang)},
        {"id": "unit", "name": t("cases.list.unit", lang)},
        {"id": "reporter", "name": t("cases.list.reporter", lang)},
    ]
    widths = {"id": "120px", "category": "150px", "town": "80px", "area": "130px",
              "reported_at": "96px", "due_at": "96px", "hours": "72px", "status": "64px",
              "unit": "150px", "reporter": "70px"}
    return dash_table.DataTable(
        id=table_id, data=rows, columns=columns, sort_action="native",
        filter_action="native", page_size=12,
        filter_options={"placeholder_text": t("cases.table.filter", lang)},
        style_cell_conditional=[{"if": {"column_id": c}, "minWidth": w, "maxWidth": "220px"}
                                for c, w in widths.items()]
        + [{"if": {"column_id": "hours"}, "textAlign": "right", "fontWeight": "600"}],
        **TABLE_STYLE)


def overdue_count_text(n: int, shown: int, lang: str, masked: bool) -> str:
    if n == 0:
        return t("cases.overdue.none", lang)
    text = t("cases.overdue.count", lang, n=fmt_int(n, lang))
    if shown < n:
        text += " " + t("cases.overdue.capped", lang, shown=fmt_int(shown, lang),
                        n=fmt_int(n, lang))
    if masked:
        text += " " + t("cases.masked", lang)
    return text


def cases_csv(frame: pd.DataFrame, lang: str, hours_column: str = "overdue_hours") -> bytes:
    """The list as CSV, UTF-8 with a byte-order mark so that Excel shows Chinese."""
    rows = case_rows(frame, lang, hours_column)
    fields = ["id", "category", "source", "town", "area", "reported_at", "due_at", "hours",
              "status", "unit", "reporter", "phone", "summary"]
    keys = {"area": "cases.list.area", "unit": "cases.list.unit",
            "reporter": "cases.list.reporter", "hours": HOURS_HEADER[hours_column]}
    header = [t(keys.get(f, f"cases.list.{f}"), lang) for f in fields]
    table = pd.DataFrame(rows, columns=fields)
    buf = io.StringIO()
    table.to_csv(buf, index=False, header=header, lineterminator="\r\n")
    return buf.getvalue().encode("utf-8-sig")


def csv_filename(area_name: str, now: datetime, lang: str) -> str:
    return t("cases.csv.filename", lang, area=area_name, date=now.strftime("%Y%m%d"))
