"""The benchmark's floor computes the figures the interaction shows, on both databases.

The floor is one hand-written statement per interaction (``dashboard.bench``); a floor
that left figures out would flatter nothing and mean nothing. Each of its parts is checked
here against what the app's own queries return for the same view.
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, text

from dashboard import bench, db
from dashboard.indicators import as_key
from queries import case_analytics as ca
from queries import floors, stamp
from queries.cases import fetch_children_figures, fetch_kpis
from queries.context import QueryContext
from queries.coverage import fetch_coverage_trend

OVERVIEW_LIKE = ["open_overview", "drill_town", "drill_village", "change_period"]


def close(a: float, b: float) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or math.isnan(b)
    return a == pytest.approx(b, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("name", OVERVIEW_LIKE)
def test_overview_floor_computes_the_panels_figures(demo_engine: Engine, name: str) -> None:
    url = demo_engine.url.render_as_string(hide_password=False)
    as_of = stamp.as_of(demo_engine).date()
    areas = bench.pick_areas(url)
    sql, params = floors.floor_statements(areas, as_of, demo_engine.dialect.name)[name]
    with demo_engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(text(sql), params).mappings().all())
    area = params["area"]
    start, end = params["lo"].date(), (params["hi"] - timedelta(days=1)).date()
    ctx = QueryContext(engine=demo_engine)
    assert ctx.now == params["now"]  # the floor's "now" is the data's as-of instant

    kids = fetch_children_figures(ctx, area, start, end).set_index("code")
    child = rows[rows["part"] == "child"].set_index("k")
    opened = rows[rows["part"] == "child_open"].set_index("k")
    assert len(child) > 0 and set(child.index) <= set(kids.index)
    for code, app in kids.iterrows():
        got = child.loc[code] if code in child.index else None
        assert (0 if got is None else got["n1"]) == app["cases"], code
        if got is not None:
            assert got["n2"] == app["resolved"] and got["n3"] == app["within_sla"], code
            assert close(float(app["median_hours"]), got["x2"]), code
        assert (opened.loc[code, "n1"] if code in opened.index else 0) == app["open_now"]
        assert (opened.loc[code, "n2"] if code in opened.index else 0) == app["overdue_now"]

    kpis = fetch_kpis(ctx, area, start, end)
    whole = rows[rows["part"] == "area"].iloc[0]
    assert (whole["n1"], whole["n2"], whole["n3"]) == (
        kpis["cases"], kpis["resolved"], kpis["within_sla"])
    for col, key in (("x1", "mean_hours"), ("x2", "median_hours"), ("x3", "p90_hours")):
        assert close(kpis[key], whole[col]), key
    now_open = rows[rows["part"] == "area_open"].iloc[0]
    assert (now_open["n1"], now_open["n2"]) == (kpis["open_now"], kpis["overdue_now"])

    trend = fetch_coverage_trend(ctx, area, params["upto"], as_key()).set_index("month")
    months = rows[rows["part"] == "month"]
    assert len(months) == len(trend) > 0
    for _, m in months.iterrows():
        app = trend.loc[pd.Timestamp(m["k"][:10]).date()]
        values = np.array([float(v) for v in (m["gathered"] or "").split(",") if v])
        spread = db.spread_of(values)
        assert m["n1"] == app["rows"] and spread["n"] == app["judged"]
        if spread["n"]:
            assert close(app["index_mean"], spread["total"] / spread["n"])
            gini = 0.0 if spread["total"] == 0 else spread["gini_num"] / (
                spread["n"] * spread["total"])
            assert close(app["gini"], gini)


def test_floor_leaves_out_no_area_condition_below_the_root(sqlite_engine: Engine) -> None:
    """Over the county the statement names no area (as the app's queries name none); below
    it, every scan is held to the area's subtree."""
    url = sqlite_engine.url.render_as_string(hide_password=False)
    areas = bench.pick_areas(url)
    stmts = floors.floor_statements(areas, stamp.as_of(sqlite_engine).date(), "sqlite")
    county, _ = stmts["open_overview"]
    town, _ = stmts["drill_town"]
    assert "ancestor_code = :area" not in county
    assert town.count("ancestor_code = :area") == 4  # period, both open parts, branches


def test_case_page_floor_lists_as_many_rows_as_the_page() -> None:
    from layouts import cases as page

    assert floors.OVERDUE_ROWS == page.SCREEN_ROWS
    assert floors.RISK_HOURS == page.DEFAULT_RISK_HOURS


def _floor_rows(engine: Engine, area: str, root: bool) -> tuple[pd.DataFrame, dict]:
    params = floors.case_page_params(area, stamp.as_of(engine).date())
    sql = floors.case_page_sql(engine.dialect.name, root=root)
    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(text(sql), params).mappings().all())
    return rows, params


def _part(rows: pd.DataFrame, name: str) -> pd.DataFrame:
    return rows[rows["part"] == name].reset_index(drop=True)


@pytest.mark.parametrize("level", ["county", "town"])
def test_case_page_floor_computes_every_panels_figures(demo_engine: Engine, level: str
                                                       ) -> None:
    url = demo_engine.url.render_as_string(hide_password=False)
    areas = bench.pick_areas(url)
    area = getattr(areas, level)
    rows, params = _floor_rows(demo_engine, area, root=level == "county")
    start, end = params["lo"].date(), (params["hi"] - timedelta(days=1)).date()
    ctx = QueryContext(engine=demo_engine)
    counts = list(ca.COUNT_COLUMNS)
    n = [f"n{i}" for i in range(1, 13)]

    # the KPI cards: this period, the one before, the year before; open at each one's "now"
    comparison = ca.fetch_kpi_comparison(ctx, area, start, end)
    kpi, opened = _part(rows, "kpi").set_index("k1"), _part(rows, "kpi_open").set_index("k1")
    assert set(kpi.index) == set(comparison) == set(opened.index)
    for label, app in comparison.items():
        assert [int(kpi.loc[label, c]) for c in n[:7]] == [app[c] for c in counts], label
        for col, key in (("x1", "mean_hours"), ("x2", "median_hours"), ("x3", "p90_hours")):
            assert close(app[key], kpi.loc[label, col]), (label, key)
        assert (opened.loc[label, "n1"], opened.loc[label, "n2"]) == (
            app["open_now"], app["overdue_now"]), label

    # the stage medians, and the group table (per child, with its stage medians)
    stage = _part(rows, "stages").iloc[0]
    for i, app in ca.fetch_stage_medians(ctx, area, start, end).iterrows():
        assert (stage[f"n{2 * i + 1}"], stage[f"n{2 * i + 2}"]) == (
            app["n"], app["out_of_order"]), app["stage"]
        assert close(app["median_hours"], stage[f"x{i + 1}"]), app["stage"]
    table = ca.fetch_breakdown(ctx, area, start, end, "child").set_index("key")
    medians = ca.fetch_stage_medians_by(ctx, area, start, end, "child").set_index("key")
    child = _part(rows, "child").set_index("k1")
    child_open = _part(rows, "child_open").set_index("k1")
    assert len(child) > 0 and set(child.index) <= set(table.index)
    for key, app in table.iterrows():
        if key not in child.index:
            assert app["cases"] == 0, key
        else:
            got = child.loc[key]
            assert [int(got[c]) for c in n[:7]] == [app[c] for c in counts], key
            assert close(app["median_hours"], got["x1"]) and close(app["p90_hours"], got["x2"])
            for j, (name, _, _) in enumerate(ca.STAGES):
                expected = medians.loc[key, name] if key in medians.index else math.nan
                assert close(float(expected), got[f"x{j + 3}"]), (key, name)
        assert (child_open.loc[key, "n1"] if key in child_open.index else 0) == app["open_now"]
        assert (child_open.loc[key, "n2"] if key in child_open.index else 0) == (
            app["overdue_now"])

    # the histogram and the time-limit mix
    bins, slas = ca.fetch_histogram(ctx, area, start, end)
    hist = {(int(r.k1), int(r.k2)): int(r.n1) for r in _part(rows, "hist").itertuples()}
    for b in bins.itertuples():
        assert (hist.get((b.bin, 1), 0), hist.get((b.bin, 0), 0)) == (b.within, b.late), b.bin
    assert sum(hist.values()) == bins["within"].sum() + bins["late"].sum()
    sla = {round(float(r.x1), 6): int(r.n1) for r in _part(rows, "sla").itertuples()}
    assert sla == dict(zip(slas["sla_hours"], slas["cases"], strict=True))

    # the category and source bars
    for by, part in (("major", "major"), ("source", "source")):
        app = ca.fetch_counts_by(ctx, area, start, end, by).set_index("key")
        got = _part(rows, part).set_index("k1")
        assert set(got.index) == set(app.index), by
        for key in app.index:
            assert [int(got.loc[key, c]) for c in n[:7]] == [
                int(app.loc[key, c]) for c in counts], (by, key)

    # the weekday x hour map (SQL's dow: 0 Sunday; the map's rows: 0 Monday)
    heat = ca.fetch_heatmap(ctx, area, start, end)
    grid = np.zeros((7, 24), dtype=int)
    for r in _part(rows, "heat").itertuples():
        grid[(int(r.k1) + 6) % 7, int(r.k2)] = int(r.n1)
    assert (grid == heat.to_numpy()).all() and grid.sum() > 0

    # the daily trend with its medians
    trend = ca.fetch_trend(ctx, area, start, end, "day").set_index("bucket")
    day = _part(rows, "day").set_index("k1")
    assert set(day.index) == set(trend.index)
    for key, app in trend.iterrows():
        assert [int(day.loc[key, c]) for c in n[:3]] == [
            app["cases"], app["resolved"], app["within_sla"]], key
        assert close(app["median_hours"], day.loc[key, "x1"]), key

    # the backlog by age, and the two lists with the names they show
    backlog = ca.fetch_backlog(ctx, area)
    ages = {(int(r.k1), int(r.k2)): int(r.n1) for r in _part(rows, "backlog").itertuples()}
    for b in backlog.itertuples():
        assert (ages.get((b.age, 0), 0), ages.get((b.age, 1), 0)) == (b.on_time, b.overdue)
    for part, app, col in (
            ("overdue", ca.fetch_overdue_cases(ctx, area, limit=floors.OVERDUE_ROWS),
             "overdue_hours"),
            ("risk", ca.fetch_at_risk(ctx, area, float(floors.RISK_HOURS)), "hours_left")):
        got = _part(rows, part)
        got = got.assign(due=pd.to_datetime(got["k15"]), id=got["k1"]).sort_values(
            ["due", "id"]).reset_index(drop=True)
        assert list(got["id"]) == [str(i) for i in app["id"]], part
        names = got[["k2", "k3", "k4", "k6", "k10"]].to_numpy().tolist()
        assert names == app[["area_name", "town", "major_name", "category_name",
                             "summary"]].to_numpy().tolist(), part
        assert all(close(float(a), float(b)) for a, b in zip(app[col], got["x1"], strict=True))
    assert len(_part(rows, "overdue")) > 0
