"""quantile_cont on SQLite: group_concat + ``cd_quantile`` match pandas' linear quantiles,
leaves NULLs out, and is there on any engine's connections (not only get_engine's)."""

from __future__ import annotations

import math
import random

import pandas as pd
import pytest
from sqlalchemy import Column, Float, Integer, MetaData, Table, create_engine, insert, select

from queries.sqlfuncs import quantile_cont

meta = MetaData()
values = Table("v", meta, Column("g", Integer), Column("x", Float, nullable=True))


@pytest.fixture
def engine():  # type: ignore[no-untyped-def]
    engine = create_engine("sqlite://")  # a plain engine: the listener is global
    meta.create_all(engine)
    rng = random.Random(3)
    rows = [{"g": g, "x": rng.lognormvariate(1, 1) if rng.random() > 0.1 else None}
            for g in (1, 2, 3) for _ in range(g * 37)]
    rows += [{"g": 4, "x": None}, {"g": 5, "x": 2.5}]
    with engine.begin() as conn:
        conn.execute(insert(values), rows)
    return engine


def test_grouped_quantiles_match_pandas(engine) -> None:  # type: ignore[no-untyped-def]
    probs = (0.0, 0.1, 0.5, 0.9, 1.0)
    stmt = select(values.c.g, *[quantile_cont(values.c.x, p).label(f"q{i}")
                                for i, p in enumerate(probs)]).group_by(values.c.g)
    with engine.connect() as conn:
        got = {row[0]: row[1:] for row in conn.execute(stmt)}
        raw = pd.read_sql(select(values), conn)
    for g, qs in got.items():
        xs = raw.loc[raw["g"] == g, "x"].dropna()
        for p, q in zip(probs, qs, strict=True):
            if xs.empty:
                assert q is None  # a group without values: NULL, as percentile_cont
            else:
                assert q == pytest.approx(float(xs.quantile(p)), rel=1e-12)
    assert got[5] == (2.5,) * len(probs)


def test_out_of_range_quantile_is_refused() -> None:
    with pytest.raises(ValueError, match="outside 0..1"):
        quantile_cont(values.c.x, 1.5)
    assert not math.isnan(quantile_cont(values.c.x, 0.25).p)


def test_statements_that_differ_only_in_p_do_not_share_compiled_sql(engine) -> None:  # type: ignore[no-untyped-def]
    # SQLAlchemy caches compiled SQL by the statement's cache key: p must be part of it, or
    # the second statement runs the first one's SQL (the 0.9 quantile came back as the median)
    def one(p: float) -> float:
        stmt = select(quantile_cont(values.c.x, p)).where(values.c.g == 3)
        with engine.connect() as conn:
            return float(conn.execute(stmt).scalar_one())

    xs = pd.read_sql(select(values.c.x).where(values.c.g == 3), engine)["x"].dropna()
    assert select(quantile_cont(values.c.x, 0.5))._generate_cache_key() != select(
        quantile_cont(values.c.x, 0.9))._generate_cache_key()
    for p in (0.5, 0.9, 0.1, 0.5):
        assert math.isclose(one(p), xs.quantile(p), rel_tol=1e-12)


def test_spread_of_a_group_matches_numpy_and_says_nothing_without_values() -> None:
    import json

    import numpy as np

    from dashboard.db import SMALL_SPREAD, spread_of, text_spread

    rng = random.Random(5)
    # a village's few values are summed in Python, a county's many by numpy (SMALL_SPREAD)
    for size in (37, SMALL_SPREAD, SMALL_SPREAD + 1, 1215):
        xs = [rng.uniform(0, 100) for _ in range(size)]
        got = json.loads(text_spread(",".join(f"{v:.15g}" for v in xs)))
        x = np.sort(np.array([float(f"{v:.15g}") for v in xs]))
        n, k = len(x), max(1, len(x) // 5)
        assert got == spread_of(list(x)) == spread_of(x[::-1])  # any order, list or array
        assert got["n"] == n and math.isclose(got["total"], x.sum(), rel_tol=1e-12)
        assert math.isclose(got["gini_num"],
                            float(((2 * np.arange(1, n + 1) - n - 1) * x).sum()), rel_tol=1e-9)
        assert math.isclose(got["bottom_mean"], x[:k].mean()) and math.isclose(
            got["top_mean"], x[-k:].mean())
    one = json.loads(text_spread("4.5"))
    assert one == {"n": 1, "total": 4.5, "gini_num": 0.0, "bottom_mean": 4.5, "top_mean": 4.5}
    for nothing in (None, ""):  # group_concat of NULLs only is NULL
        none = json.loads(text_spread(nothing))
        assert none["n"] == 0 and none["total"] is None and none["gini_num"] is None


def test_quantiles_of_the_same_hours_gather_them_once_on_sqlite() -> None:
    """The app's SQLite engine names its parameters: the as-of instant inside the resolved
    cases' hours is one ``:name`` in every quantile of them, so the median's and the p90's
    ``group_concat(...)`` are the same expression, which SQLite computes once per group.
    With "?" placeholders every use is a parameter of its own and the two would differ."""
    import re
    from datetime import date

    from dashboard import db, schema
    from queries.case_analytics import build_period_figures
    from queries.context import QueryContext

    engine = db.get_engine("sqlite://")
    schema.metadata.create_all(engine)  # an empty county: the statement is only compiled
    stmt = build_period_figures(QueryContext(engine=engine), "C", date(2026, 3, 1),
                                date(2026, 3, 31), None, None, (0.5, 0.9))
    sql = str(stmt.compile(engine))
    gathered = re.findall(r"cd_quantile\((group_concat\(.*?\)), 0\.[59]\)", sql)
    assert len(gathered) == 2 and gathered[0] == gathered[1], gathered
    assert "?" not in gathered[0] and ":" in gathered[0]


def test_histogram_computes_each_resolution_time_once() -> None:
    """The histogram bins the resolution time with a CASE of thirteen edges: it is computed
    in a subquery of its own (``computed_once``), so the SQL parses each timestamp once per
    row; flattened into the CASE it was parsed again in every branch a row passed."""
    from datetime import date

    from dashboard import db, schema
    from queries.case_analytics import HIST_EDGES, build_histogram
    from queries.context import QueryContext

    engine = db.get_engine("sqlite://")
    schema.metadata.create_all(engine)
    stmt = build_histogram(QueryContext(engine=engine), "C", date(2026, 3, 1),
                           date(2026, 3, 31))
    sql = str(stmt.compile(engine))
    parses = sql.count("unixepoch(") + sql.count("strftime('%s'")  # SQLite before 3.38
    assert len(HIST_EDGES) > 5 and parses == 2, sql
    assert "OFFSET" in sql


def test_quantiles_of_durations_gather_whole_seconds_on_sqlite() -> None:
    """A quantile of hours (the resolution time, each stage) gathers integer seconds and
    scales the quantile after; other values are gathered as they are. The figures are the
    same as pandas' (the analytics tests); this checks the SQL that makes them cheaper."""
    import re
    from datetime import date

    from sqlalchemy import Float, column

    from dashboard import db, schema
    from queries.case_analytics import build_breakdown, build_stage_counts
    from queries.context import QueryContext

    engine = db.get_engine("sqlite://")
    schema.metadata.create_all(engine)
    ctx = QueryContext(engine=engine)
    period = (date(2026, 3, 1), date(2026, 3, 31))
    for stmt in (build_stage_counts(ctx, "C", *period),
                 build_breakdown(ctx, "C", *period, "child", probs=(0.5, 0.9), stages=True)):
        sql = str(stmt.compile(engine))
        gathered = re.findall(r"group_concat\((.*?)\), 0\.[59]\) / 3600\.0\)", sql)
        assert len(gathered) >= 4 and all("/ 3600.0" not in g for g in gathered), sql
    plain = quantile_cont(column("x", Float), 0.5)
    assert str(plain.compile(engine)) == "cd_quantile(group_concat(x), 0.5)"
