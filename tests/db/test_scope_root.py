"""The whole-tree shortcut of queries.scope.within: a query of the sole root needs no area
filter, and the shortcut is off as soon as the tree has a second root or the caller a scope."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert

from dashboard import db
from dashboard.schema import area_paths, areas, cases
from queries.cases import build_period_counts, fetch_kpis
from queries.context import QueryContext, Scope
from tests import reference
from tests.conftest import AS_OF


def sql_of(ctx: QueryContext, area: str) -> str:
    start, end = AS_OF - timedelta(days=30), AS_OF - timedelta(days=1)
    return str(build_period_counts(ctx, area, start, end).compile(ctx.engine))


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
        conn.execute(insert(areas), [
            {"code": "999999", "name": "邻县", "level": "county", "parent_code": None},
            {"code": "999999001", "name": "邻镇", "level": "town", "parent_code": "999999"}])
        conn.execute(insert(area_paths), [
            {"ancestor_code": "999999", "descendant_code": "999999", "depth": 0},
            {"ancestor_code": "999999001", "descendant_code": "999999001", "depth": 0},
            {"ancestor_code": "999999", "descendant_code": "999999001", "depth": 1}])
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
