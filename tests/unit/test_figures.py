"""Figures built as plain dicts (``layouts.components.unchecked_figure``) skip plotly's
validation at run time; here the same dicts go through it strictly."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from layouts.coverage import trend_figure


def trend_frame(months: int = 6) -> pd.DataFrame:
    rows = []
    for i in range(months):
        bottom, top = 40.0 - i, 80.0 + i
        rows.append({"month": date(2026, i + 1, 1), "rows": 50, "judged": 48, "flagged": 2,
                     "index_mean": 60.0 + i / 2, "gini": 0.10 + i / 100,
                     "bottom_mean": bottom, "top_mean": top, "quintile_gap": top - bottom})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("compact", [True, False])
def test_coverage_trend_dict_passes_plotly_validation(compact: bool) -> None:
    fig = trend_figure(trend_frame(), "zh", height=300, compact=compact)
    spec = fig.to_plotly_json()
    checked = go.Figure(spec)  # strict: a misspelt property raises ValueError here
    names = [tr.name for tr in checked.data]
    assert len(names) == (3 if compact else 4)
    assert checked.layout.yaxis.range == (0, 100)
    texts = [a.text for a in checked.layout.annotations]
    # the gap at both ends (40 -> 30 points) and the line names at the right end
    assert any("40" in s for s in texts) and any("50" in s for s in texts)
    assert len(texts) == (4 if compact else 6)
    if not compact:
        assert checked.data[-1].yaxis == "y2" and checked.layout.xaxis.matches == "x2"


@pytest.mark.parametrize("compact", [True, False])
def test_coverage_trend_of_one_branch_names_no_band(compact: bool) -> None:
    """A village with one judged branch has no top and bottom fifth (the gap is NaN, the
    two lines the same branch): no "gap —" labels, no line names over one another and no
    Gini (0 by arithmetic)."""
    one = trend_frame().assign(judged=1, bottom_mean=70.0, top_mean=70.0,
                               quintile_gap=float("nan"))
    texts = [a.text for a in go.Figure(trend_figure(one, "zh", compact=compact)
                                       .to_plotly_json()).layout.annotations]
    assert not any("—" in s for s in texts), texts
    # nor a Gini: over one branch it is 0 by arithmetic, not an even spread; the index is drawn
    assert texts == []
    fig = trend_figure(one, "zh", compact=compact)
    assert all(y is not None for y in fig.data[2].y)  # the mean index, every month
    if not compact:
        assert all(y is None for y in fig.data[3].y)  # the Gini row: nothing
    # the first month with a band gets its gap again
    grown = one.copy()
    grown.loc[grown.index[-1], ["bottom_mean", "quintile_gap"]] = [50.0, 20.0]
    texts = [a.text for a in trend_figure(grown, "zh", compact=compact).layout.annotations]
    assert sum("20" in s for s in texts) == 1 and len(texts) == 3
    # two judged branches in the last month: its Gini is drawn and labelled
    two = grown.copy()
    two.loc[two.index[-1], "judged"] = 2
    full = trend_figure(two, "zh")
    assert [y is not None for y in full.data[3].y] == [False] * (len(two) - 1) + [True]
    label = f"<b>{two['gini'].iloc[-1]:.3f}</b>"
    assert [a.text for a in full.layout.annotations].count(label) == 1


def test_coverage_trend_rows_sit_where_make_subplots_puts_them() -> None:
    """The two-row layout is written by hand: its domains are make_subplots' own."""
    ref = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                        row_heights=[0.64, 0.36])
    ours = trend_figure(trend_frame(), "en").layout
    assert ours.yaxis.domain == pytest.approx(ref.layout.yaxis.domain, abs=1e-3)
    assert ours.yaxis2.domain == pytest.approx(ref.layout.yaxis2.domain, abs=1e-3)


def test_coverage_trend_without_judged_months_says_so() -> None:
    empty = trend_frame().assign(gini=float("nan"))
    fig = trend_figure(empty, "en")
    assert not fig.data and fig.layout.annotations


def square(code: str, x: float) -> dict:
    ring = [[x, 30.0], [x + 1, 30.0], [x + 1, 31.0], [x, 31.0], [x, 30.0]]
    return {"type": "Feature", "id": code, "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


@pytest.mark.parametrize("metric_name", ["cases", "within_sla_rate", "warning_tier"])
def test_map_dict_passes_plotly_validation(metric_name: str) -> None:
    from dashboard.metrics import map_metric
    from layouts.map import map_figure

    geojson = {"type": "FeatureCollection", "features": [square("a", 120.0),
                                                         square("b", 121.0)]}
    frame = pd.DataFrame({"code": ["a", "b"], "name": ["甲村", "乙村"], "cases": [40, 3],
                          "within_sla_rate": [0.9, 0.5], "warning_tier": [2, 0]})
    labels = [{"code": "a", "name": "甲村", "lon": 120.5, "lat": 30.5},
              {"code": "b", "name": "乙村", "lon": 121.5, "lat": 30.5}]
    spec = map_figure(geojson, frame, map_metric(metric_name), "zh", 20,
                      [[(120.0, 30.0), (122.0, 30.0), (122.0, 31.0), (120.0, 30.0)]], labels,
                      (120.0, 30.0, 122.0, 31.0), revision="p", selected="b")
    checked = go.Figure(spec)  # strict validation of every property
    assert [tr.type for tr in checked.data] == ["choroplethmap", "choroplethmap",
                                                "scattermap", "scattermap", "scattermap"]
    shown = set(checked.data[0].locations) | set(checked.data[1].locations)
    assert shown == {"a", "b"}
    assert len([v for v in checked.data[4].lon if v is not None]) == 5  # b's outline
    assert checked.layout.map.zoom > 5 and checked.layout.uirevision == "p"


def test_declutter_keeps_the_larger_area_where_two_labels_would_overlap() -> None:
    from layouts.map import declutter

    labels = [{"code": "s", "name": "小胜街道", "lon": 120.500, "lat": 30.500, "area": 0.001},
              {"code": "b", "name": "后乐镇", "lon": 120.502, "lat": 30.500, "area": 0.050},
              {"code": "f", "name": "前屯镇", "lon": 121.400, "lat": 30.900, "area": 0.010}]
    bounds = (120.0, 30.0, 122.0, 31.0)
    assert declutter(labels, bounds, (600, 520), 13) == [False, True, True]
    # zoomed in far enough (a small bounding box), the two no longer collide
    near = (120.498, 30.498, 120.504, 30.502)
    assert declutter(labels[:2], near, (600, 520), 13) == [True, True]
    assert declutter([], bounds, (600, 520), 13) == []


def test_spread_note_says_one_judged_branch_has_no_gap() -> None:
    from layouts.coverage import spread_note

    one = trend_frame().assign(judged=1, bottom_mean=70.0, top_mean=70.0,
                               quintile_gap=float("nan"), gini=0.0)
    props = spread_note(one, "zh").to_plotly_json()["props"]
    assert props["data-direction"] == "too_few"
    assert "1个支部" in props["children"] and "—" not in props["children"]
    # two judged branches or more: the sentence on the trend
    widening = spread_note(trend_frame(), "en").to_plotly_json()["props"]
    assert widening["data-direction"] == "widening"


def test_gini_card_of_one_judged_branch_shows_no_figure() -> None:
    """One judged branch: its Gini is 0 by arithmetic, not an even spread; the card shows
    "—" and no change (beside the sentence that says only one branch is judged), while the
    mean index keeps its figure. Two or more: the Gini and its change."""
    from layouts.coverage import spread_cards

    def shown(trend: pd.DataFrame) -> dict[str, tuple[str, bool]]:
        out = {}
        for card in spread_cards(trend, "zh"):
            js = card.to_plotly_json()["props"]["children"]
            value = js[1].children[0]
            out[value.to_plotly_json()["props"]["data-coverage-kpi"]] = (
                value.children, js[2] is not None)
        return out

    one = trend_frame().assign(judged=1, bottom_mean=70.0, top_mean=70.0,
                               quintile_gap=float("nan"), gini=0.0)
    cards = shown(one)
    assert cards["gini"] == ("—", False)
    assert cards["index_mean"][0] != "—" and cards["index_mean"][1]
    many = shown(trend_frame())
    assert many["gini"] == ("0.150", True)


def test_a_metric_switched_in_the_browser_draws_what_the_server_draws() -> None:
    """The colourings sent with the map (layouts.map.metric_changes), applied to the map of
    any metric (apply_changes, the twin of the browser's applyChanges), give the map the
    server draws for that metric (a property set to None is plotly's default, as one left
    out), with the geometry shared, not copied; the server's Patch changes the same paths."""
    import json

    from dashboard.metrics import map_metric
    from layouts.map import (
        BROWSER_METRICS,
        apply_changes,
        map_figure,
        metric_changes,
        placed_labels,
    )

    geojson = {"type": "FeatureCollection",
               "features": [square("a", 120.0), square("b", 121.0), square("c", 122.0)]}
    frame = pd.DataFrame({
        "code": ["a", "b", "c"], "name": ["甲村", "乙村", "丙村"], "households": [100, 0, 50],
        "cases": [40, 3, 25], "open_now": [10, 2, 5], "overdue_now": [3, 0, 2],
        "median_hours": [12.0, float("nan"), 30.0], "cases_per_1k": [400.0, float("nan"), 500.0],
        "within_sla_rate": [0.7, 1 / 3, 0.4], "warning_tier": [0.0, float("nan"), 2.0],
        "coverage_index": [80.0, 60.0, float("nan")]})
    labels = [{"code": c, "name": n, "lon": 120.5 + i, "lat": 30.5, "area": 1.0}
              for i, (c, n) in enumerate(zip("abc", frame["name"], strict=True))]
    bounds = (120.0, 30.0, 123.0, 31.0)

    def drawn(name: str) -> dict:
        return map_figure(geojson, frame, map_metric(name), "zh", 20, [], labels, bounds,
                          revision="p", selected="b")

    def plain(value: object) -> object:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if v is not None}
        return [plain(v) for v in value] if isinstance(value, list) else value

    checked = 0
    for shown in ("cases", "within_sla_rate", "warning_tier", "coverage_index"):
        before = drawn(shown)
        kept = json.dumps(before, sort_keys=True)
        for name in BROWSER_METRICS:
            changes = metric_changes(frame, map_metric(name), "zh", 20, labels, bounds)
            after = apply_changes(before, changes)
            assert json.dumps(plain(after), sort_keys=True) == json.dumps(
                plain(drawn(name)), sort_keys=True), (shown, name)
            assert after["data"][0]["geojson"] is before["data"][0]["geojson"]
            checked += 1
        assert json.dumps(before, sort_keys=True) == kept  # the figure given is not changed
    assert checked == 4 * len(BROWSER_METRICS) == 24
    # the labels placed once serve every browser metric (callbacks.map.browser_colourings)
    placed = placed_labels(labels, frame, map_metric("cases"), "zh", bounds)
    for name in BROWSER_METRICS:
        assert metric_changes(frame, map_metric(name), "zh", 20, labels, bounds,
                              placed=placed) == metric_changes(frame, map_metric(name), "zh",
                                                               20, labels, bounds), name
    assert "warning_tier" not in BROWSER_METRICS and "coverage_index" not in BROWSER_METRICS


def test_the_map_of_a_browser_metric_is_drawn_from_its_colouring() -> None:
    """The map's callback colours every browser metric from the children's figures as
    arrays (dashboard.charts.figure_columns, derived metrics included) and draws the shown
    one from its colouring: the same figure as drawn from the frame with that metric's
    column (map_frame), for every browser metric and with the tier on the big screen's dark
    style too."""
    import json

    from dashboard.charts import figure_columns, with_derived
    from dashboard.metrics import map_metric
    from layouts.map import BROWSER_METRICS, map_figure, metric_changes

    geojson = {"type": "FeatureCollection",
               "features": [square("a", 120.0), square("b", 121.0), square("c", 122.0)]}
    frame = pd.DataFrame({
        "code": ["a", "b", "c"], "name": ["甲村", "乙村", "丙村"], "level": ["village"] * 3,
        "households": [100, 0, 50], "cases": [40, 3, 25], "resolved": [30, 1, 20],
        "within_sla": [28, 1, 10], "open_now": [10, 2, 5], "overdue_now": [3, 0, 2],
        "median_hours": [12.0, float("nan"), 30.0]})
    labels = [{"code": c, "name": n, "lon": 120.5 + i, "lat": 30.5, "area": 1.0}
              for i, (c, n) in enumerate(zip("abc", frame["name"], strict=True))]
    bounds = (120.0, 30.0, 123.0, 31.0)
    columns = figure_columns(frame)
    assert set(columns) == {*frame.columns, "cases_per_1k", "within_sla_rate"}
    assert columns["cases_per_1k"][0] == 400.0 and np.isnan(columns["cases_per_1k"][1])
    for name in BROWSER_METRICS:
        metric = map_metric(name)
        framed = with_derived(frame, (name,)) if name in columns and name not in frame else frame
        from_frame = map_figure(geojson, framed, metric, "zh", 20, [], labels, bounds,
                                revision="p", selected="b")
        changes = metric_changes(columns, metric, "zh", 20, labels, bounds)
        assert changes == metric_changes(framed, metric, "zh", 20, labels, bounds), name
        given = map_figure(geojson, framed, metric, "zh", 20, [], labels, bounds,
                           revision="p", selected="b", changes=changes)
        assert json.dumps(given, sort_keys=True) == json.dumps(from_frame, sort_keys=True)
    tiers = frame.assign(warning_tier=[0.0, float("nan"), 3.0])
    dark = map_figure(geojson, tiers, map_metric("warning_tier"), "zh", 20, [], labels, bounds,
                      revision="p", style="dark")
    assert dark["data"][0]["colorscale"][-1][1] == "#2c4466"  # "no warning", dark
    assert dark["data"][0]["locations"] == ["a", "c"] and dark["data"][1]["locations"] == ["b"]


def test_the_coverage_panel_reads_the_trend_as_columns_as_from_a_frame() -> None:
    """The overview's coverage panel reads the trend as plain columns
    (queries.coverage.fetch_trend_columns); the coverage page as a frame: the same cards,
    sentence and band either way - several months, one month, a last month with one judged
    branch, a month without any, none at all."""
    import functools
    import json

    from callbacks.context import plain
    from layouts.coverage import overview_summary, spread_cards, spread_note, trend_spec

    several = trend_frame()
    one_branch = trend_frame(3)
    one_branch.loc[2, ["judged", "gini", "quintile_gap"]] = [1, 0.0, float("nan")]
    none_judged = trend_frame(4)
    none_judged.loc[1, ["judged", "index_mean", "gini", "quintile_gap"]] = [0] + [
        float("nan")] * 3
    empty = trend_frame(0).reindex(columns=list(trend_frame(1).columns))
    for name, frame in (("several", several), ("one month", trend_frame(1)),
                        ("one branch", one_branch), ("none judged", none_judged),
                        ("empty", empty)):
        columns = {c: frame[c].tolist() for c in frame.columns}
        for lang in ("zh", "en"):
            for build in (functools.partial(overview_summary, href="/coverage?area=1"),
                          spread_cards, spread_note,
                          functools.partial(trend_spec, height=240, compact=True)):
                assert json.dumps(plain(build(columns, lang=lang)), sort_keys=True,
                                  default=str) == json.dumps(plain(build(frame, lang=lang)),
                                                             sort_keys=True, default=str), (
                    name, lang, build)


def test_lorenz_of_one_branch_names_no_gini() -> None:
    """One branch: its Lorenz curve is the equality line and its Gini 0 by arithmetic; the
    legend says "—", as the cards do. Two or more: the Gini."""
    from dashboard.indicators import gini
    from layouts.coverage import fmt_gini, lorenz_figure

    one = lorenz_figure([80.0], [70.0], date(2026, 11, 1), date(2024, 1, 1), "zh")
    names = [tr.name for tr in one.data[1:]]
    assert len(names) == 2 and all("—" in n and "0.000" not in n for n in names), names
    many = lorenz_figure([80.0, 40.0, 60.0], None, date(2026, 11, 1), None, "zh")
    assert fmt_gini(gini([80.0, 40.0, 60.0])) in many.data[1].name
