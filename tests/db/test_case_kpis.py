"""Case KPIs and ``stats`` agree with independent pandas computations, on both databases."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine, insert

from dashboard import migrate, schema
from queries.cases import fetch_children_figures, fetch_kpis
from queries.context import QueryContext
from queries.stats import fetch_stats
from tests import reference

PERIODS = [(date(2026, 10, 23), date(2026, 11, 21)), (date(2025, 1, 1), date(2025, 12, 31))]


def assert_same(ours: dict[str, float], theirs: dict[str, float]) -> None:
    for key, expected in theirs.items():
        got = ours[key]
        if isinstance(expected, float) and math.isnan(expected):
            assert math.isnan(got), key
        else:
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-6), key


def town_codes(engine: Engine) -> list[str]:
    areas = reference.raw(engine, "areas")
    return sorted(areas.loc[areas["level"] == "town", "code"])[:2]


@pytest.mark.parametrize("start,end", PERIODS)
def test_kpis_equal_pandas_for_county_and_towns(demo_engine: Engine, start: date, end: date
                                                ) -> None:
    ctx = QueryContext(engine=demo_engine)
    for area in ["211122", *town_codes(demo_engine)]:
        assert_same(fetch_kpis(ctx, area, start, end),
                    reference.kpis(demo_engine, area, start, end))


def test_kpis_sqlite_and_postgres_agree(sqlite_engine: Engine, pg_engine: Engine) -> None:
    start, end = PERIODS[1]
    a = fetch_kpis(QueryContext(engine=sqlite_engine), "211122", start, end)
    b = fetch_kpis(QueryContext(engine=pg_engine), "211122", start, end)
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-9), key


def test_children_figures_sum_to_parent(demo_engine: Engine) -> None:
    ctx = QueryContext(engine=demo_engine)
    start, end = PERIODS[0]
    kids = fetch_children_figures(ctx, "211122", start, end)
    total = fetch_kpis(ctx, "211122", start, end)
    assert len(kids) == 13
    assert kids["cases"].sum() == total["cases"]
    assert kids["open_now"].sum() == total["open_now"]
    assert kids["overdue_now"].sum() == total["overdue_now"]


def test_stats_equal_pandas(demo_engine: Engine) -> None:
    stats = fetch_stats(demo_engine)
    cases = reference.raw(demo_engine, "cases")
    cases["reported_at"] = pd.to_datetime(cases["reported_at"])
    cases["resolved_at"] = pd.to_datetime(cases["resolved_at"])
    cases["due_at"] = pd.to_datetime(cases["due_at"])
    done = cases[cases["resolved_at"].notna()]
    hours = (done["resolved_at"] - done["reported_at"]).dt.total_seconds() / 3600
    assert stats["county"] == {"code": "211122", "name": "盘山县"}
    assert len(stats["towns"]) == 13 and stats["areas"]["town"] == 13
    assert stats["areas"]["grid"] == 844 and stats["areas"]["county"] == 1
    c = stats["cases"]
    assert c["total"] == len(cases)
    assert c["resolved"] == len(done)
    assert c["completion_rate"] == pytest.approx(len(done) / len(cases))
    assert c["mean_resolution_hours"] == pytest.approx(hours.mean(), rel=1e-9)
    assert c["median_resolution_hours"] == pytest.approx(hours.median(), rel=1e-9)
    assert c["within_sla_rate"] == pytest.approx(
        (done["resolved_at"] <= done["due_at"]).sum() / len(cases))
    years = cases["reported_at"].dt.year.value_counts()
    assert c["per_year"] == {str(y): int(n) for y, n in years.items()}
    assert stats["branches"] == len(reference.raw(demo_engine, "party_branches"))


def test_stats_cli_prints_json(sqlite_path) -> None:  # type: ignore[no-untyped-def]
    out = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "stats", "--json"],
        env={"DATABASE_URL": f"sqlite:///{sqlite_path}", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, check=True,
    )
    data = json.loads(out.stdout)
    assert set(data) >= {"county", "towns", "areas", "cases", "branches", "members"}
    assert set(data["cases"]) >= {"total", "per_year", "resolved", "completion_rate",
                                  "mean_resolution_hours", "median_resolution_hours",
                                  "within_sla_rate"}
    assert data["areas"]["grid"] == 844


# --- small hand-built cases with the edge cases of the definitions -------------------------

NOW = datetime(2026, 3, 10, 0, 0)


def hand_built(url: str) -> Engine:
    engine = create_engine(url)
    migrate.upgrade(engine)
    t0 = datetime(2026, 3, 1, 8, 0)
    h = timedelta(hours=1)
    areas = [
        {"code": "C", "name": "县", "level": "county", "parent_code": None},
        {"code": "T1", "name": "一镇", "level": "town", "parent_code": "C"},
        {"code": "T2", "name": "二镇", "level": "town", "parent_code": "C"},
        {"code": "V1", "name": "一村", "level": "village", "parent_code": "T1"},
        {"code": "V2", "name": "二村", "level": "village", "parent_code": "T2"},
    ]
    paths = [("C", "C", 0), ("T1", "T1", 0), ("T2", "T2", 0), ("V1", "V1", 0), ("V2", "V2", 0),
             ("C", "T1", 1), ("C", "T2", 1), ("C", "V1", 2), ("C", "V2", 2), ("T1", "V1", 1),
             ("T2", "V2", 1)]

    def case_row(i: int, area: str, reported: datetime, sla: float,
                 resolved: datetime | None, dispatched: datetime | None = None,
                 accepted: datetime | None = None) -> dict[str, object]:
        return {"id": f"K{i}", "source": "app", "category_code": "01", "area_code": area,
                "reported_at": reported, "accepted_at": accepted, "dispatched_at": dispatched,
                "resolved_at": resolved, "closed_at": None,
                "due_at": reported + timedelta(hours=sla),
                "status": "resolved" if resolved else "reported", "reopen_count": 0,
                "updated_at": resolved or reported}

    rows = [
        case_row(1, "V1", t0, 24, t0 + 24 * h),  # resolved exactly at the SLA: within
        case_row(2, "V1", t0, 24, t0 + 25 * h),  # one hour late
        case_row(3, "V1", t0, 24, None),  # still open, overdue at NOW
        case_row(4, "V2", NOW - 2 * h, 24, None),  # open, not yet due
        case_row(5, "V2", t0, 48, t0 + 2 * h, dispatched=t0 + 5 * h),  # resolved before dispatch
        case_row(6, "V2", t0, 24, t0 + 10 * h, accepted=None),  # missing steps
        case_row(7, "V2", t0, 24, NOW + 5 * h),  # resolved after NOW: open at NOW
        case_row(8, "V1", datetime(2026, 2, 1), 24, datetime(2026, 2, 1, 3)),  # other period
    ]
    with engine.begin() as conn:
        conn.execute(insert(schema.areas), areas)
        conn.execute(insert(schema.area_paths),
                     [{"ancestor_code": a, "descendant_code": d, "depth": n} for a, d, n in paths])
        conn.execute(insert(schema.case_categories),
                     [{"code": "01", "name": "其他", "parent_code": None, "sla_hours": 24}])
        conn.execute(insert(schema.cases), rows)
        conn.execute(insert(schema.dataset_meta), [{"key": "as_of", "value": NOW.isoformat()}])
    return engine


def test_kpis_hand_built_edge_cases(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = hand_built(f"sqlite:///{tmp_path / 'hand.sqlite'}")
    ctx = QueryContext(engine=engine)
    k = fetch_kpis(ctx, "C", date(2026, 3, 1), date(2026, 3, 31))
    assert k["cases"] == 7
    assert k["resolved"] == 4  # 1, 2, 5, 6 (7 resolves after now)
    assert k["within_sla"] == 3  # 1 (exactly at SLA), 5, 6
    assert k["open_now"] == 3  # 3, 4, 7
    assert k["overdue_now"] == 2  # 3 and 7 are past due at NOW
    assert k["median_hours"] == pytest.approx((10 + 24) / 2)
    assert_same(k, reference.kpis(engine, "C", date(2026, 3, 1), date(2026, 3, 31)))
    t1 = fetch_kpis(ctx, "T1", date(2026, 3, 1), date(2026, 3, 31))
    assert t1["cases"] == 3 and t1["open_now"] == 1
    empty = fetch_kpis(ctx, "C", date(2020, 1, 1), date(2020, 1, 31))
    assert empty["cases"] == 0 and math.isnan(empty["completion_rate"])
    assert math.isnan(empty["median_hours"])
