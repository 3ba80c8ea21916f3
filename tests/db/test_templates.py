"""A small subtree's statements run as templates built once per shape
(``queries.cases._template``): each gives what the statement built for its values gives, for
every kind of scope, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

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


def test_templates_run_together_in_one_statement(demo_engine: Engine) -> None:
    """queries.cases.run_queries: a small subtree's templates run as one statement
    (queries.cases.together), each statement's rows and column names as when run alone; two
    templates whose parameters disagree (two periods) run one after another instead."""
    from sqlalchemy import event

    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    together = 0
    event.listen(demo_engine, "before_cursor_execute", count)
    try:
        for name, scope in _scopes(demo_engine).items():
            ctx = QueryContext(engine=demo_engine, scope=scope, generic=demo_engine)
            end = ctx.now.date() - timedelta(days=1)
            start = end - timedelta(days=89)
            for area in _areas(demo_engine):
                where = f"{name}: {area}"
                for queries in (
                        (qc.period_counts_query(ctx, area, start, end, (0.5, 0.9)),
                         qc.open_counts_query(ctx, area)),
                        qc.children_queries(ctx, area, start, end, (0.5,))):
                    alone = [db.read_rows(demo_engine, *q) for q in queries]
                    seen.clear()
                    got = qc.run_queries(ctx, *queries)
                    assert [names for names, _ in got] == [names for names, _ in alone], where
                    assert [sorted(rows, key=repr) for _, rows in got] == [
                        sorted(rows, key=repr) for _, rows in alone], where
                    if all(values for _, values in queries):
                        assert len(seen) == 1, where
                        together += 1
            village = sorted(reference.raw(demo_engine, "areas").query(
                "level == 'village'")["code"])[0]
            two = (qc.period_counts_query(ctx, village, start, end),
                   qc.period_counts_query(ctx, village, end, end))
            seen.clear()
            got = qc.run_queries(ctx, *two)
            assert len(seen) == 2  # "lo" disagrees: in turn
            assert got == [db.read_rows(demo_engine, *q) for q in two]
    finally:
        event.remove(demo_engine, "before_cursor_execute", count)
    assert together >= 2 * 4 * 5  # two pairs, four kinds of scope, villages and grids


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


def _close(rows: list[tuple]) -> list[tuple]:
    """Rows with floats to 9 significant digits: a generic plan may add a mean's hours in
    another order (the last digit of 10.642942612942612)."""
    return [tuple(float(f"{v:.9g}") if isinstance(v, float) else v for v in row)
            for row in rows]


def test_templates_planned_once_give_what_their_statements_give(demo_engine: Engine) -> None:
    """The period's counts, the open cases, the children's figures and their open cases and
    the coverage trend below a small subtree run on the pool of statements planned once for
    any values (:data:`dashboard.db.GENERIC`, ``force_generic_plan`` on PostgreSQL): the
    same rows as
    the statements built for their values, run after run on one prepared plan; a statement
    built for its values (a town, the county) stays on the queries' engine."""
    from dashboard.indicators import as_key
    from queries import coverage as qcov

    url = demo_engine.url.render_as_string(hide_password=False)
    # this process's engines for the URL as the app gets them: the fixture's engine may have
    # been dropped from get_engine's cache by the engines of the tests run before this one
    engine = db.get_engine(url)
    generic = db.get_engine(url, db.GENERIC)
    assert (generic is engine) == (engine.dialect.name == "sqlite")
    on_generic = 0
    try:
        for name, scope in _scopes(engine).items():
            ctx = QueryContext(engine=engine, scope=scope, generic=generic)
            end = ctx.now.date() - timedelta(days=1)
            start = end - timedelta(days=89)
            for area in _areas(engine):
                runs = [
                    (qc.period_counts_query(ctx, area, start, end, (0.5, 0.9)),
                     qc.build_period_counts(ctx, area, start, end, (0.5, 0.9))),
                    (qc.open_counts_query(ctx, area), qc.build_open_counts(ctx, area)),
                    *zip(qc.children_queries(ctx, area, start, end, (0.5,)),
                         (qc.build_children_figures(ctx, area, start, end, (0.5,)),
                          qc.build_children_open(ctx, area)), strict=True),
                    (qcov.trend_query(ctx, area, end, as_key()),
                     qcov.build_trend(ctx, area, end, as_key())),
                ]
                for query, built in runs:
                    runs_on = ctx.generic_for(query)
                    assert runs_on is (generic if query[1] else engine), f"{name}: {area}"
                    on_generic += runs_on is generic and runs_on is not engine
                    want = _close(_rows(engine, (built, {})))
                    for _ in range(3):  # prepared at once, then the same plan again
                        assert _close(_rows(runs_on, query)) == want, f"{name}: {area}"
        if engine.dialect.name == "postgresql":
            assert on_generic >= 5 * 4 * 5  # five statements, four scopes, villages, grids
            with generic.connect() as conn:
                plans = conn.execute(text(
                    "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) "
                    "FROM pg_prepared_statements")).one()
            # this connection's prepared statements (the pool hands back the last one used)
            assert plans[0] > 0 and plans[1] == 0, plans
    finally:
        if generic is not engine:
            generic.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_case_resolved_after_now_is_open_in_the_templates(database: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The hand-built county of ``tests/db/test_case_kpis.py``: in village V2 one case is
    open and one resolved only after now (open at now, and overdue); the KPI and child
    templates count both, on PostgreSQL on the pool planned once for any values (its
    "resolved after now" part kept off the area index: :func:`queries.cases.open_union`),
    run after run on one plan."""
    from contextlib import ExitStack

    from dashboard.settings import normalise_url
    from queries.cases import fetch_children_figures, fetch_kpis
    from tests.conftest import fresh_pg_database
    from tests.db.test_case_kpis import NOW, hand_built

    with ExitStack() as stack:
        url = (f"sqlite:///{tmp_path / 'hand.sqlite'}" if database == "sqlite"
               else normalise_url(stack.enter_context(fresh_pg_database("countydash_late"))))
        hand_built(url).dispose()
        engine, generic = db.get_engine(url), db.get_engine(url, db.GENERIC)
        stack.callback(db.dispose_engines, url)
        ctx = QueryContext(engine=engine, generic=generic)
        assert qc.small_subtree(ctx, "V2") and qc.small_subtree(ctx, "T2")
        assert ctx.generic_for(qc.open_counts_query(ctx, "V2")) is generic
        day = NOW.date()
        for _ in range(3):
            kpis = fetch_kpis(ctx, "V2", day - timedelta(days=30), day)
            assert (kpis["open_now"], kpis["overdue_now"]) == (2, 1)  # cases 4 and 7; 7 late
            kids = fetch_children_figures(ctx, "T2", day - timedelta(days=30), day)
            assert kids.set_index("code").loc["V2", ["open_now", "overdue_now"]].tolist() == [2, 1]
