"""The case page's charts are written as plain dicts (``layouts.cases._figure``) and skip
plotly's validation at run time; here every one goes through it strictly, and shows what it
should."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import layouts.cases as lc
from dashboard.schema import SOURCES


def strict(fig: go.Figure) -> go.Figure:
    """``fig`` rebuilt with validation: a misspelt property raises ValueError here."""
    return go.Figure(fig.to_plotly_json())


def stages() -> pd.DataFrame:
    return pd.DataFrame({"stage": list(lc.STAGE_NAMES), "n": [90, 88, 80, 75],
                         "out_of_order": [0, 1, 0, 2],
                         "median_hours": [0.2, 0.5, math.nan, 6.9]})


def bins() -> tuple[pd.DataFrame, pd.DataFrame]:
    edges = (0.0, 1.0, 4.0, 24.0, 72.0, math.inf)
    frame = pd.DataFrame({"bin": range(5), "lo": edges[:-1], "hi": edges[1:],
                          "within": [5, 40, 70, 20, 0], "late": [0, 0, 5, 30, 12]})
    slas = pd.DataFrame({"sla_hours": [24.0, 72.0, 4.0, 1.0], "cases": [100, 50, 20, 5]})
    return frame, slas


def test_every_chart_passes_strict_validation() -> None:
    grid = pd.DataFrame(np.arange(168).reshape(7, 24))
    trend = pd.DataFrame({"bucket": ["2026-11-01", "2026-11-02"], "cases": [10, 12],
                          "median_hours": [5.0, math.nan]})
    cats = pd.DataFrame({"key": ["A", "B"], "cases": [30, 0], "within_sla_rate": [0.9, 0.0]})
    srcs = pd.DataFrame({"key": ["app", "hotline"], "cases": [3, 1]})
    backlog = pd.DataFrame({"age": [0, 1, 2], "on_time": [5, 2, 0], "overdue": [0, 3, 9]})
    figs = [lc.empty_figure("-"), lc.stage_figure(stages(), "zh"),
            lc.histogram_figure(*bins(), "zh"), lc.trend_figure(trend, "week", "en"),
            lc.category_figure(cats, {"A": "甲"}, "A", "zh"),
            lc.source_figure(srcs, "zh", SOURCES, "app"), lc.heatmap_figure(grid, "zh"),
            lc.backlog_figure(backlog, "en", 16)]
    for fig in figs:
        checked = strict(fig)
        assert checked.layout.xaxis.gridcolor == lc.GRID
        assert checked.layout.font.family == lc.FONT
    trend_fig = strict(figs[3])
    assert trend_fig.data[1].yaxis == "y2" and trend_fig.layout.yaxis2.overlaying == "y"
    assert trend_fig.layout.xaxis.tickformat == "%m-%d"


def test_stage_chart_marks_the_slowest_step_and_leaves_a_gap_without_figures() -> None:
    fig = strict(lc.stage_figure(stages(), "zh"))
    bar = fig.data[0]
    assert list(bar.marker.color) == [lc.ACCENT, lc.ACCENT, lc.ACCENT, lc.LATE]
    assert bar.text[2] == "—" and bar.x[2] == 0
    assert fig.layout.xaxis.range == pytest.approx((0, 6.9 * 1.3))
    assert fig.layout.yaxis.autorange == "reversed"


def test_histogram_draws_the_three_commonest_limits_and_names_them_once() -> None:
    frame, slas = bins()
    fig = strict(lc.histogram_figure(frame, slas, "en"))
    assert [s.line.dash for s in fig.layout.shapes] == ["dash"] * 3
    assert [s.yref for s in fig.layout.shapes] == ["y domain"] * 3
    assert len(fig.layout.annotations) == 3
    assert fig.layout.barmode == "stack" and fig.layout.legend.traceorder == "normal"
    legend = fig.data[-1]
    assert legend.mode == "lines" and "57" in legend.name  # 100 of 175 cases: 24 h
    assert fig.layout.yaxis.range == pytest.approx((0, 75 * 1.2))
    # no resolved case: the empty note, no bars
    empty = strict(lc.histogram_figure(frame.assign(within=0, late=0), slas, "en"))
    assert not empty.data and empty.layout.annotations


def test_category_source_heatmap_and_backlog_show_their_numbers() -> None:
    cats = pd.DataFrame({"key": ["A", "B", "C"], "cases": [30, 0, 5],
                         "within_sla_rate": [0.9, 0.0, 0.5]})
    bar = strict(lc.category_figure(cats, {"A": "甲"}, "C", "zh")).data[0]
    assert list(bar.y) == ["C", "甲"] and list(bar.customdata) == ["C", "A"]
    assert list(bar.marker.color) == [lc.SELECTED, lc.ACCENT]

    srcs = pd.DataFrame({"key": ["hotline", "app"], "cases": [1, 3]})
    src = strict(lc.source_figure(srcs, "en", SOURCES, "hotline")).data[0]
    assert list(src.x) == [75.0, 25.0]  # the schema's order of sources, as shares
    assert list(src.marker.color) == [lc.SOFT, lc.SELECTED]

    grid = pd.DataFrame(np.arange(168).reshape(7, 24))
    heat = strict(lc.heatmap_figure(grid, "en")).data[0]
    assert heat.z[6][23] == 167 and len(heat.text) == 7 and "167" in heat.text[6][23]

    backlog = pd.DataFrame({"age": [0, 1], "on_time": [1000, 2], "overdue": [234, 3]})
    fig = strict(lc.backlog_figure(backlog, "en"))
    assert list(fig.data[2].text) == ["1,234", "5"]
    assert fig.layout.yaxis.range == pytest.approx((0, 1234 * 1.18))
