"""Coverage figures against hand computations over the raw tables, on SQLite and PostgreSQL.

The reference side reads raw tables with plain ``SELECT *`` and computes with pandas; the
index is spelled out here by hand with the default weights (no import from ``queries/``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine, insert

from dashboard import migrate, schema
from dashboard.indicators import DEFAULT_WEIGHTS, as_key, gini
from queries.context import QueryContext, Scope
from queries.coverage import (
    fetch_branch_coverage,
    fetch_coverage_by_child,
    fetch_coverage_month,
    fetch_coverage_trend,
    fetch_member_list,
    fetch_member_profile,
)
from queries.coverage_stats import fetch_coverage_stats
from tests import reference
from tests.conftest import fresh_pg_database

COUNTY = "211122"
W = as_key(DEFAULT_WEIGHTS)


def hand_index(f: pd.DataFrame) -> pd.Series:
    """The published formula with the default weights, written out."""
    return 100 * (0.20 * f["registered"] / f["members"]
                  + 0.25 * f["active_30d"] / f["members"]
                  + 0.20 * f["study_completion"]
                  + 0.20 * f["meetings_recorded"] / f["meetings_required"]
                  + 0.15 * f["broadband_households"] / f["households"])


def raw_month(engine: Engine, area: str) -> pd.DataFrame:
    """Raw coverage rows of the branches of ``area`` (all months), with a month column."""
    cov = reference.raw(engine, "coverage_monthly")
    cov["month"] = pd.to_datetime(cov["month"]).dt.date
    branches = reference.raw(engine, "party_branches")
    mine = branches[branches["area_code"].isin(reference.subtree(engine, area))]
    return cov[cov["branch_id"].isin(mine["id"])].copy()


def a_town(engine: Engine) -> str:
    areas = reference.raw(engine, "areas")
    return sorted(areas.loc[areas["level"] == "town", "code"])[3]


# -- on the demo county ----------------------------------------------------------------------


def test_month_is_the_one_holding_the_period_end(demo_engine: Engine) -> None:
    ctx = QueryContext(engine=demo_engine)
    assert fetch_coverage_month(ctx, COUNTY, date(2026, 11, 21)) == date(2026, 11, 1)
    assert fetch_coverage_month(ctx, COUNTY, date(2026, 3, 31)) == date(2026, 3, 1)
    # after the last month with figures: the latest earlier month
    assert fetch_coverage_month(ctx, COUNTY, date(2027, 2, 1)) == date(2026, 11, 1)
    assert fetch_coverage_month(ctx, COUNTY, date(2020, 1, 1)) is None


@pytest.mark.parametrize("which", ["county", "town"])
def test_every_share_equals_a_hand_computation(demo_engine: Engine, which: str) -> None:
    area = COUNTY if which == "county" else a_town(demo_engine)
    month = date(2026, 10, 1)
    ours = fetch_branch_coverage(QueryContext(engine=demo_engine), area, month, W)
    raw = raw_month(demo_engine, area)
    raw = raw[raw["month"] == month].set_index("branch_id").sort_index()
    ours = ours.set_index("branch_id").sort_index()
    assert list(ours.index) == list(raw.index) and len(ours) > 5
    checks = {
        "registered_share": raw["registered"] / raw["members"],
        "active_share": raw["active_30d"] / raw["members"],
        "study_completion": raw["study_completion"],
        "meetings_share": raw["meetings_recorded"] / raw["meetings_required"],
        "broadband_share": raw["broadband_households"] / raw["households"],
        "app_per_100": 100 * raw["app_users"] / raw["households"],
        "mobile_active_share": raw["mobile_active"] / raw["mobile_members"].replace(0, np.nan),
        "coverage_index": hand_index(raw),
    }
    for col, expected in checks.items():
        np.testing.assert_allclose(ours[col].to_numpy(float), expected.to_numpy(float),
                                   rtol=1e-12, err_msg=col)
    for col in ("members", "registered", "active_30d", "mobile_members", "mobile_active",
                "app_users"):
        assert ours[col].astype(int).tolist() == raw[col].astype(int).tolist(), col
    assert ours["has_5g"].astype(bool).tolist() == raw["has_5g"].astype(bool).tolist()
    assert (ours["flag"] == "").all()


def test_trend_gini_mean_and_gap_equal_pandas(demo_engine: Engine) -> None:
    area = COUNTY
    upto = date(2026, 11, 1)
    trend = fetch_coverage_trend(QueryContext(engine=demo_engine), area, upto, W)
    raw = raw_month(demo_engine, area)
    raw["index"] = hand_index(raw)
    months = sorted(raw["month"].unique())
    assert trend["month"].tolist() == months and len(months) == 24
    for row in trend.itertuples():
        x = np.sort(raw.loc[raw["month"] == row.month, "index"].to_numpy())
        n = len(x)
        k = max(1, n // 5)
        mad = np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * x.mean())
        assert row.judged == n and row.flagged == 0
        assert row.index_mean == pytest.approx(x.mean(), rel=1e-9)
        assert row.gini == pytest.approx(mad, rel=1e-9)
        assert row.quintile_gap == pytest.approx(x[-k:].mean() - x[:k].mean(), rel=1e-9)
    # the demo county's Matthew effect: the spread widens
    assert trend["gini"].iloc[-1] > trend["gini"].iloc[0] + 0.03
    assert trend["quintile_gap"].iloc[-1] > trend["quintile_gap"].iloc[0]


def test_trend_stops_at_the_selected_month(demo_engine: Engine) -> None:
    trend = fetch_coverage_trend(QueryContext(engine=demo_engine), COUNTY, date(2025, 6, 1), W)
    assert trend["month"].iloc[-1] == date(2025, 6, 1) and len(trend) == 7


def test_coverage_by_child_towns_and_grids(demo_engine: Engine) -> None:
    ctx = QueryContext(engine=demo_engine)
    month = date(2026, 11, 1)
    raw = raw_month(demo_engine, COUNTY)
    raw = raw[raw["month"] == month].copy()
    raw["index"] = hand_index(raw)
    branches = reference.raw(demo_engine, "party_branches").set_index("id")
    areas = reference.raw(demo_engine, "areas").set_index("code")
    raw["town"] = raw["branch_id"].map(branches["area_code"]).map(areas["parent_code"])
    expected = raw.groupby("town")["index"].agg(["mean", "size"])
    towns = fetch_coverage_by_child(ctx, COUNTY, month, W).set_index("code")
    assert len(towns) == 13
    np.testing.assert_allclose(towns["coverage_index"], expected.loc[towns.index, "mean"],
                               rtol=1e-9)
    assert towns["branches"].tolist() == expected.loc[towns.index, "size"].tolist()
    assert (towns["flagged"] == 0).all()

    # grids of one village: each takes the branch of its grid party group (the village's)
    village = branches["area_code"].iloc[10]
    groups = reference.raw(demo_engine, "grid_party_groups").set_index("grid_code")
    grids = fetch_coverage_by_child(ctx, village, month, W).set_index("code")
    assert len(grids) >= 1
    for code, row in grids.iterrows():
        branch = groups.loc[code, "branch_id"]
        want = raw.loc[raw["branch_id"] == branch, "index"].iloc[0]
        assert row["coverage_index"] == pytest.approx(want, rel=1e-9)
        assert row["branches"] == 1


def test_member_profile_equals_pandas(demo_engine: Engine) -> None:
    ctx = QueryContext(engine=demo_engine)
    members = reference.raw(demo_engine, "party_members")
    branch = sorted(members["branch_id"].unique())[7]
    now = pd.Timestamp(reference.as_of(demo_engine))
    mine = members[members["branch_id"] == branch].copy()
    last = pd.to_datetime(mine["last_active_at"])
    mine["active"] = ((last > now - pd.Timedelta(days=30)) & (last <= now)).astype(int)
    age = now.year - mine["birth_year"]
    mine["band"] = np.select([age <= 34, age <= 49, age <= 64], ["u35", "35_49", "50_64"],
                             "65p")
    expected = mine.groupby(["band", "active"]).size()
    ours = fetch_member_profile(ctx, COUNTY, branch).set_index(["band", "active"])["members"]
    assert ours.sort_index().to_dict() == expected.sort_index().to_dict()
    # a branch outside the selected area gives nothing
    other_town = a_town(demo_engine)
    branches = reference.raw(demo_engine, "party_branches")
    outside = branches.loc[~branches["area_code"].str.startswith(other_town), "id"].iloc[0]
    assert fetch_member_profile(ctx, other_town, outside).empty


def test_member_names_only_with_personal_data_permission(demo_engine: Engine) -> None:
    branch = reference.raw(demo_engine, "party_branches")["id"].iloc[0]
    plain = fetch_member_list(QueryContext(engine=demo_engine), COUNTY, branch)
    assert plain.empty and "name" in plain.columns
    allowed = fetch_member_list(QueryContext(engine=demo_engine, scope=Scope(pii=True)),
                                COUNTY, branch)
    members = reference.raw(demo_engine, "party_members")
    assert sorted(allowed["name"]) == sorted(members.loc[members["branch_id"] == branch,
                                                         "name"])
    kiosk = QueryContext(engine=demo_engine, scope=Scope(pii=True, aggregates_only=True))
    assert fetch_member_list(kiosk, COUNTY, branch).empty


def test_scope_narrows_the_county_to_the_callers_town(demo_engine: Engine) -> None:
    town = a_town(demo_engine)
    ctx = QueryContext(engine=demo_engine, scope=Scope(roots=(town,)))
    month = date(2026, 11, 1)
    ours = fetch_branch_coverage(ctx, COUNTY, month, W)
    assert len(ours) > 0 and ours["town_code"].eq(town).all()
    trend = fetch_coverage_trend(ctx, COUNTY, month, W)
    assert trend["judged"].iloc[-1] == len(ours)
    assert trend["gini"].iloc[-1] == pytest.approx(gini(ours["coverage_index"]), rel=1e-9)


def test_stats_coverage_equals_pandas(demo_engine: Engine) -> None:
    stats = fetch_coverage_stats(demo_engine)
    raw = raw_month(demo_engine, COUNTY)
    raw["index"] = hand_index(raw)
    first, last = min(raw["month"]), max(raw["month"])
    assert stats["month"] == "2026-11" == f"{last:%Y-%m}"
    assert stats["first_month"] == f"{first:%Y-%m}"
    assert stats["index_mean"] == pytest.approx(raw.loc[raw["month"] == last, "index"].mean())
    assert stats["gini"] == pytest.approx(gini(raw.loc[raw["month"] == last, "index"]))
    assert stats["gini_first_month"] == pytest.approx(
        gini(raw.loc[raw["month"] == first, "index"]))
    x = np.sort(raw.loc[raw["month"] == last, "index"].to_numpy())
    k = len(x) // 5
    assert stats["quintile_gap"] == pytest.approx(x[-k:].mean() - x[:k].mean())
    assert stats["gini"] > stats["gini_first_month"]


def test_sqlite_and_postgres_agree(sqlite_engine: Engine, pg_engine: Engine) -> None:
    a = fetch_coverage_trend(QueryContext(engine=sqlite_engine), COUNTY, date(2026, 11, 1), W)
    b = fetch_coverage_trend(QueryContext(engine=pg_engine), COUNTY, date(2026, 11, 1), W)
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)
    sa, sb = fetch_coverage_stats(sqlite_engine), fetch_coverage_stats(pg_engine)
    assert {k: v for k, v in sa.items() if isinstance(v, str)} == \
        {k: v for k, v in sb.items() if isinstance(v, str)}
    for key in ("index_mean", "gini", "gini_first_month", "quintile_gap"):
        assert sa[key] == pytest.approx(sb[key], rel=1e-12), key


# -- a small hand-built county with the edge cases -------------------------------------------

JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)
AS_OF = datetime(2026, 2, 20)


def fill_small(engine: Engine) -> Engine:
    migrate.upgrade(engine)
    areas = [
        ("C", "县", "county", None), ("T1", "一镇", "town", "C"), ("T2", "二镇", "town", "C"),
        ("V1", "一村", "village", "T1"), ("V2", "二村", "village", "T1"),
        ("V3", "三村", "village", "T2"),
        ("G1", "一格", "grid", "V1"), ("G2", "二格", "grid", "V1"),
    ]
    parent = {code: p for code, _, _, p in areas}
    paths = []
    for code, *_ in areas:
        node, depth = code, 0
        while node is not None:
            paths.append({"ancestor_code": node, "descendant_code": code, "depth": depth})
            node, depth = parent[node], depth + 1

    def row(branch: str, month: date, members: int, registered: int, active: int,
            study: float | None, meetings: int, households: int, broadband: int,
            app: int = 0, mobile: int = 0, mobile_active: int = 0) -> dict[str, object]:
        return {"branch_id": branch, "month": month, "members": members,
                "registered": registered, "active_30d": active, "study_completion": study,
                "meetings_required": 4, "meetings_recorded": meetings,
                "households": households, "broadband_households": broadband,
                "has_5g": True, "app_users": app, "mobile_members": mobile,
                "mobile_active": mobile_active, "updated_at": datetime(2026, 2, 15)}

    coverage = [
        row("B1", JAN, 10, 8, 4, 0.5, 3, 100, 60),
        row("B2", JAN, 20, 20, 16, 0.9, 4, 50, 45),
        row("B1", FEB, 10, 8, 5, 0.5, 3, 100, 60, app=20, mobile=2, mobile_active=1),
        row("B2", FEB, 20, 20, 16, 0.9, 4, 50, 45),
        row("B3", FEB, 0, 0, 0, None, 0, 30, 10),  # no members: flagged, no division by 0
        # B4 has no row for February at all
    ]
    members = [
        ("M1", "B1", "张三", 1995, True, True, datetime(2026, 2, 10)),
        ("M2", "B1", "李四", 1980, False, True, datetime(2025, 12, 1)),
        ("M3", "B1", "王五", 1960, False, True, datetime(2026, 2, 19)),
        ("M4", "B1", "赵六", None, False, False, None),
        ("M5", "B1", "钱七", 1970, True, True, datetime(2026, 1, 25)),
    ]
    with engine.begin() as conn:
        conn.execute(insert(schema.areas), [
            {"code": c, "name": n, "level": lv, "parent_code": p} for c, n, lv, p in areas])
        conn.execute(insert(schema.area_paths), paths)
        conn.execute(insert(schema.party_branches), [
            {"id": "B1", "name": "一村党支部", "kind": "branch", "area_code": "V1"},
            {"id": "B2", "name": "二村党支部", "kind": "branch", "area_code": "V2"},
            {"id": "B3", "name": "三村党支部", "kind": "branch", "area_code": "V3"},
            {"id": "B4", "name": "三村第二党支部", "kind": "branch", "area_code": "V3"},
        ])
        conn.execute(insert(schema.grid_party_groups), [
            {"id": "P1", "name": "一格党小组", "grid_code": "G1", "branch_id": "B1"}])
        conn.execute(insert(schema.coverage_monthly), coverage)
        conn.execute(insert(schema.party_members), [
            {"id": i, "branch_id": b, "name": n, "birth_year": y, "is_mobile": mob,
             "registered": reg, "last_active_at": last}
            for i, b, n, y, mob, reg, last in members])
        conn.execute(insert(schema.dataset_meta), [{"key": "as_of",
                                                    "value": AS_OF.isoformat()}])
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def small_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'small.sqlite'}")
        yield fill_small(engine)
        engine.dispose()
        return
    with fresh_pg_database("countydash_cov") as url:
        engine = create_engine(url)
        try:
            yield fill_small(engine)
        finally:
            engine.dispose()


B1_FEB = 100 * (0.2 * 0.8 + 0.25 * 0.5 + 0.2 * 0.5 + 0.2 * 0.75 + 0.15 * 0.6)  # 62.5
B2 = 100 * (0.2 * 1.0 + 0.25 * 0.8 + 0.2 * 0.9 + 0.2 * 1.0 + 0.15 * 0.9)  # 91.5


def test_small_branch_without_members_is_flagged_not_divided(small_engine: Engine) -> None:
    ctx = QueryContext(engine=small_engine)
    frame = fetch_branch_coverage(ctx, "C", FEB, W).set_index("branch_id")
    assert frame.loc["B1", "coverage_index"] == pytest.approx(B1_FEB)
    assert frame.loc["B2", "coverage_index"] == pytest.approx(B2)
    assert frame.loc["B1", "app_per_100"] == pytest.approx(20.0)
    assert frame.loc["B1", "mobile_active_share"] == pytest.approx(0.5)
    assert math.isnan(frame.loc["B2", "mobile_active_share"])  # no mobile members: no share
    assert frame.loc["B3", "flag"] == "no_members"
    for col in ("registered_share", "active_share", "coverage_index"):
        assert math.isnan(frame.loc["B3", col]), col
    assert frame.loc["B3", "broadband_share"] == pytest.approx(1 / 3)
    assert frame.loc["B4", "flag"] == "no_data" and math.isnan(frame.loc["B4", "coverage_index"])
    assert frame.loc["B1", "flag"] == "" and frame.loc["B2", "flag"] == ""


def test_small_trend_hand_computed(small_engine: Engine) -> None:
    trend = fetch_coverage_trend(QueryContext(engine=small_engine), "C", FEB, W)
    b1_jan = 100 * (0.2 * 0.8 + 0.25 * 0.4 + 0.2 * 0.5 + 0.2 * 0.75 + 0.15 * 0.6)  # 60.0
    jan, feb = trend.iloc[0], trend.iloc[1]
    assert jan["month"] == JAN and feb["month"] == FEB
    assert jan["index_mean"] == pytest.approx((b1_jan + B2) / 2)
    assert jan["gini"] == pytest.approx(2 * (B2 - b1_jan) / (2 * 4 * (b1_jan + B2) / 2))
    # February: B3 has a row but no index (flagged); B4 has no row (not counted)
    assert (feb["rows"], feb["judged"], feb["flagged"]) == (3, 2, 1)
    assert feb["gini"] == pytest.approx(58 / 616)
    assert feb["quintile_gap"] == pytest.approx(B2 - B1_FEB)


def test_small_by_child_towns_and_grids(small_engine: Engine) -> None:
    ctx = QueryContext(engine=small_engine)
    towns = fetch_coverage_by_child(ctx, "C", FEB, W).set_index("code")
    assert towns.loc["T1", "coverage_index"] == pytest.approx((B1_FEB + B2) / 2)
    assert (towns.loc["T1", "branches"], towns.loc["T1", "flagged"]) == (2, 0)
    assert math.isnan(towns.loc["T2", "coverage_index"])
    assert (towns.loc["T2", "branches"], towns.loc["T2", "flagged"]) == (2, 2)
    grids = fetch_coverage_by_child(ctx, "V1", FEB, W).set_index("code")
    # G1 through its party group, G2 (no group) through its village's branch: both B1
    assert grids["coverage_index"].tolist() == pytest.approx([B1_FEB, B1_FEB])
    assert grids["branches"].tolist() == [1, 1]


def test_small_member_profile(small_engine: Engine) -> None:
    ctx = QueryContext(engine=small_engine)
    prof = fetch_member_profile(ctx, "C", "B1").set_index(["band", "active"])
    assert prof["members"].to_dict() == {
        ("u35", 1): 1, ("35_49", 0): 1, ("65p", 1): 1, ("unknown", 0): 1, ("50_64", 1): 1}
    assert prof["mobile"].sum() == 2 and prof["registered"].sum() == 4
    assert fetch_member_profile(ctx, "T2", "B1").empty
