"""The synthetic demo county: structure, geometry, case figures, coverage, determinism, load."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import create_engine, func, select

from dashboard import schema
from dashboard.areatree import build_area_paths
from dashboard.demo import build_demo, write_demo

AS_OF = date(2026, 11, 22)
AS_OF_TS = pd.Timestamp(AS_OF)
STEPS = ["reported_at", "accepted_at", "dispatched_at", "resolved_at", "closed_at"]


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return build_demo(seed=7, as_of=AS_OF, scale="reference")


@pytest.fixture(scope="module")
def areas(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return frames["areas"]


@pytest.fixture(scope="module")
def cases(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return frames["cases"]


@pytest.fixture(scope="module")
def grids_utm(areas: pd.DataFrame) -> np.ndarray:
    grids = areas[areas["level"] == "grid"]
    geo = shapely.from_wkb(grids["geom"].to_numpy())
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)
    return shapely.transform(geo, lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1])))


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = all equal)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    cum = np.cumsum(x)
    return float((n + 1 - 2 * (cum / cum[-1]).sum()) / n)


def resolution_hours(cases: pd.DataFrame) -> pd.Series:
    done = cases[cases["resolved_at"].notna()]
    return (done["resolved_at"] - done["reported_at"]).dt.total_seconds() / 3600


# -- structure -----------------------------------------------------------------------------


def test_frames_have_exactly_the_schema_columns(frames: dict[str, pd.DataFrame]) -> None:
    expected = {
        "areas", "area_paths", "grid_workers", "party_branches", "grid_party_groups",
        "party_members", "case_categories", "cases", "coverage_monthly", "dataset_meta",
    }  # fmt: skip
    assert set(frames) == expected
    for name, frame in frames.items():
        assert list(frame.columns) == [c.name for c in schema.metadata.tables[name].columns]
        pk = [c.name for c in schema.metadata.tables[name].primary_key.columns]
        assert not frame.duplicated(pk).any(), name
        for column in schema.metadata.tables[name].columns:
            if not column.nullable:
                assert frame[column.name].notna().all(), f"{name}.{column.name}"


def test_area_tree_shape(areas: pd.DataFrame) -> None:
    counts = areas["level"].value_counts()
    assert counts["county"] == 1
    assert counts["town"] == 13
    assert counts["grid"] == 844
    assert 150 <= counts["village"] <= 300
    county = areas[areas["level"] == "county"].iloc[0]
    assert (county["code"], county["name"]) == ("211122", "盘山县")

    parent_level = dict(zip(areas["code"], areas["level"], strict=True))
    lengths = {"county": 6, "town": 9, "village": 12, "grid": 15}
    above = {"town": "county", "village": "town", "grid": "village"}
    for row in areas.itertuples():
        assert len(row.code) == lengths[row.level] and row.code.isdigit()
        if row.level != "county":
            assert parent_level[row.parent_code] == above[row.level]
            assert row.code.startswith(row.parent_code)

    towns = areas[areas["level"] == "town"]["name"]
    assert towns.str.endswith("街道").sum() == 4
    assert towns.str.endswith("镇").sum() == 9
    villages = areas[areas["level"] == "village"]
    assert villages["name"].str.endswith(("村", "社区")).all()
    assert villages["name"].str.endswith("村").any() and villages["name"].str.endswith("社区").any()
    assert not villages.duplicated(["parent_code", "name"]).any()
    grids = areas[areas["level"] == "grid"]
    assert grids["name"].str.fullmatch(r".+(村|社区)第\d+网格").all()
    assert grids["name"].is_unique


def test_households_add_up(areas: pd.DataFrame) -> None:
    grids = areas[areas["level"] == "grid"]
    assert 80_000 <= grids["households"].sum() <= 120_000
    assert grids["households"].between(20, 800).all()
    ratio = grids["population"] / grids["households"]
    assert ratio.between(2.0, 3.5).all()
    for level, child in [("village", "grid"), ("town", "village"), ("county", "town")]:
        sums = areas[areas["level"] == child].groupby("parent_code")[["households", "population"]]
        parents = areas[areas["level"] == level].set_index("code")[["households", "population"]]
        pd.testing.assert_frame_equal(
            sums.sum().sort_index(), parents.sort_index(), check_names=False, check_dtype=False
        )


def test_area_paths_are_the_closure(frames: dict[str, pd.DataFrame], areas: pd.DataFrame) -> None:
    paths = frames["area_paths"]
    counts = areas["level"].value_counts()
    expected = counts["county"] + 2 * counts["town"] + 3 * counts["village"] + 4 * counts["grid"]
    assert len(paths) == expected
    pd.testing.assert_frame_equal(
        paths.reset_index(drop=True),
        build_area_paths(areas[["code", "parent_code"]]).reset_index(drop=True),
        check_dtype=False,
    )


# -- geometry ------------------------------------------------------------------------------


def test_only_grids_carry_geometry(areas: pd.DataFrame) -> None:
    grids = areas["level"] == "grid"
    assert areas.loc[grids, "geom"].map(lambda g: isinstance(g, bytes)).all()
    assert (areas.loc[grids, "geom_crs"] == "EPSG:4326").all()
    assert (areas.loc[grids, "geom_source"] == "generated").all()
    assert areas.loc[~grids, ["geom", "geom_crs", "geom_source"]].isna().all().all()
    lon, lat = shapely.get_coordinates(shapely.from_wkb(areas.loc[grids, "geom"])).T
    assert lon.min() > 121.5 and lon.max() < 122.7
    assert lat.min() > 40.8 and lat.max() < 41.5


def test_grids_are_valid_polygons(grids_utm: np.ndarray) -> None:
    assert shapely.is_valid(grids_utm).all()
    assert (shapely.get_type_id(grids_utm) == shapely.GeometryType.POLYGON).all()
    assert (shapely.area(grids_utm) > 1e4).all()  # no slivers (> 1 ha)


def test_grids_tile_the_county(grids_utm: np.ndarray) -> None:
    union = shapely.union_all(grids_utm)
    total = shapely.area(grids_utm).sum()
    assert abs(total - union.area) / union.area < 1e-6  # no overlaps
    assert union.geom_type == "Polygon"  # one piece ...
    assert len(union.interiors) == 0  # ... without holes
    assert 1.8e9 < union.area < 2.4e9  # ~2,100 km²


def test_towns_and_villages_dissolve_to_single_polygons(
    areas: pd.DataFrame, grids_utm: np.ndarray
) -> None:
    grids = areas[areas["level"] == "grid"]
    for prefix_len in (9,):
        for _, idx in grids.groupby(grids["code"].str[:prefix_len]).indices.items():
            merged = shapely.union_all(grids_utm[idx])
            assert merged.geom_type == "Polygon"


# -- cases ---------------------------------------------------------------------------------


def test_case_volume_per_year(cases: pd.DataFrame) -> None:
    for years_back in (1, 2):
        lo = AS_OF_TS - pd.DateOffset(years=years_back)
        hi = AS_OF_TS - pd.DateOffset(years=years_back - 1)
        n = ((cases["reported_at"] >= lo) & (cases["reported_at"] < hi)).sum()
        assert abs(n - 20_000) <= 0.15 * 20_000, (years_back, n)
    assert cases["reported_at"].min() >= AS_OF_TS - pd.DateOffset(years=2)
    assert cases["id"].is_unique
    assert cases["id"].str.fullmatch(r"C20\d\d-\d{6}").all()


def test_resolution_figures(cases: pd.DataFrame) -> None:
    hours = resolution_hours(cases)
    assert 21.0 <= hours.mean() <= 27.0
    assert hours.median() < 0.75 * hours.mean()  # long tail
    assert (hours >= 0).all()
    completion = cases["resolved_at"].notna().mean()
    assert 0.985 <= completion <= 0.995
    within = (cases["resolved_at"] <= cases["due_at"]).mean()  # NaT compares False
    assert 0.89 <= within <= 0.94


def test_towns_differ(cases: pd.DataFrame) -> None:
    town = cases["area_code"].str[:9]
    within = (cases["resolved_at"] <= cases["due_at"]).groupby(town).mean()
    assert within.min() < 0.88  # some towns clearly below 90 %
    assert within.max() > 0.93
    mean_hours = resolution_hours(cases).groupby(town).mean()
    assert mean_hours.max() > 1.5 * mean_hours.min()


def test_timestamps_ordered_and_before_as_of(cases: pd.DataFrame) -> None:
    for early, late in zip(STEPS, STEPS[1:], strict=False):
        both = cases[early].notna() & cases[late].notna()
        assert (cases.loc[both, late] >= cases.loc[both, early]).all(), late
        # A later step never exists without the earlier one.
        assert not (cases[late].notna() & cases[early].isna()).any(), late
    stamps = cases[[*STEPS, "updated_at"]]
    assert (stamps.max(axis=1) < AS_OF_TS).all()
    for name in stamps:
        assert (stamps[name].dropna() < AS_OF_TS).all(), name
    assert (cases["updated_at"] == cases[STEPS].max(axis=1)).all()
    assert (cases["reported_at"].dt.microsecond == 0).all()
    accept_h = (cases["accepted_at"] - cases["reported_at"]).dt.total_seconds() / 3600
    assert accept_h.dropna().max() <= 2.0
    close_h = (cases["closed_at"] - cases["resolved_at"]).dt.total_seconds() / 3600
    assert close_h.dropna().between(0, 72).all()


def test_status_matches_timestamps(cases: pd.DataFrame) -> None:
    reached = cases[STEPS].notna().to_numpy().sum(axis=1)
    expected = np.array(schema.STATUSES)[reached - 1]
    assert (cases["status"].to_numpy() == expected).all()
    unresolved = cases[cases["resolved_at"].isna()]
    assert (unresolved["due_at"] < AS_OF_TS - pd.Timedelta(days=30)).any()  # old, overdue
    assert (unresolved["reported_at"] > AS_OF_TS - pd.Timedelta(days=2)).any()  # recent


def test_due_at_is_reported_plus_sla(frames: dict[str, pd.DataFrame], cases: pd.DataFrame) -> None:
    sla = frames["case_categories"].set_index("code")["sla_hours"]
    expected = cases["reported_at"] + pd.to_timedelta(cases["category_code"].map(sla), unit="h")
    assert (cases["due_at"] == expected).all()


def test_categories(frames: dict[str, pd.DataFrame], cases: pd.DataFrame) -> None:
    cats = frames["case_categories"]
    majors = cats[cats["parent_code"].isna()]
    minors = cats[cats["parent_code"].notna()]
    assert list(majors["code"]) == [f"{i:02d}" for i in range(1, 18)]
    assert len(minors) == 120
    assert (minors["code"].str[:2] == minors["parent_code"]).all()
    assert cats["name_en"].notna().all()
    assert cats["sla_hours"].between(1, 24 * 14).all()
    assert set(cases["category_code"]) <= set(minors["code"])
    assert cases["category_code"].nunique() > 100


def test_sources_reporters_and_points(cases: pd.DataFrame, areas: pd.DataFrame) -> None:
    share = cases["source"].value_counts(normalize=True)
    assert set(share.index) <= set(schema.SOURCES)
    assert 0.35 <= share["app"] <= 0.45 and 0.30 <= share["terminal"] <= 0.40
    assert share["other"] < 0.02
    personal = cases["source"].isin(["app", "hotline"])
    assert cases.loc[personal, ["reporter_name", "reporter_phone"]].notna().all().all()
    assert cases.loc[~personal, ["reporter_name", "reporter_phone"]].isna().all().all()
    assert cases.loc[personal, "reporter_phone"].str.fullmatch(r"1\d{10}").all()
    assert set(cases["area_code"]) <= set(areas.loc[areas["level"] == "grid", "code"])
    has_point = cases["lon"].notna()
    assert (has_point == cases["lat"].notna()).all()
    assert 0.80 <= has_point.mean() <= 0.90
    geoms = areas[areas["level"] == "grid"].set_index("code")["geom"]
    sample = cases[has_point].sample(2_000, random_state=0)
    polys = shapely.from_wkb(geoms.loc[sample["area_code"]].to_numpy())
    assert shapely.contains_xy(polys, sample["lon"], sample["lat"]).all()


def test_satisfaction_reopen_units(cases: pd.DataFrame) -> None:
    sat = cases["satisfaction"]
    assert sat[cases["resolved_at"].isna()].isna().all()
    rated = sat.dropna()
    assert rated.between(1, 5).all()
    assert rated.isin([4, 5]).mean() > 0.6
    assert 0.05 <= sat[cases["status"] == "closed"].isna().mean() <= 0.15
    assert 0.015 <= (cases["reopen_count"] > 0).mean() <= 0.05
    dispatched = cases["dispatched_at"].notna()
    assert cases.loc[dispatched, "handling_unit"].notna().all()
    assert cases["summary"].notna().all()


# -- party organisation and coverage -------------------------------------------------------


def test_workers_branches_groups(frames: dict[str, pd.DataFrame], areas: pd.DataFrame) -> None:
    grids = set(areas.loc[areas["level"] == "grid", "code"])
    villages = set(areas.loc[areas["level"] == "village", "code"])
    workers = frames["grid_workers"]
    assert len(workers) == 844 and set(workers["grid_code"]) == grids
    branches = frames["party_branches"]
    assert set(branches["area_code"]) == villages and branches["area_code"].is_unique
    assert set(branches["kind"]) == {"branch", "general"}
    groups = frames["grid_party_groups"]
    assert len(groups) == 844 and set(groups["grid_code"]) == grids
    village_of_branch = branches.set_index("id")["area_code"]
    assert (groups["branch_id"].map(village_of_branch) == groups["grid_code"].str[:12]).all()


def test_members(frames: dict[str, pd.DataFrame]) -> None:
    members = frames["party_members"]
    per_branch = members.groupby("branch_id").size()
    assert per_branch.between(25, 60).all()
    assert members["birth_year"].between(1940, 2000).all()
    assert (members["joined_year"] >= members["birth_year"] + 18).all()
    assert (members["joined_year"] <= AS_OF.year).all()
    assert 0.08 <= members["is_mobile"].mean() <= 0.15
    assert (members["last_active_at"].notna() == members["registered"]).all()
    assert (members["last_active_at"].dropna() < AS_OF_TS).all()


def test_coverage_counts_consistent(frames: dict[str, pd.DataFrame]) -> None:
    cov = frames["coverage_monthly"]
    months = sorted(cov["month"].unique())
    assert len(months) == 24
    assert all(m.day == 1 for m in months)
    assert months[-1] <= AS_OF and months[-1] == date(2026, 11, 1)
    assert len(cov) == 24 * len(frames["party_branches"])
    assert (cov["registered"] <= cov["members"]).all()
    assert (cov["active_30d"] <= cov["registered"]).all()
    assert (cov["mobile_active"] <= cov["mobile_members"]).all()
    assert (cov["mobile_members"] <= cov["members"]).all()
    assert (cov["broadband_households"] <= cov["households"]).all()
    assert cov["study_completion"].between(0, 1).all()
    assert cov["meetings_recorded"].between(0, cov["meetings_required"]).all()
    assert (cov["updated_at"] < AS_OF_TS).all()

    # The last month agrees with the member records.
    members = frames["party_members"]
    recent = members["last_active_at"] >= AS_OF_TS - pd.Timedelta(days=30)
    actual = pd.DataFrame(
        {
            "members": members.groupby("branch_id").size(),
            "registered": members.groupby("branch_id")["registered"].sum(),
            "active_30d": recent.groupby(members["branch_id"]).sum(),
            "mobile_members": members.groupby("branch_id")["is_mobile"].sum(),
            "mobile_active": (recent & members["is_mobile"]).groupby(members["branch_id"]).sum(),
        }
    )
    last = cov[cov["month"] == months[-1]].set_index("branch_id")[actual.columns]
    pd.testing.assert_frame_equal(
        last.sort_index(), actual.sort_index(), check_dtype=False, check_names=False
    )


def test_coverage_spread_widens(frames: dict[str, pd.DataFrame]) -> None:
    cov = frames["coverage_monthly"]
    index = (
        cov["registered"] / cov["members"]
        + cov["active_30d"] / cov["members"]
        + cov["study_completion"]
        + cov["meetings_recorded"] / cov["meetings_required"]
        + cov["broadband_households"] / cov["households"]
    ) / 5
    months = sorted(cov["month"].unique())
    first = gini(index[cov["month"] == months[0]].to_numpy())
    last = gini(index[cov["month"] == months[-1]].to_numpy())
    assert 0 < first < 0.5
    assert last > first + 0.03  # Matthew effect: clearly wider


def test_meta(frames: dict[str, pd.DataFrame]) -> None:
    meta = dict(zip(frames["dataset_meta"]["key"], frames["dataset_meta"]["value"], strict=True))
    assert meta == {
        "as_of": "2026-11-22T00:00:00",
        "synthetic": "1",
        "seed": "7",
        "scale": "reference",
        "generator": "countydash demo v1",
        "source_zh": "演示数据（模拟）",
        "source_en": "Demo data (synthetic)",
    }


# -- determinism and loading ---------------------------------------------------------------


def test_deterministic(frames: dict[str, pd.DataFrame]) -> None:
    again = build_demo(seed=7, as_of=AS_OF, scale="reference")
    assert set(again) == set(frames)
    for name in frames:
        pd.testing.assert_frame_equal(again[name], frames[name], obj=name)
    other = build_demo(seed=8, as_of=AS_OF, scale="reference")
    assert not other["areas"]["geom"].equals(frames["areas"]["geom"])
    assert not other["cases"]["reported_at"].equals(frames["cases"]["reported_at"])


def test_write_demo_round_trips_to_sqlite(frames: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    schema.metadata.create_all(engine)
    write_demo(engine, frames)
    cases = frames["cases"]
    with engine.connect() as conn:
        for name, frame in frames.items():
            table = schema.metadata.tables[name]
            assert conn.execute(select(func.count()).select_from(table)).scalar() == len(frame)
        c = schema.cases
        # NULLs survive, and stored timestamps compare like SQLAlchemy-bound ones.
        n_null = conn.execute(select(func.count()).where(c.c.resolved_at.is_(None))).scalar()
        assert n_null == cases["resolved_at"].isna().sum()
        n_lon = conn.execute(select(func.count()).where(c.c.lon.is_(None))).scalar()
        assert n_lon == cases["lon"].isna().sum()
        first = cases.iloc[0]
        row = conn.execute(
            select(c).where(c.c.reported_at == first["reported_at"].to_pydatetime())
        ).one()
        assert row.id == first["id"] and row.due_at == first["due_at"].to_pydatetime()
        cut = pd.Timestamp("2026-01-01")
        n_after = conn.execute(
            select(func.count()).where(c.c.reported_at >= cut.to_pydatetime())
        ).scalar()
        assert n_after == (cases["reported_at"] >= cut).sum()
        a = schema.areas
        geom = conn.execute(select(a.c.geom).where(a.c.level == "grid").limit(1)).scalar()
        assert shapely.from_wkb(geom).is_valid
        cov = schema.coverage_monthly
        month = conn.execute(select(func.max(cov.c.month))).scalar()
        assert month == date(2026, 11, 1)
        pm = schema.party_members
        n_mobile = conn.execute(select(func.count()).where(pm.c.is_mobile.is_(True))).scalar()
        assert n_mobile == frames["party_members"]["is_mobile"].sum()
