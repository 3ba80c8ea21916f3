"""The registry of exportable charts: one builder per chart, the same figure the page shows.

A builder takes the caller's :class:`~queries.context.QueryContext` (its scope narrows every
``fetch_*``) and a :class:`ChartRequest` (area, period, language, map metric and the case
page's filters) and returns a plotly figure. The export routes and the briefing pack use
:func:`chart_figure`; the page callbacks call the same builders for the figures whose whole
recipe lives here (so a downloaded chart cannot drift from the one on screen).

Layouts and queries are imported inside the functions: ``dashboard`` does not import
``layouts`` at module import (the app factory owns that order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.i18n import t
from dashboard.rules import RuleSet
from queries.context import QueryContext


@dataclass(frozen=True)
class ChartRequest:
    """What a chart is drawn for: the area, the inclusive period, and the view's choices."""

    area: str
    start: date
    end: date
    lang: str = "zh"
    metric: str | None = None
    cat: str | None = None  # case category filter (major or minor code)
    src: str | None = None  # case source filter


class UnknownChart(KeyError):
    """No chart of that name in the registry."""


Builder = Callable[[QueryContext, RuleSet, ChartRequest], go.Figure]
_BUILDERS: dict[str, Builder] = {}


def _chart(name: str) -> Callable[[Builder], Builder]:
    def add(fn: Builder) -> Builder:
        _BUILDERS[name] = fn
        return fn
    return add


# --- overview -------------------------------------------------------------------------------

def map_frame(ctx: QueryContext, rules: RuleSet, parent: str, start: date, end: date,
              metric: str) -> pd.DataFrame:
    """Figures of ``parent``'s children for the period, with the map metric ``metric``.

    The children's figures as :func:`queries.cases.fetch_children_figures` gives them (the
    shared result, not copied: callers select from it, never write to it), plus the shown
    metric's column where it is derived (:func:`with_derived`; the warning tier: an
    evaluation of every rule over the county; the coverage index). Only that column: a copy
    of the frame and two column writes cost 0.5 ms of every cold metric change.
    """
    from queries.cases import fetch_children_figures

    frame = fetch_children_figures(ctx, parent, start, end)
    if metric in DERIVED:
        return with_derived(frame, (metric,))
    if metric == "warning_tier":
        return frame.assign(warning_tier=tier_ranks(ctx, rules, frame))
    if metric == "coverage_index":
        return frame.assign(coverage_index=coverage_of_children(ctx, parent, end, frame))
    return frame


#: The map metrics derived from the children's figures in Python.
DERIVED = ("cases_per_1k", "within_sla_rate")


def with_derived(frame: pd.DataFrame, names: tuple[str, ...] = DERIVED) -> pd.DataFrame:
    """``frame`` (the children's figures) with the derived metrics ``names``
    (:func:`derived`)."""
    return frame.assign(**derived(frame, names))


def derived(columns: Any, names: tuple[str, ...] = DERIVED) -> dict[str, np.ndarray]:
    """The derived metrics ``names`` of the children's figures (a frame, or its columns):
    cases per thousand households, the share within the time limit (NaN without households
    or cases). Numpy, not a chain of frame operations (0.6 -> 0.15 ms for a village's
    children)."""
    cases = np.asarray(columns["cases"], dtype=float)
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        if "cases_per_1k" in names:
            households = np.asarray(columns["households"], dtype=float)
            out["cases_per_1k"] = np.where(households > 0, cases / households * 1000, np.nan)
        if "within_sla_rate" in names:
            within = np.asarray(columns["within_sla"], dtype=float)
            out["within_sla_rate"] = np.where(cases > 0, within / cases, np.nan)
    return out


def figure_columns(figures: Any) -> dict[str, np.ndarray]:
    """The children's figures (:func:`queries.cases.child_columns`, or a frame) as arrays,
    with every derived metric: what the map's callback colours each browser metric from (a
    frame with two more columns cost 0.1 ms to build, and each read of a frame column a few
    microseconds, some forty of them a map)."""
    columns = {name: np.asarray(values) for name, values in figures.items()}
    columns.update(derived(columns))
    return columns


def coverage_of_children(ctx: QueryContext, parent: str, end: date, frame: pd.DataFrame
                         ) -> pd.Series | float:
    """Mean branch coverage index (0-100) per child for the month holding ``end``; NaN where
    a child has no judged branch."""
    from dashboard.indicators import as_key
    from queries.coverage import fetch_coverage_by_child, fetch_coverage_month

    month = fetch_coverage_month(ctx, parent, end)
    if month is None or frame.empty:
        return float("nan")
    cov = fetch_coverage_by_child(ctx, parent, month, as_key())
    return frame["code"].map(dict(zip(cov["code"], cov["coverage_index"], strict=True)))


def tier_ranks(ctx: QueryContext, rules: RuleSet, frame: pd.DataFrame) -> pd.Series:
    """Current tier of each child as 0 red, 1 yellow, 2 blue, 3 none; NaN where the child's
    level has no rules (not judged)."""
    from dashboard.tiers import current_warnings

    if frame.empty:
        return pd.Series(dtype=float)
    level = frame["level"].iloc[0]
    warnings = current_warnings(ctx, rules)
    judged = warnings[warnings["unit_type"] == level]
    ranks = dict(zip(judged["code"], judged["rank"].fillna(3), strict=True))
    return frame["code"].map(ranks).astype(float)


def map_metric_of(req: ChartRequest) -> str:
    """The map metric the export draws (the view's, or the default)."""
    from dashboard.metrics import map_metric

    return map_metric(req.metric).name


@_chart("map")
def map_chart(ctx: QueryContext, rules: RuleSet, req: ChartRequest) -> go.Figure:
    """The children of the area (or its siblings, at the bottom of the tree) by metric."""
    from dashboard.metrics import map_metric
    from geodata.service import parent_layer
    from layouts.export import static_map_figure
    from queries.areas import child_codes, fetch_area

    metric = map_metric(req.metric)
    parent = req.area
    if not child_codes(ctx, req.area):
        up = (fetch_area(ctx, req.area) or {}).get("parent_code")
        if isinstance(up, str) and fetch_area(ctx, up) is not None:
            parent = up
    frame = map_frame(ctx, rules, parent, req.start, req.end, metric.name)
    layer = parent_layer(ctx, parent, child_codes(ctx, parent))
    frame = frame[frame["code"].isin(layer.codes)]
    return static_map_figure(layer.geojson, frame, metric, req.lang, ctx.min_sample,
                             layer.outline, layer.labels, layer.bounds)


# --- cases ----------------------------------------------------------------------------------

def category_names(cats: pd.DataFrame, lang: str) -> dict[str, str]:
    names = cats["name_en"].fillna(cats["name"]) if lang == "en" else cats["name"]
    return dict(zip(cats["code"], names, strict=True))


def parent_of(cats: pd.DataFrame, code: str | None) -> str | None:
    """The major category of minor ``code`` (None for a major or an unknown code)."""
    if not code:
        return None
    parent = cats.set_index("code")["parent_code"].get(code)
    return parent if isinstance(parent, str) else None


def category_view(ctx: QueryContext, req: ChartRequest
                  ) -> tuple[pd.DataFrame, dict[str, str], str | None, str | None]:
    """What the category chart shows: the breakdown (majors, or with a category filter the
    minors of its major), the names in the request's language, the selected minor and the
    major drilled into (an unknown filter code is ignored)."""
    from queries.case_analytics import fetch_categories, fetch_counts_by

    cats = fetch_categories(ctx)
    cat = req.cat if req.cat in set(cats["code"]) else None
    major = parent_of(cats, cat) or cat
    by = "minor" if major else "major"
    frame = fetch_counts_by(ctx, req.area, req.start, req.end, by, major, req.src)
    selected = cat if cat != major else None
    return frame, category_names(cats, req.lang), selected, major


@_chart("stages")
def stages_chart(ctx: QueryContext, rules: RuleSet, req: ChartRequest) -> go.Figure:
    from layouts.cases import stage_figure
    from queries.case_analytics import fetch_stage_medians

    return stage_figure(fetch_stage_medians(ctx, req.area, req.start, req.end, req.cat,
                                            req.src), req.lang, 16)


@_chart("categories")
def categories_chart(ctx: QueryContext, rules: RuleSet, req: ChartRequest) -> go.Figure:
    """Major categories; with a category filter, the minors of its major (as on the page)."""
    from layouts.cases import category_figure

    frame, names, selected, _ = category_view(ctx, req)
    return category_figure(frame, names, selected, req.lang, 16)


@_chart("trend")
def trend_chart(ctx: QueryContext, rules: RuleSet, req: ChartRequest) -> go.Figure:
    """Volume and median time by day (up to two months), week (a year) or month."""
    from layouts.cases import trend_figure
    from queries.case_analytics import fetch_trend

    days = (req.end - req.start).days + 1
    grain = "day" if days <= 62 else "week" if days <= 366 else "month"
    return trend_figure(fetch_trend(ctx, req.area, req.start, req.end, grain, req.cat,
                                    req.src), grain, req.lang, 16)


@_chart("histogram")
def histogram_chart(ctx: QueryContext, rules: RuleSet, req: ChartRequest) -> go.Figure:
    """Resolution-time distribution with the SLA marks."""
    from layouts.cases import histogram_figure
    from queries.case_analytics import fetch_histogram

    bins, slas = fetch_histogram(ctx, req.area, req.start, req.end, req.cat, req.src)
    return histogram_figure(bins, slas, req.lang)


@_chart("sources")
def sources_chart(ctx: QueryContext, rules: RuleSet, req: ChartRequest) -> go.Figure:
    """Cases by source (the chosen source highlighted)."""
    from dashboard.schema import SOURCES
    from layouts.cases import source_figure
    from queries.case_analytics import fetch_counts_by

    frame = fetch_counts_by(ctx, req.area, req.start, req.end, "source", req.cat, None)
    return source_figure(frame, req.lang, SOURCES, req.src)


@_chart("heatmap")
def heatmap_chart(ctx: QueryContext, rules: RuleSet, req: ChartRequest) -> go.Figure:
    """Reports by hour of day and weekday."""
    from layouts.cases import heatmap_figure
    from queries.case_analytics import fetch_heatmap

    return heatmap_figure(fetch_heatmap(ctx, req.area, req.start, req.end, req.cat, req.src),
                          req.lang)


@_chart("backlog")
def backlog_chart(ctx: QueryContext, rules: RuleSet, req: ChartRequest) -> go.Figure:
    """Open cases now by age (the period does not apply: the backlog is today's)."""
    from layouts.cases import backlog_figure
    from queries.case_analytics import fetch_backlog

    return backlog_figure(fetch_backlog(ctx, req.area, req.cat, req.src), req.lang)


# --- coverage -------------------------------------------------------------------------------

def _coverage_month(ctx: QueryContext, req: ChartRequest) -> date | None:
    from queries.coverage import fetch_coverage_month

    return fetch_coverage_month(ctx, req.area, req.end)


def _no_coverage(lang: str) -> go.Figure:
    from layouts.coverage import empty_figure

    return empty_figure(t("export.brief.coverage_none", lang))


@_chart("coverage")
def coverage_chart(ctx: QueryContext, rules: RuleSet, req: ChartRequest) -> go.Figure:
    """Mean index, Gini and the top-vs-bottom fifth gap month by month."""
    from dashboard.indicators import as_key
    from layouts.coverage import trend_figure
    from queries.coverage import fetch_coverage_trend

    month = _coverage_month(ctx, req)
    if month is None:
        return _no_coverage(req.lang)
    return trend_figure(fetch_coverage_trend(ctx, req.area, month, as_key()), req.lang)


@_chart("lorenz")
def lorenz_chart(ctx: QueryContext, rules: RuleSet, req: ChartRequest) -> go.Figure:
    """Lorenz curve of the branches' index, against the first month on record."""
    from dashboard.indicators import as_key
    from queries.coverage import fetch_branch_coverage, fetch_coverage_trend

    month = _coverage_month(ctx, req)
    if month is None:
        return _no_coverage(req.lang)
    weights = as_key()
    return lorenz_of(ctx, req, month, fetch_branch_coverage(ctx, req.area, month, weights),
                     fetch_coverage_trend(ctx, req.area, month, weights))


def lorenz_of(ctx: QueryContext, req: ChartRequest, month: date, frame: pd.DataFrame,
              trend: pd.DataFrame) -> go.Figure:
    """The Lorenz figure of ``month``'s branch figures ``frame`` (and its ``trend``), with the
    curve of the first month on record beside it."""
    from dashboard.indicators import as_key
    from layouts.coverage import lorenz_figure
    from queries.coverage import fetch_branch_coverage

    first_month = trend["month"].iloc[0] if not trend.empty else None
    first = (fetch_branch_coverage(ctx, req.area, first_month, as_key())
             if first_month is not None and first_month != month else None)
    return lorenz_figure(frame["coverage_index"].to_numpy(),
                         None if first is None else first["coverage_index"].to_numpy(),
                         month, first_month, req.lang)


def _ranking(ctx: QueryContext, req: ChartRequest, weak: bool) -> go.Figure:
    from dashboard.indicators import as_key
    from layouts.coverage import ranking_figure, split_ranking
    from queries.coverage import fetch_branch_coverage

    month = _coverage_month(ctx, req)
    if month is None:
        return _no_coverage(req.lang)
    frame = fetch_branch_coverage(ctx, req.area, month, as_key())
    best, worst = split_ranking(frame)
    mean = float(frame["coverage_index"].mean())
    return ranking_figure(worst if weak else best, mean, req.lang, weak=weak)


@_chart("ranking_worst")
def ranking_worst_chart(ctx: QueryContext, rules: RuleSet, req: ChartRequest) -> go.Figure:
    return _ranking(ctx, req, weak=True)


@_chart("ranking_best")
def ranking_best_chart(ctx: QueryContext, rules: RuleSet, req: ChartRequest) -> go.Figure:
    return _ranking(ctx, req, weak=False)


#: Every exportable chart, in registry order.
CHARTS: tuple[str, ...] = tuple(_BUILDERS)
#: Charts of the state at the as-of instant (the period does not apply to them).
NOW_CHARTS: frozenset[str] = frozenset({"backlog"})


def chart_name(chart: str, req: ChartRequest) -> str:
    """The chart's name for titles and file names (the map names its metric)."""
    name = t(f"export.chart.{chart}", req.lang)
    if chart == "map":
        return f"{name}-{t(f'map.metric.{map_metric_of(req)}', req.lang)}"
    return name


def chart_figure(ctx: QueryContext, rules: RuleSet, chart: str, req: ChartRequest
                 ) -> tuple[go.Figure, str]:
    """The figure of exportable ``chart`` and its name (for the title and the file name)."""
    builder = _BUILDERS.get(chart)
    if builder is None:
        raise UnknownChart(chart)
    return builder(ctx, rules, req), chart_name(chart, req)
