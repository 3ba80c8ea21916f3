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
    as_of = db.as_of(demo_engine).date()
    areas = bench.pick_areas(url)
    sql, params = bench.floor_statements(areas, as_of, demo_engine.dialect.name)[name]
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
    stmts = bench.floor_statements(areas, db.as_of(sqlite_engine).date(), "sqlite")
    county, _ = stmts["open_overview"]
    town, _ = stmts["drill_town"]
    assert "ancestor_code = :area" not in county
    assert town.count("ancestor_code = :area") == 4  # period, both open parts, branches
