"""The whole-tree shortcut of queries.scope.within: a query of the sole root needs no area
filter, and the shortcut is off as soon as the tree has a second root or the caller a scope."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine, event, insert

from dashboard import db
from dashboard.schema import area_paths, areas, cases
from queries.cases import build_period_counts, fetch_kpis
from queries.context import QueryContext, Scope
from queries.imports import bump_data_version
from tests import reference
from tests.conftest import AS_OF


def sql_of(ctx: QueryContext, area: str) -> str:
    start, end = AS_OF - timedelta(days=30), AS_OF - timedelta(days=1)
    return str(build_period_counts(ctx, area, start, end).compile(ctx.engine))


def add_neighbour(conn: Connection, child_level: str) -> None:
    """A second root: county 999999 with one child 999999001 of ``child_level``, and a new
    data version, as the area importer (the only way areas change) leaves it: the area tree
    is held per process and version of the tree."""
    conn.execute(insert(areas), [
        {"code": "999999", "name": "邻县", "level": "county", "parent_code": None},
        {"code": "999999001", "name": "邻区", "level": child_level, "parent_code": "999999"}])
    conn.execute(insert(area_paths), [
        {"ancestor_code": "999999", "descendant_code": "999999", "depth": 0},
        {"ancestor_code": "999999001", "descendant_code": "999999001", "depth": 0},
        {"ancestor_code": "999999", "descendant_code": "999999001", "depth": 1}])
    bump_data_version(conn)


def test_the_sole_root_needs_no_area_filter_and_a_second_root_turns_it_off(
        writable_sqlite: str) -> None:
    engine = db.get_engine(writable_sqlite)
    frame = reference.raw(engine, "areas")
    county = str(frame.query("level == 'county'")["code"].iloc[0])
    town = str(frame.query("level == 'town'")["code"].iloc[0])
    start, end = AS_OF - timedelta(days=30), AS_OF - timedelta(days=1)
    ctx = QueryContext(engine=engine)
    assert ctx.sole_root == county
    assert "area_paths" not in sql_of(ctx, county)
    assert "area_paths" in sql_of(ctx, town)  # a town is filtered as before
    scoped = QueryContext(engine=engine, scope=Scope(roots=(town,)))
    assert "area_paths" in sql_of(scoped, county)  # a scope always filters
    before = fetch_kpis(ctx, county, start, end)["cases"]

    # a neighbouring county in the same database, with one case in the period
    reported = datetime.combine(end, datetime.min.time()) + timedelta(hours=9)
    with engine.begin() as conn:
        add_neighbour(conn, "town")
        conn.execute(insert(cases).values(
            id="neighbour-1", source="app", category_code=str(
                reference.raw(engine, "case_categories")["code"].iloc[-1]),
            area_code="999999001", reported_at=reported, due_at=reported + timedelta(hours=24),
            status="reported", reopen_count=0, updated_at=reported))
    two = QueryContext(engine=engine)
    assert two.sole_root is None
    assert "area_paths" in sql_of(two, county)
    assert fetch_kpis(two, county, start, end)["cases"] == before  # not the neighbour's
    assert fetch_kpis(two, "999999", start, end)["cases"] == 1


def test_the_coverage_trend_of_the_whole_tree_skips_the_branch_join_until_a_second_root(
        writable_sqlite: str) -> None:
    from dashboard.indicators import as_key
    from dashboard.schema import coverage_monthly, party_branches
    from queries.coverage import build_trend, fetch_coverage_month, fetch_coverage_trend

    engine = db.get_engine(writable_sqlite)
    frame = reference.raw(engine, "areas")
    county = str(frame.query("level == 'county'")["code"].iloc[0])
    ctx = QueryContext(engine=engine)
    month = fetch_coverage_month(ctx, county, AS_OF)
    assert month is not None
    assert "party_branches" not in str(build_trend(ctx, county, month, as_key()).compile(engine))
    before = fetch_coverage_trend(ctx, county, month).set_index("month")

    # a neighbouring county with one branch and a full row for the shown month
    with engine.begin() as conn:
        add_neighbour(conn, "village")
        conn.execute(insert(party_branches).values(
            id="neighbour-b", name="邻村支部", kind="branch", area_code="999999001"))
        conn.execute(insert(coverage_monthly).values(
            branch_id="neighbour-b", month=month, members=10, registered=10, active_30d=10,
            study_completion=1.0, meetings_required=4, meetings_recorded=4, households=50,
            broadband_households=50, has_5g=True, app_users=40, mobile_members=10,
            mobile_active=10, updated_at=datetime.combine(AS_OF, datetime.min.time())))
    two = QueryContext(engine=engine)
    assert "party_branches" in str(build_trend(two, county, month, as_key()).compile(engine))
    after = fetch_coverage_trend(two, county, month).set_index("month")
    assert after.loc[month, "rows"] == before.loc[month, "rows"]  # not the neighbour's
    assert after.loc[month, "index_mean"] == before.loc[month, "index_mean"]
    theirs = fetch_coverage_trend(two, "999999", month)
    assert theirs["rows"].tolist() == [1] and theirs["index_mean"].iloc[0] == 100.0


def test_postgresql_hashes_the_county_child_join_and_probes_below_it(pg_engine) -> None:  # type: ignore[no-untyped-def]
    # the planner takes a town for four grids (the closure table's average) and would probe
    # the cases index once per grid of the county; the county's join key is kept off it
    from queries.case_analytics import build_breakdown
    from queries.cases import build_children_figures

    ctx = QueryContext(engine=pg_engine)
    county = ctx.sole_root
    assert county is not None
    town = str(reference.raw(pg_engine, "areas").query(
        "level == 'town'")["code"].iloc[0])
    start, end = AS_OF - timedelta(days=30), AS_OF - timedelta(days=1)
    for build in (lambda a: build_children_figures(ctx, a, start, end, (0.5,)),
                  lambda a: build_breakdown(ctx, a, start, end, "child")):
        assert "(cases.area_code || '')" in str(build(county).compile(pg_engine))
        assert "|| ''" not in str(build(town).compile(pg_engine))


def _children_sql(ctx: QueryContext, area: str) -> str:
    from queries.cases import build_children_figures

    start, end = AS_OF - timedelta(days=30), AS_OF - timedelta(days=1)
    return str(build_children_figures(ctx, area, start, end).compile(ctx.engine))


def test_a_scope_that_holds_the_whole_subtree_adds_no_condition_and_never_widens(
        demo_engine: Engine) -> None:
    """queries.scope.covers / scope_of: below the caller's own town the scope's semi-join is
    left out (the subtree condition already holds the rows inside it); above the town or
    beside it, the scope still narrows, so the figures are the caller's and nobody else's."""
    from queries.cases import fetch_children_figures
    from queries.scope import covers

    frame = reference.raw(demo_engine, "areas")
    county = str(frame.query("level == 'county'")["code"].iloc[0])
    town, other = sorted(frame.query("level == 'town'")["code"])[:2]
    village = str(frame.query("parent_code == @town")["code"].iloc[0])
    elsewhere = str(frame.query("parent_code == @other")["code"].iloc[0])
    start, end = AS_OF - timedelta(days=30), AS_OF - timedelta(days=1)
    everyone = QueryContext(engine=demo_engine)
    scoped = QueryContext(engine=demo_engine, scope=Scope(roots=(town,)))

    assert covers(scoped, town) and covers(scoped, village)
    assert not covers(scoped, county) and not covers(scoped, elsewhere)
    assert not covers(QueryContext(engine=demo_engine, scope=Scope(roots=())), village)
    # answered from the area tree held per process: no statement of their own
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(demo_engine, "before_cursor_execute", seen)
    try:
        assert covers(scoped, village) and not covers(scoped, elsewhere)
    finally:
        event.remove(demo_engine, "before_cursor_execute", seen)
    assert statements == []

    # inside the caller's town the statements are an unscoped caller's, word for word (no
    # scope condition); above it the scope's list of roots narrows them
    assert sql_of(scoped, village) == sql_of(everyone, village)
    assert _children_sql(scoped, village) == _children_sql(everyone, village)
    assert sql_of(scoped, town) == sql_of(everyone, town)
    assert "POSTCOMPILE" not in sql_of(everyone, county) + _children_sql(everyone, county)
    assert "POSTCOMPILE" in sql_of(scoped, county) and "POSTCOMPILE" in _children_sql(
        scoped, county)

    # the same figures as an unscoped caller inside the town; nothing of another town
    assert fetch_kpis(scoped, village, start, end) == fetch_kpis(everyone, village, start, end)
    pd.testing.assert_frame_equal(fetch_children_figures(scoped, village, start, end),
                                  fetch_children_figures(everyone, village, start, end))
    assert fetch_kpis(everyone, elsewhere, start, end)["cases"] > 0
    assert fetch_kpis(scoped, elsewhere, start, end)["cases"] == 0
    assert fetch_children_figures(scoped, elsewhere, start, end)["cases"].sum() == 0
    above = fetch_children_figures(scoped, county, start, end)
    assert set(above.loc[above["cases"] > 0, "code"]) == {town}
    assert fetch_kpis(scoped, county, start, end) == fetch_kpis(everyone, town, start, end)
