"""A small subtree's statements run as templates built once per shape
(``queries.cases._template``): each gives what the statement built for its values gives, for
every kind of scope, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from dashboard import db
from queries import cases as qc
from queries.context import QueryContext
from tests import reference
from tests.db.test_area_tree import _scopes


def _areas(engine: Engine) -> list[str]:
    frame = reference.raw(engine, "areas")
    towns = sorted(frame.query("level == 'town'")["code"])
    out = [str(frame.query("parent_code.isnull()")["code"].iloc[0]), towns[1]]
    for level in ("village", "grid"):
        out += sorted(frame.loc[frame["level"] == level, "code"])[:3]
    out += sorted(frame.loc[frame["parent_code"] == towns[1], "code"])[:2]
    return [*out, "no-such-area"]


def _rows(engine: Engine, query: qc.Query) -> list[tuple]:
    return sorted(db.read_rows(engine, *query)[1], key=repr)


def test_templates_give_what_their_statements_give(demo_engine: Engine) -> None:
    templated = 0
    for name, scope in _scopes(demo_engine).items():
        ctx = QueryContext(engine=demo_engine, scope=scope)
        end = ctx.now.date() - timedelta(days=1)
        start = end - timedelta(days=89)
        for area in _areas(demo_engine):
            where = f"{name}: {area}"
            probs = (0.5, 0.9)
            runs = [
                (qc.period_counts_query(ctx, area, start, end, probs),
                 qc.build_period_counts(ctx, area, start, end, probs)),
                (qc.open_counts_query(ctx, area), qc.build_open_counts(ctx, area)),
                *zip(qc.children_queries(ctx, area, start, end, (0.5,)),
                     (qc.build_children_figures(ctx, area, start, end, (0.5,)),
                      qc.build_children_open(ctx, area)), strict=True),
            ]
            for query, built in runs:
                stmt, values = query
                if values:  # a template (the values are its parameters')
                    templated += 1
                    assert qc.small_subtree(ctx, area), where
                else:
                    assert stmt is not None and not qc.small_subtree(ctx, area), where
                assert _rows(demo_engine, query) == _rows(demo_engine, (built, {})), where
    assert templated >= 4 * 4 * 5  # four statements, four kinds of scope, villages and grids


def test_a_template_is_built_once_per_shape(demo_engine: Engine) -> None:
    ctx = QueryContext(engine=demo_engine)
    frame = reference.raw(demo_engine, "areas")
    first, second = sorted(frame.loc[frame["level"] == "village", "code"])[:2]
    end = ctx.now.date()
    a = qc.children_queries(ctx, first, end - timedelta(days=29), end)
    b = qc.children_queries(ctx, second, end - timedelta(days=364), end)
    assert a[0][0] is b[0][0] and a[1][0] is b[1][0]  # the same objects, keyed once
    assert a[0][1] != b[0][1]  # with their own values
    assert (qc.period_counts_query(ctx, first, end, end, (0.5,))[0]
            is not qc.period_counts_query(ctx, first, end, end, (0.5, 0.9))[0])


def test_the_coverage_trend_template_gives_what_its_statement_gives(demo_engine: Engine
                                                                     ) -> None:
    from dashboard.indicators import as_key
    from queries import coverage as qcov

    templated = with_rows = 0
    for name, scope in _scopes(demo_engine).items():
        ctx = QueryContext(engine=demo_engine, scope=scope)
        upto = ctx.now.date()
        for area in _areas(demo_engine):
            query = qcov.trend_query(ctx, area, upto, as_key())
            templated += bool(query[1])
            built = db.read_rows(demo_engine, qcov.build_trend(ctx, area, upto, as_key()))[1]
            assert db.read_rows(demo_engine, *query)[1] == built, f"{name}: {area}"
            with_rows += bool(query[1] and built)
    assert templated >= 4 * 5
    assert with_rows >= 3  # the test bites: villages with branch rows (a grid may have none)
