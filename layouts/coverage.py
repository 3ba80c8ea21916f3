"""The digital-coverage page: the index per branch, its ranking and the spread between
branches (Lorenz curve, Gini, top vs bottom fifth), and one branch's members.

Pure: frames in, components and figures out. Frames are those of ``queries.coverage``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dash_table, dcc, html
from dash.dash_table.Format import Format, Scheme

from dashboard import ids
from dashboard.formats import fmt_int, is_missing
from dashboard.i18n import t
from dashboard.indicators import INDICATORS, lorenz
from layouts.components import GRAPH_CONFIG, MUTED, panel, unchecked_figure
from layouts.export import chart_links

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif"
INK = "#1b2430"
GRID = "#e3e7ee"
STRONG = "#1f5fa8"   # strong branches: the theme's accent
WEAK = "#b4541a"     # weak branches: burnt orange, 4.9:1 on white
GAP_FILL = "rgba(180, 84, 26, 0.13)"
GINI = "#8a1c12"
FIRST = "#9aa3b1"
TOP_N = 10
#: A Gini change below this is "about stable" (noise between months).
STABLE_GINI = 0.01


def _graph(id_: str, height: int, class_name: str = "") -> dcc.Graph:
    return dcc.Graph(id=id_, config=GRAPH_CONFIG, style={"height": f"{height}px"},
                     className=f"coverage-graph {class_name}".strip(),
                     figure=empty_figure())


def _figure_head(title: str, chart: str, lang: str) -> html.Div:
    return html.Div(className="figure-head", children=[
        html.H3(title, className="figure-title"), chart_links(chart, lang)])


def page(lang: str = "zh") -> html.Div:
    """The coverage page; everything but the frame arrives through callbacks."""
    return html.Div(className="page coverage", children=[
        html.H1(id=ids.Coverage.HEADING, className="page-heading"),
        html.P(id=ids.Coverage.MONTH_NOTE, className="coverage-month-note"),
        html.Div(id=ids.Coverage.KPIS, className="kpi-row coverage-kpis"),
        html.Section(className="panel coverage-spread", children=[
            html.H2(t("coverage.spread.title", lang), className="panel-title"),
            html.Div(id=ids.Coverage.SPREAD_NOTE, className="spread-note-slot"),
            html.Div(className="coverage-spread-grid", children=[
                html.Div([_figure_head(t("coverage.trend.title", lang), "coverage", lang),
                          _graph(ids.Coverage.TREND, 420)]),
                html.Div([_figure_head(t("coverage.lorenz.title", lang), "lorenz", lang),
                          _graph(ids.Coverage.LORENZ, 420)]),
            ]),
        ]),
        html.Section(className="panel coverage-ranking", children=[
            html.H2(t("coverage.ranking.title", lang), className="panel-title"),
            html.Div(className="coverage-ranking-grid", children=[
                html.Div([_figure_head(t("export.chart.ranking_worst", lang), "ranking_worst",
                                       lang),
                          _graph(ids.Coverage.WORST, 400, "ranking-worst")]),
                html.Div([_figure_head(t("export.chart.ranking_best", lang), "ranking_best",
                                       lang),
                          _graph(ids.Coverage.BEST, 400, "ranking-best")]),
            ]),
            html.P(t("coverage.ranking.click", lang), className="muted-note"),
        ]),
        html.Section(className="panel coverage-detail", children=[
            html.Div(className="coverage-detail-head", children=[
                html.H2(t("coverage.detail.title", lang), className="panel-title"),
                html.Label(t("coverage.detail.pick", lang), htmlFor=ids.Coverage.BRANCH,
                           className="coverage-pick-label"),
                dcc.Dropdown(id=ids.Coverage.BRANCH, clearable=False,
                             className="coverage-branch-pick"),
            ]),
            html.Div(id=ids.Coverage.DETAIL),
        ]),
        panel(t("coverage.table.title", lang), html.Div(id=ids.Coverage.TABLE),
              class_name="coverage-table-panel"),
        panel(t("coverage.formula.title", lang), html.Div(id=ids.Coverage.FORMULA),
              class_name="coverage-formula"),
    ])


def overview_panel(lang: str = "zh") -> html.Section:
    """The coverage summary for the overview page (filled by a callback)."""
    return panel(t("coverage.overview.title", lang),
                 html.Div(id=ids.Coverage.OVERVIEW, className="coverage-overview"),
                 class_name="coverage-overview-panel")


# -- words and numbers -----------------------------------------------------------------------


def month_label(month: date, lang: str) -> str:
    return t("coverage.month", lang, year=month.year, month=month.month)


def month_note(month: date | None, end: date, lang: str) -> str:
    """Which month the page shows and why (the month holding the period's end)."""
    if month is None:
        return t("coverage.no_data", lang)
    key = "coverage.month_note" if month == end.replace(day=1) else "coverage.month_fallback"
    return t(key, lang, month=month_label(month, lang), end=end.isoformat())


def fmt_index(value: float | None) -> str:
    return "—" if is_missing(value) else f"{float(value):.1f}"  # type: ignore[arg-type]


def fmt_gini(value: float | None) -> str:
    return "—" if is_missing(value) else f"{float(value):.3f}"  # type: ignore[arg-type]


def fmt_share(value: float | None) -> str:
    return "—" if is_missing(value) else f"{float(value) * 100:.1f}"  # type: ignore[arg-type]


def indicator_names(keys: Sequence[str], lang: str) -> str:
    return t("coverage.sep", lang).join(t(f"coverage.ind.{k}", lang) for k in keys)


#: The coverage trend: :func:`queries.coverage.fetch_coverage_trend`'s frame, or its columns
#: as lists (:func:`queries.coverage.fetch_trend_columns`: the overview's panel).
Trend = pd.DataFrame | Mapping[str, Sequence[Any]]


def months(trend: Trend) -> int:
    """How many months ``trend`` holds."""
    return len(trend["month"]) if "month" in trend else 0


def trend_value(trend: Trend, col: str, at: int) -> Any:
    """Column ``col`` of month ``at`` (a position; -1 the last)."""
    values = trend[col]
    return values.iloc[at] if isinstance(values, pd.Series) else values[at]


def change(trend: Trend, col: str) -> tuple[int, int, float] | None:
    """Positions of the first and the last month with a value in ``col`` and the change
    between them; None with fewer than two such months (a mask over one column: ``dropna``
    copied the whole frame, 1 ms a call, five calls a panel)."""
    if not months(trend):
        return None
    values = np.asarray(trend[col], dtype=float)
    found = np.flatnonzero(~np.isnan(values))
    if len(found) < 2:
        return None
    first, last = int(found[0]), int(found[-1])
    return first, last, float(values[last] - values[first])


def direction(trend: Trend) -> str:
    """widening, narrowing, stable (by the Gini, first month vs last) or one_month."""
    moved = change(trend, "gini")
    if moved is None:
        return "one_month"
    delta = moved[2]
    if delta > STABLE_GINI:
        return "widening"
    if delta < -STABLE_GINI:
        return "narrowing"
    return "stable"


def spread_note(trend: Trend, lang: str) -> html.Div:
    """One sentence that says at a glance whether weak branches fall behind (or that there
    is no gap to speak of: fewer than two judged branches in the last month)."""
    judged = (int(trend_value(trend, "judged", -1)) if months(trend) and "judged" in trend
              else 2)
    if judged < 2:
        return html.Div(t("coverage.spread.too_few", lang, n=judged), className="spread-note",
                        **{"data-direction": "too_few"})
    way = direction(trend)
    if way == "one_month":
        return html.Div(t("coverage.spread.one_month", lang), className="spread-note",
                        **{"data-direction": way})
    moved = change(trend, "gini")
    assert moved is not None  # direction() said there are two months
    first, last = moved[0], moved[1]
    mark = {"widening": "▲", "narrowing": "▼", "stable": "■"}[way]
    text = t(f"coverage.spread.{way}", lang,
             first=month_label(trend_value(trend, "month", first), lang),
             g0=fmt_gini(trend_value(trend, "gini", first)),
             g1=fmt_gini(trend_value(trend, "gini", last)),
             d0=fmt_index(trend_value(trend, "quintile_gap", first)),
             d1=fmt_index(trend_value(trend, "quintile_gap", last)))
    return html.Div(className=f"spread-note {way}", **{"data-direction": way}, children=[
        html.Span(mark, className="spread-mark", **{"aria-hidden": "true"}),
        html.Span(text),
    ])


def _card(name: str, label: str, value: str, unit: str, raw: float | None, *,
          note: object = None, tone: str = "", help_text: str | None = None) -> html.Div:
    shown_raw = "" if is_missing(raw) else repr(float(raw))  # type: ignore[arg-type]
    return html.Div(className=f"kpi-card {tone}".strip(), title=help_text, children=[
        html.Div(label, className="kpi-label"),
        html.Div(className="kpi-figure", children=[
            html.Span(value, className="kpi-value",
                      **{"data-coverage-kpi": name, "data-value": shown_raw}),
            html.Span(unit, className="kpi-unit"),
        ]),
        html.Div(note, className="kpi-note") if note else None,
    ])


def _delta(trend: Trend, col: str, fmt: Any, lang: str, worse_up: bool = True
           ) -> html.Span | None:
    moved = change(trend, col)
    if moved is None:
        return None
    first, _, d = moved
    arrow = "▲" if d > 0 else ("▼" if d < 0 else "■")
    worse = (d > 0) == worse_up and d != 0
    text = t("coverage.since", lang, month=month_label(trend_value(trend, "month", first),
                                                     lang),
             delta=f"{arrow}{fmt(abs(d))}")
    return html.Span(text, className="delta worse" if worse else "delta")


def _ratio(frame: pd.DataFrame, num: str, den: str) -> float:
    n = pd.to_numeric(frame[num], errors="coerce").fillna(0).sum()
    d = pd.to_numeric(frame[den], errors="coerce").fillna(0).sum()
    return float(n / d) if d else math.nan


def kpi_row(frame: pd.DataFrame, trend: pd.DataFrame, lang: str) -> list[object]:
    """Mean index, Gini and gap (with their change since the first month), branches rated,
    registration and activity (member-weighted), mobile members active."""
    return spread_cards(trend, lang) + branch_cards(frame, lang)


def spread_cards(trend: Trend, lang: str) -> list[object]:
    """Mean index, Gini and gap of the last month, with their change since the first: the
    trend alone (the overview shows these three, without the month's branch rows)."""
    last = {c: trend_value(trend, c, -1) for c in trend} if months(trend) else {}
    way = direction(trend) if months(trend) else "one_month"
    # a Gini over fewer than two judged branches is 0 by arithmetic, not an even spread: no
    # figure and no change beside the sentence that says so (spread_note)
    few = int(last.get("judged", 2)) < 2
    gini = math.nan if few else last.get("gini")
    return [
        _card("index_mean", t("coverage.kpi.index", lang), fmt_index(last.get("index_mean")),
              t("coverage.unit.points", lang), last.get("index_mean"),
              note=_delta(trend, "index_mean", fmt_index, lang, worse_up=False),
              help_text=t("coverage.kpi.help.index", lang)),
        _card("gini", t("coverage.kpi.gini", lang), fmt_gini(gini), "",
              gini, note=None if few else _delta(trend, "gini", fmt_gini, lang),
              tone="tone-alert" if way == "widening" else "",
              help_text=t("coverage.kpi.help.gini", lang)),
        _card("quintile_gap", t("coverage.kpi.gap", lang), fmt_index(last.get("quintile_gap")),
              t("coverage.unit.points", lang), last.get("quintile_gap"),
              note=_delta(trend, "quintile_gap", fmt_index, lang),
              tone="tone-alert" if way == "widening" else "",
              help_text=t("coverage.kpi.help.gap", lang)),
    ]


def branch_cards(frame: pd.DataFrame, lang: str) -> list[object]:
    """Branches rated (and flagged), registration and activity (member-weighted), mobile
    members active, from the month's branch rows."""
    judged = int((frame["flag"] == "").sum())
    flagged = len(frame) - judged
    mob_a = int(pd.to_numeric(frame["mobile_active"]).fillna(0).sum())
    mob_t = int(pd.to_numeric(frame["mobile_members"]).fillna(0).sum())
    return [
        _card("branches", t("coverage.kpi.branches", lang), fmt_int(judged, lang),
              t("coverage.unit.branches", lang), judged,
              note=t("coverage.flagged_note", lang, n=flagged) if flagged else None),
        _card("registered", t("coverage.kpi.registered", lang),
              fmt_share(_ratio(frame, "registered", "members")), "%",
              _ratio(frame, "registered", "members")),
        _card("active", t("coverage.kpi.active", lang),
              fmt_share(_ratio(frame, "active_30d", "members")), "%",
              _ratio(frame, "active_30d", "members")),
        _card("mobile", t("coverage.kpi.mobile", lang),
              fmt_share(mob_a / mob_t if mob_t else math.nan), "%",
              mob_a / mob_t if mob_t else math.nan,
              note=t("coverage.mobile_value", lang, active=mob_a, total=mob_t)),
    ]


# -- figures ---------------------------------------------------------------------------------


def _base_layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height, margin={"l": 8, "r": 16, "t": 12, "b": 8},
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
        font={"family": FONT, "size": 14, "color": INK},
        hoverlabel={"font": {"size": 15, "family": FONT}},
        showlegend=False,
    )
    fig.update_xaxes(gridcolor=GRID, zeroline=False, linecolor="#b9c1cc", automargin=True)
    fig.update_yaxes(gridcolor=GRID, zeroline=False, automargin=True)
    return fig


def empty_figure(message: str = "") -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
        xaxis={"visible": False}, yaxis={"visible": False},
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, font={"family": FONT},
        annotations=[{"text": message, "showarrow": False, "font": {"size": 16,
                                                                    "color": MUTED}}]
        if message else [],
    )
    return fig


def trend_figure(trend: pd.DataFrame, lang: str, height: int = 420,
                 compact: bool = False) -> go.Figure:
    """:func:`trend_spec` as a plotly figure (for exports and the coverage page)."""
    return unchecked_figure(trend_spec(trend, lang, height, compact))


def trend_spec(trend: Trend, lang: str, height: int = 420,
               compact: bool = False) -> dict[str, Any]:
    """The spread month by month: the band between the top and the bottom fifth (a band
    that opens up is the Matthew effect) above, the Gini (from 0) below.

    Built as one dict and wrapped without plotly's property validation: 1 ms instead of
    20 ms through ``make_subplots`` and its updates, on every drill-down of the overview.
    ``tests/unit/test_figures.py`` validates the same dict strictly.

    Parameters
    ----------
    trend
        :func:`queries.coverage.fetch_coverage_trend`: month, index_mean, gini, top_mean,
        bottom_mean, quintile_gap.
    compact
        The band only (the overview panel).
    """
    # the months with a Gini, as plain lists (dropna, per-value isna and two iloc rows of a
    # frame cost 1.2 ms of the overview's coverage panel)
    kept = ~np.isnan(np.asarray(trend["gini"], dtype=float)) if months(trend) else []
    if not np.any(kept):
        return empty_figure(t("coverage.ranking.none", lang)).to_plotly_json()
    cols = {c: [None if math.isnan(v) else v
                for v in np.asarray(trend[c], dtype=float)[kept].tolist()]
            for c in ("bottom_mean", "top_mean", "index_mean", "quintile_gap", "gini")}
    # a Gini over fewer than two judged branches is 0 by arithmetic, not an even spread: not
    # drawn (the index still is), as the cards and the sentence say (spread_cards)
    judged = (np.asarray(trend["judged"], dtype=float)[kept].tolist() if "judged" in trend
              else [2.0] * len(cols["gini"]))
    cols["gini"] = [g if n >= 2 else None for g, n in zip(cols["gini"], judged, strict=True)]
    days = [_day(m) for m in np.asarray(trend["month"], dtype=object)[kept].tolist()]
    x = [m.isoformat() for m in days]
    gap = t("coverage.trend.gap", lang)
    hover = "%{x|%Y-%m} %{y:.1f}<extra>%{fullData.name}</extra>"

    def values(column: str) -> list[float | None]:
        return cols[column]

    traces: list[dict[str, Any]] = [
        {"type": "scatter", "x": x, "y": values("bottom_mean"), "mode": "lines+markers",
         "name": t("coverage.trend.bottom", lang), "line": {"color": WEAK, "width": 3},
         "marker": {"size": 5}, "hovertemplate": hover},
        {"type": "scatter", "x": x, "y": values("top_mean"), "mode": "lines+markers",
         "name": t("coverage.trend.top", lang), "line": {"color": STRONG, "width": 3},
         "marker": {"size": 5}, "fill": "tonexty", "fillcolor": GAP_FILL,
         "customdata": values("quintile_gap"),
         "hovertemplate": ("%{x|%Y-%m} %{y:.1f} (" + gap + " %{customdata:.1f})"
                           "<extra>%{fullData.name}</extra>")},
        {"type": "scatter", "x": x, "y": values("index_mean"), "mode": "lines",
         "name": t("coverage.trend.mean", lang),
         "line": {"color": MUTED, "width": 1.5, "dash": "dot"}, "hovertemplate": hover},
    ]
    first, last = ({c: v[i] for c, v in cols.items()} for i in (0, -1))
    # Line names at the right end instead of a legend: read without matching colours. A
    # month with fewer than two judged branches has no band (its gap is NaN, its top and
    # bottom the same branch): no names on one line and no gap of "—" at that end.
    notes: list[dict[str, Any]] = [
        {"x": x[-1], "y": float(y), "xref": "x", "yref": "y", "text": t(key, lang),
         "xanchor": "left", "xshift": 8, "showarrow": False,
         "font": {"color": colour, "size": 14}}
        for y, key, colour in ((last["top_mean"], "coverage.trend.top", STRONG),
                               (last["bottom_mean"], "coverage.trend.bottom", WEAK))
        if last["quintile_gap"] is not None]
    notes += [
        {"x": xx, "y": float((row["top_mean"] + row["bottom_mean"]) / 2), "xref": "x",
         "yref": "y", "text": f"<b>{gap} {fmt_index(row['quintile_gap'])}</b>",
         "showarrow": False, "font": {"color": WEAK, "size": 15},
         "bgcolor": "rgba(255,255,255,0.85)", "xanchor": "left" if xx == x[0] else "right",
         "xshift": 6 if xx == x[0] else -6}
        for xx, row in ((x[0], first), (x[-1], last)) if row["quintile_gap"] is not None]
    pad = timedelta(days=12)
    span = [(days[0] - pad).isoformat(), (days[-1] + pad).isoformat()]
    axis = {"gridcolor": GRID, "zeroline": False, "automargin": True}
    xaxis = {**axis, "linecolor": "#b9c1cc", "tickformat": "%Y-%m", "dtick": "M3",
             "range": span, "type": "date"}
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 8, "r": 130 if compact else 150, "t": 16 if compact else 10, "b": 8},
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        "font": {"family": FONT, "size": 14, "color": INK},
        "hoverlabel": {"font": {"size": 15, "family": FONT}}, "showlegend": False,
        "xaxis": {**xaxis, "anchor": "y"},
        "yaxis": {**axis, "range": [0, 100], "anchor": "x",
                  "title": {"text": t("coverage.trend.index_axis", lang)}},
    }
    if not compact:
        # two rows sharing the months (make_subplots' vertical_spacing 0.1, heights 64 / 36)
        layout["xaxis"].update(matches="x2", showticklabels=False)
        layout["yaxis"]["domain"] = [0.424, 1.0]
        layout["xaxis2"] = {**xaxis, "anchor": "y2"}
        top = max((v for v in cols["gini"] if v is not None), default=0.0)
        layout["yaxis2"] = {**axis, "anchor": "x2", "domain": [0.0, 0.324],
                            "range": [0, max(top * 1.3, 0.05)], "tickformat": ".2f",
                            "title": {"text": t("coverage.trend.gini_axis", lang)}}
        traces.append({
            "type": "scatter", "x": x, "y": values("gini"), "xaxis": "x2", "yaxis": "y2",
            "mode": "lines+markers", "name": t("coverage.trend.gini", lang),
            "line": {"color": GINI, "width": 3}, "marker": {"size": 5},
            "hovertemplate": "%{x|%Y-%m} %{y:.3f}<extra>%{fullData.name}</extra>"})
        notes += [
            {"x": xx, "y": float(val), "xref": "x2", "yref": "y2",
             "text": f"<b>{fmt_gini(val)}</b>", "showarrow": False, "yshift": 14,
             "xanchor": anchor, "font": {"color": GINI, "size": 15}}
            for xx, val, anchor in ((x[0], first["gini"], "left"),
                                    (x[-1], last["gini"], "right")) if val is not None]
    layout["annotations"] = notes
    # the plain dict (a figure Dash sends as it is: no copy into a go.Figure and out again)
    return {"data": traces, "layout": layout}


def _day(value: Any) -> date:
    """A month of the trend as a date (PostgreSQL gives dates, SQLite strings)."""
    return value if type(value) is date else pd.Timestamp(value).date()


def lorenz_figure(values: Sequence[float] | np.ndarray, first_values: Sequence[float] | None,
                  month: date, first_month: date | None, lang: str,
                  height: int = 420) -> go.Figure:
    """Lorenz curve of the branches' index for ``month`` (shaded against the equality line),
    with the first month's curve for comparison.

    Parameters
    ----------
    values, first_values
        Index (0-100) per branch for the month shown and for the first month (or None).
    """
    from dashboard.indicators import gini

    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", hoverinfo="skip",
                             name=t("coverage.lorenz.equal", lang),
                             line={"color": MUTED, "width": 1.5, "dash": "dash"}))
    lx, ly = lorenz(values)
    hover = [t("coverage.lorenz.hover", lang, x=f"{a * 100:.0f}%", y=f"{b * 100:.0f}%")
             for a, b in zip(lx, ly, strict=True)]
    fig.add_trace(go.Scatter(
        x=lx, y=ly, mode="lines", fill="tonexty", fillcolor=GAP_FILL,
        line={"color": WEAK, "width": 3}, text=hover, hovertemplate="%{text}<extra></extra>",
        name=t("coverage.lorenz.month", lang, month=month_label(month, lang),
               gini=fmt_gini(gini(values) if len(values) >= 2 else None))))
    if first_values is not None and first_month is not None and first_month != month:
        fx, fy = lorenz(first_values)
        fig.add_trace(go.Scatter(
            x=fx, y=fy, mode="lines", hoverinfo="skip",
            line={"color": FIRST, "width": 2},
            name=t("coverage.lorenz.month", lang, month=month_label(first_month, lang),
                   gini=fmt_gini(gini(first_values) if len(first_values) >= 2 else None))))
    _base_layout(fig, height)
    fig.update_layout(
        showlegend=True,
        legend={"x": 0.03, "y": 0.95, "xanchor": "left", "yanchor": "top",
                "bgcolor": "rgba(255,255,255,0.9)", "font": {"size": 13}},
        margin={"l": 8, "r": 12, "t": 18, "b": 8},
    )
    # square plot, drawn from the left edge: the legend stays in its empty upper-left
    # triangle (above the equality line), clear of the axis labels, at any aspect ratio
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title_text=t("coverage.lorenz.x", lang),
                     constrain="domain", constraintoward="left")
    fig.update_yaxes(range=[0, 1], tickformat=".0%", title_text=t("coverage.lorenz.y", lang),
                     scaleanchor="x", scaleratio=1, constrain="domain")
    return fig


def split_ranking(frame: pd.DataFrame, n: int = TOP_N) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The best and the weakest rated branches, at most ``n`` each and never overlapping
    (with fewer than ``2 n`` branches the better half is "best")."""
    rated = frame[frame["flag"] == ""].sort_values(["coverage_index", "branch_id"],
                                                   ascending=[False, True])
    k_best = min(n, math.ceil(len(rated) / 2))
    k_worst = min(n, len(rated) - k_best)
    best = rated.head(k_best)
    worst = rated.tail(k_worst).iloc[::-1] if k_worst else rated.iloc[0:0]
    return best, worst


def ranking_figure(rows: pd.DataFrame, mean: float, lang: str, *, weak: bool,
                   height: int = 400) -> go.Figure:
    """Horizontal bars, strongest (or weakest) first; weak bars name their weakest
    indicators. ``customdata`` carries the branch id (a click opens the branch)."""
    n = len(rows)
    if n == 0:
        return empty_figure(t("coverage.ranking.none", lang))
    title = t("coverage.ranking.worst" if weak else "coverage.ranking.best", lang, n=n)
    values = rows["coverage_index"].astype(float).tolist()
    if weak:
        text = [f"{fmt_index(v)}  " + (t("coverage.ranking.drag", lang,
                                          names=indicator_names(w, lang)) if w else "")
                for v, w in zip(values, rows["weak"], strict=True)]
    else:
        text = [fmt_index(v) for v in values]
    hover = [t("coverage.ranking.hover", lang, name=nm, village=vl, value=fmt_index(v))
             for nm, vl, v in zip(rows["name"], rows["village"], values, strict=True)]
    fig = go.Figure(go.Bar(
        x=values, y=rows["name"].tolist(), orientation="h",
        customdata=rows["branch_id"].tolist(),  # a list: an object array needs plotly's cleaning
        marker={"color": WEAK if weak else STRONG}, text=text,
        # a long weak bar has no room outside for its words: they go inside, in white
        textposition=["outside" if weak and v < 55 else "inside" for v in values],
        insidetextanchor="end",
        textfont={"size": 14, "color": [INK if weak and v < 55 else "#ffffff"
                                        for v in values]}, cliponaxis=False,
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
    ))
    if not is_missing(mean):
        fig.add_vline(x=mean, line={"color": MUTED, "width": 1.5, "dash": "dash"})
        fig.add_annotation(x=mean, y=1.0, yref="paper", yanchor="bottom", showarrow=False,
                           text=t("coverage.ranking.mean", lang, value=fmt_index(mean)),
                           font={"color": MUTED, "size": 13})
    _base_layout(fig, height)
    fig.update_layout(
        title={"text": f"<b>{title}</b>", "x": 0.0, "xanchor": "left", "y": 0.98,
               "font": {"size": 16, "color": WEAK if weak else STRONG}},
        margin={"l": 8, "r": 16, "t": 56, "b": 8}, bargap=0.28,
    )
    fig.update_xaxes(range=[0, 100], dtick=20)
    fig.update_yaxes(autorange="reversed", type="category", tickfont={"size": 14})
    return fig


def branch_table(frame: pd.DataFrame, lang: str) -> object:
    """Every branch with every indicator (numeric columns sort as numbers)."""
    if frame.empty:
        return html.P(t("coverage.ranking.none", lang), className="muted-note")
    rows = []
    for r in frame.sort_values(["coverage_index", "branch_id"], na_position="first"
                               ).to_dict("records"):
        def num(v: Any, scale: float = 1.0) -> float | None:
            return None if is_missing(v) or v is pd.NA else round(float(v) * scale, 4)

        mob = "—" if r["mobile_members"] is pd.NA or is_missing(r["mobile_members"]) else \
            f"{int(r['mobile_active'] if r['mobile_active'] is not pd.NA else 0)}/" \
            f"{int(r['mobile_members'])}"
        g5 = r["has_5g"]
        rows.append({
            "branch_id": r["branch_id"], "name": r["name"], "village": r["village"],
            "members": num(r["members"]), "registered": num(r["registered_share"]),
            "active": num(r["active_share"]), "study": num(r["study_completion"]),
            "meetings": num(r["meetings_share"]), "broadband": num(r["broadband_share"]),
            "g5": "—" if g5 is pd.NA else t("coverage.yes" if g5 else "coverage.no", lang),
            "app": num(r["app_per_100"]), "mobile": mob,
            "index": num(r["coverage_index"]),
            "flag": t(f"coverage.flag.{r['flag']}", lang) if r["flag"] else "",
        })
    # plain dicts, not Format objects (see layouts.cases._num)
    pct = Format(precision=1, scheme=Scheme.percentage).to_plotly_json()
    fixed = Format(precision=1, scheme=Scheme.fixed).to_plotly_json()
    cols: list[dict[str, object]] = [
        {"id": "name", "name": t("coverage.col.name", lang)},
        {"id": "village", "name": t("coverage.col.village", lang)},
        {"id": "members", "name": t("coverage.col.members", lang), "type": "numeric"},
        *[{"id": c, "name": t(f"coverage.col.{c}", lang), "type": "numeric", "format": pct}
          for c in ("registered", "active", "study", "meetings", "broadband")],
        {"id": "g5", "name": t("coverage.col.g5", lang)},
        {"id": "app", "name": t("coverage.col.app", lang), "type": "numeric", "format": fixed},
        {"id": "mobile", "name": t("coverage.col.mobile", lang)},
        {"id": "index", "name": t("coverage.col.index", lang), "type": "numeric",
         "format": fixed},
        {"id": "flag", "name": t("coverage.col.flag", lang)},
    ]
    return dash_table.DataTable(
        data=rows, columns=cols, sort_action="native", filter_action="native",
        filter_options={"placeholder_text": t("coverage.table.filter", lang)},
        page_size=12, style_as_list_view=True, style_table={"overflowX": "auto"},
        style_cell={"fontSize": "15px", "padding": "6px 8px", "textAlign": "right",
                    "fontFamily": "inherit"},
        style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "left"}
                                for c in ("name", "village", "flag")],
        style_data_conditional=[
            {"if": {"column_id": "index"}, "fontWeight": "700"},
            {"if": {"filter_query": '{flag} != ""', "column_id": "flag"},
             "color": WEAK, "fontWeight": "600"},
        ],
        style_header={"fontWeight": "600", "backgroundColor": "#eef2f7",
                      "whiteSpace": "normal", "height": "auto"},
    )


def branch_options(frame: pd.DataFrame, lang: str) -> list[dict[str, str]]:
    """Dropdown options, weakest rated branch first, unrated ones last."""
    order = frame.sort_values(["coverage_index", "branch_id"], na_position="last")
    return [{"label": f"{r['name']} · {fmt_index(r['coverage_index'])}", "value": r["branch_id"]}
            for r in order.to_dict("records")]


def detail_figure(profile: pd.DataFrame, lang: str, height: int = 300) -> go.Figure:
    """Members by age band, active in the last 30 days vs not (stacked, counts)."""
    bands = ["u35", "35_49", "50_64", "65p", "unknown"]
    present = [b for b in bands if b in set(profile["band"])]
    if not present:
        return empty_figure(t("coverage.detail.empty", lang))
    labels = [t(f"coverage.band.{b}", lang) for b in present]
    fig = go.Figure()
    for active, key, colour in ((1, "coverage.detail.active", STRONG),
                                (0, "coverage.detail.inactive", "#c9a27e")):
        counts = profile[profile["active"] == active].set_index("band")["members"]
        y = [int(counts.get(b, 0)) for b in present]
        fig.add_trace(go.Bar(x=labels, y=y, name=t(key, lang), marker={"color": colour},
                             text=[str(v) if v else "" for v in y], textposition="inside",
                             textfont={"size": 14},
                             hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>"))
    _base_layout(fig, height)
    fig.update_layout(barmode="stack", showlegend=True,
                      uniformtext={"minsize": 12, "mode": "hide"},
                      legend={"orientation": "h", "x": 0, "y": 1.12, "font": {"size": 14}},
                      margin={"l": 8, "r": 8, "t": 40, "b": 8})
    fig.update_yaxes(title_text=t("coverage.detail.count_axis", lang))
    return fig


def branch_detail(row: Mapping[str, Any] | None, profile: pd.DataFrame,
                  names: pd.DataFrame | None, lang: str) -> list[object]:
    """One branch: its figures, members by age band and activity, and names only when the
    caller may see personal data (``names`` is None otherwise)."""
    if row is None:
        return [html.P(t("coverage.detail.none", lang), className="muted-note")]
    total = int(profile["members"].sum()) if not profile.empty else 0
    summary = t("coverage.detail.summary", lang, members=total,
                active=int(profile.loc[profile["active"] == 1, "members"].sum()),
                registered=int(profile["registered"].sum()) if total else 0,
                mobile=int(profile["mobile"].sum()) if total else 0)
    figures = [
        (t("coverage.col.index", lang), fmt_index(row.get("coverage_index"))),
        *[(t(f"coverage.ind.{k}", lang), fmt_share(row.get(c)) + "%")
          for k, c in (("registered", "registered_share"), ("active", "active_share"),
                       ("study", "study_completion"), ("meetings", "meetings_share"),
                       ("broadband", "broadband_share"))],
    ]
    facts = html.Dl(className="branch-facts", children=[
        x for label, value in figures for x in (html.Dt(label), html.Dd(value))])
    parts: list[object] = [
        html.Div(className="branch-head", **{"data-branch": str(row.get("branch_id", ""))},
                 children=[html.H3(f"{row.get('name', '')} · {row.get('village', '')}",
                                   className="branch-name"), facts]),
        html.P(summary, className="branch-summary"),
        dcc.Graph(figure=detail_figure(profile, lang), config=GRAPH_CONFIG,
                  style={"height": "300px"}, className="coverage-graph"),
    ]
    if names is None:
        parts.append(html.P(t("coverage.detail.names_hidden", lang), className="muted-note"))
    elif not names.empty:
        yes, no = t("coverage.yes", lang), t("coverage.no", lang)
        data = [{"name": r["name"], "birth": "" if is_missing(r["birth_year"])
                 else int(r["birth_year"]),
                 "mobile": yes if r["is_mobile"] else no,
                 "registered": yes if r["registered"] else no,
                 "active": yes if r["active"] else no} for r in names.to_dict("records")]
        parts += [html.H4(t("coverage.detail.names", lang), className="figure-title"),
                  dash_table.DataTable(
                      data=data, page_size=10, style_as_list_view=True,
                      columns=[{"id": c, "name": t(f"coverage.detail.col.{c}", lang)}
                               for c in ("name", "birth", "mobile", "registered", "active")],
                      style_cell={"fontSize": "15px", "padding": "5px 8px",
                                  "textAlign": "left", "fontFamily": "inherit"},
                      style_header={"fontWeight": "600", "backgroundColor": "#eef2f7"})]
    return parts


def formula(weights: Mapping[str, float], lang: str) -> list[object]:
    """The published formula with the weights in force."""
    return [
        html.P(t("coverage.formula.text", lang)),
        html.Ul(className="formula-weights", children=[
            html.Li(t("coverage.formula.weight", lang,
                      name=t(f"coverage.ind.long.{k}", lang), weight=f"{weights[k]:.2f}"),
                    **{"data-indicator": k})
            for k in INDICATORS]),
        html.P(t("coverage.formula.spread", lang)),
        html.P(t("coverage.source", lang), className="muted-note"),
    ]


def overview_summary(trend: Trend, href: str, lang: str) -> list[object]:
    """The overview's coverage panel: three figures, the sentence, the band, a link."""
    if not months(trend):
        return [html.P(t("coverage.no_data", lang), className="muted-note")]
    cards = spread_cards(trend, lang)
    return [
        html.Div(cards, className="kpi-row coverage-kpis compact"),
        spread_note(trend, lang),
        dcc.Graph(figure=trend_spec(trend, lang, height=240, compact=True),
                  config=GRAPH_CONFIG, style={"height": "240px"}, className="coverage-graph"),
        # its href follows the whole view, the map's metric too (coverageLink, in the browser)
        dcc.Link(t("coverage.overview.more", lang), href=href, id=ids.Coverage.MORE,
                 className="coverage-more"),
    ]
