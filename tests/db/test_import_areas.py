"""Importing area polygons: CRSs, GCJ-02, repairs, overlaps, orphans, duplicates, atomicity,
and the real New York City boundaries as a three-level tree."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from sqlalchemy import Engine

from dashboard.importer.areas import import_areas
from geodata.gcj02 import wgs84_to_gcj02
from geodata.importer import AreaSource
from tests.db import test_import_support as support
from tests.db.test_import_support import (
    NYC,
    county_frames,
    empty_sqlite,
    import_county,
    table,
    write,
)

empty_engine = support.empty_engine  # the fixture, on SQLite and PostgreSQL


def same_shapes(got: gpd.GeoSeries, expected: gpd.GeoSeries, tolerance: float) -> bool:
    """Every vertex within ``tolerance`` degrees of the other shape and vice versa."""
    distance = shapely.hausdorff_distance(got.to_numpy(), expected.loc[got.index].to_numpy())
    return bool((distance <= tolerance).all())


def stored(engine: Engine, level: str) -> gpd.GeoSeries:
    """The stored polygons of a level, decoded from WKB (all EPSG:4326), by code."""
    frame = table(engine, "areas")
    frame = frame[frame["level"] == level]
    assert set(frame["geom_crs"]) == {"EPSG:4326"}
    return gpd.GeoSeries(shapely.from_wkb([bytes(g) for g in frame["geom"]]),
                         index=frame["code"].to_numpy(), crs="EPSG:4326")


def test_import_areas_three_levels_build_tree_and_closure(empty_engine: Engine,
                                                          tmp_path: Path) -> None:
    import_county(empty_engine, tmp_path)
    areas = table(empty_engine, "areas")
    assert areas.groupby("level").size().to_dict() == {"county": 1, "grid": 8, "town": 2,
                                                      "village": 4}
    root = areas[areas["level"] == "county"].iloc[0]
    assert root["code"] == "211122" and root["geom"] is None
    assert root["geom_source"] == "derived"
    grids = areas[areas["level"] == "grid"]
    assert sorted(grids["households"]) == [100, 100, 100, 100, 101, 101, 101, 101]
    # closure: every grid has itself, its village, its town and the county as ancestors
    paths = table(empty_engine, "area_paths")
    per_grid = paths[paths["descendant_code"].isin(grids["code"])].groupby("descendant_code")
    assert (per_grid.size() == 4).all()
    assert len(paths) == 15 + 14 + 12 + 8  # depth 0, 1, 2, 3
    expected = county_frames()["grid"].set_index("code").geometry
    got = stored(empty_engine, "grid")
    assert same_shapes(got, expected, 1e-12)


def test_import_areas_again_changes_nothing(empty_engine: Engine, tmp_path: Path) -> None:
    import_county(empty_engine, tmp_path)
    before = table(empty_engine, "areas")
    meta = table(empty_engine, "dataset_meta")
    path = write(county_frames()["grid"], tmp_path / "grid.geojson")
    summary = import_areas(empty_engine, AreaSource(path, "grid", "code", "name",
                                                    parent_field="parent"))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 8)
    pd.testing.assert_frame_equal(table(empty_engine, "areas"), before)
    pd.testing.assert_frame_equal(table(empty_engine, "dataset_meta"), meta)


@pytest.mark.parametrize(("crs", "suffix", "option"), [
    ("EPSG:32651", ".shp", None),          # projected (UTM 51N, metres), declared in .prj
    ("EPSG:4490", ".geojson", None),       # CGCS2000, declared
    ("EPSG:32651", ".shp", "EPSG:32651"),  # declares nothing: --crs supplies it
    (None, ".shp", None),                  # declares nothing, lon/lat: WGS84 assumed
])
def test_import_areas_source_crs_reprojected_to_wgs84(tmp_path: Path, crs: str | None,
                                                      suffix: str, option: str | None) -> None:
    engine = empty_sqlite(tmp_path / "crs.sqlite")
    import_county(engine, tmp_path, ("town", "village"))
    frames = county_frames()
    path = write(frames["grid"], tmp_path / f"grids{suffix}", crs=crs)
    if option:
        path.with_suffix(".prj").unlink()
    summary = import_areas(engine, AreaSource(path, "grid", "code", "name",
                                              parent_field="parent", crs=option))
    assert summary.added == 8 and summary.rejected == 0
    got = stored(engine, "grid")
    expected = frames["grid"].set_index("code").geometry.loc[got.index]
    # back in lon/lat to well under a millimetre (1e-8 degrees)
    assert same_shapes(got, expected, 1e-8)
    if crs is None:
        assert any(f.kind == "crs" and "assumed" in f.detail for f in summary.findings)


def test_import_areas_without_crs_in_metres_asks_for_crs(tmp_path: Path) -> None:
    engine = empty_sqlite(tmp_path / "crs.sqlite")
    path = write(county_frames()["town"], tmp_path / "towns.shp", crs="EPSG:32651")
    path.with_suffix(".prj").unlink()
    with pytest.raises(ValueError, match="declares no CRS.*--crs"):
        import_areas(engine, AreaSource(path, "town", "code", "name"))
    assert table(engine, "areas").empty


def test_import_areas_wrong_crs_detected_and_overridden(tmp_path: Path) -> None:
    engine = empty_sqlite(tmp_path / "crs.sqlite")
    towns = county_frames()["town"]
    wrong = towns.to_crs("EPSG:32651").set_crs("EPSG:4326", allow_override=True)
    path = tmp_path / "towns.shp"
    wrong.to_file(path)
    with pytest.raises(ValueError, match="declared CRS is wrong"):
        import_areas(engine, AreaSource(path, "town", "code", "name"))
    summary = import_areas(engine, AreaSource(path, "town", "code", "name", crs="EPSG:32651",
                                              root_code="211122"))
    assert summary.added == 2
    assert any("overridden" in f.detail for f in summary.findings)
    got = stored(engine, "town")
    assert same_shapes(got, towns.set_index("code").geometry, 1e-8)


def test_import_areas_gcj02_offsets_removed(tmp_path: Path) -> None:
    engine = empty_sqlite(tmp_path / "gcj.sqlite")
    import_county(engine, tmp_path, ("town", "village"))
    grids = county_frames()["grid"]
    shifted = grids.copy()
    shifted["geometry"] = shapely.transform(
        grids.geometry.to_numpy(), lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
    # the offset is hundreds of metres: without --gcj02 the grids would be misplaced
    assert shapely.hausdorff_distance(shifted.geometry[0], grids.geometry[0]) > 1e-3
    path = write(shifted, tmp_path / "gcj.geojson")
    summary = import_areas(engine, AreaSource(path, "grid", "code", "name",
                                              parent_field="parent", gcj02=True))
    assert summary.added == 8
    got = stored(engine, "grid")
    assert same_shapes(got, grids.set_index("code").geometry, 1e-7)


def test_import_areas_bad_features_rejected_or_repaired(tmp_path: Path) -> None:
    engine = empty_sqlite(tmp_path / "bad.sqlite")
    import_county(engine, tmp_path, ("town", "village"))
    grids = county_frames()["grid"].copy()
    bowtie = shapely.Polygon([(121.0, 41.0), (121.01, 41.01), (121.01, 41.0), (121.0, 41.01)])
    assert not bowtie.is_valid
    grids.loc[0, "geometry"] = bowtie
    # the fourth grid overlaps its sibling, the third, by a 0.002-degree strip
    grids.loc[3, "geometry"] = shapely.box(121.01, 41.008, 121.02, 41.02)
    extra = gpd.GeoDataFrame([
        {"code": "orphan1", "name": "Orphan", "parent": "999", "households": 1,
         "geometry": shapely.box(121.1, 41.1, 121.11, 41.11)},
        {"code": "dup", "name": "Dup A", "parent": grids.loc[2, "parent"], "households": 1,
         "geometry": shapely.box(121.2, 41.2, 121.21, 41.21)},
        {"code": "dup", "name": "Dup B", "parent": grids.loc[2, "parent"], "households": 1,
         "geometry": shapely.box(121.3, 41.2, 121.31, 41.21)},
        {"code": "wronglevel", "name": "Under a town", "parent": "211122101", "households": 1,
         "geometry": shapely.box(121.4, 41.2, 121.41, 41.21)},
    ], crs="EPSG:4326")
    path = write(pd.concat([grids, extra], ignore_index=True), tmp_path / "bad.geojson")
    rejects = tmp_path / "bad.rejects.csv"
    summary = import_areas(engine, AreaSource(path, "grid", "code", "name",
                                              parent_field="parent"), rejects=rejects)
    assert summary.added == 8 and summary.repaired == 1
    assert [f.key for f in summary.findings if f.kind == "repaired"] == [grids.loc[0, "code"]]
    assert "Self-intersection" in next(f.detail for f in summary.findings
                                        if f.kind == "repaired")
    overlaps = [f for f in summary.findings if f.kind == "overlap"]
    assert [f.key for f in overlaps] == [f"{grids.loc[2, 'code']}/{grids.loc[3, 'code']}"]
    strip = gpd.GeoSeries([shapely.box(121.01, 41.008, 121.02, 41.01)], crs=4326).to_crs(32651)
    assert overlaps[0].area_m2 == pytest.approx(strip.area[0], rel=0.01)
    assert any(f.kind == "gap" for f in summary.findings)  # the repaired bowtie left a hole
    with open(rejects, encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    reasons = {(r["row"], r["key"]): r["reason"] for r in rows}
    assert set(reasons) == {("9", "orphan1"), ("10", "dup"), ("11", "dup"),
                            ("12", "wronglevel")}
    assert "parent 999 not found" in reasons[("9", "orphan1")]
    assert "duplicate code dup (features 10, 11)" in reasons[("10", "dup")]
    assert "is a town" in reasons[("12", "wronglevel")]
    stored_codes = set(table(engine, "areas")["code"])
    assert not stored_codes & {"orphan1", "dup", "wronglevel"}
    repaired = stored(engine, "grid")[grids.loc[0, "code"]]
    assert repaired.is_valid and repaired.area == pytest.approx(bowtie.buffer(0).area * 2,
                                                                rel=1e-6)


def test_import_areas_placed_by_largest_overlap(tmp_path: Path) -> None:
    engine = empty_sqlite(tmp_path / "place.sqlite")
    import_county(engine, tmp_path, ("town", "village"))
    grids = county_frames()["grid"].drop(columns="parent")
    # one grid straddles two villages, 70 % in the second one
    grids.loc[0, "geometry"] = shapely.box(121.007, 41.0, 121.017, 41.01)
    path = write(grids, tmp_path / "noparent.geojson")
    summary = import_areas(engine, AreaSource(path, "grid", "code", "name"))
    assert summary.added == 8
    areas = table(engine, "areas").set_index("code")
    expected = county_frames()["grid"].set_index("code")["parent"]
    moved = grids.loc[0, "code"]
    assert areas.loc[moved, "parent_code"] == "211122101002"
    others = expected.drop(moved)
    assert (areas.loc[others.index, "parent_code"] == others).all()
    finding = next(f for f in summary.findings if f.kind == "placed-by-overlap")
    assert finding.key == moved and "70.0%" in finding.detail


def test_import_areas_interrupted_leaves_database_as_it_was(
        empty_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import_county(empty_engine, tmp_path, ("town", "village"))
    before = {t: table(empty_engine, t) for t in ("areas", "area_paths", "dataset_meta")}
    from queries import imports

    def boom(conn):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(imports, "rebuild_area_paths", boom)
    path = write(county_frames()["grid"], tmp_path / "grid.geojson")
    with pytest.raises(RuntimeError, match="simulated"):
        import_areas(empty_engine, AreaSource(path, "grid", "code", "name",
                                              parent_field="parent"))
    for name, frame in before.items():
        pd.testing.assert_frame_equal(table(empty_engine, name), frame)


def test_import_areas_county_imported_with_its_polygon(tmp_path: Path) -> None:
    engine = empty_sqlite(tmp_path / "county.sqlite")
    county = gpd.GeoDataFrame([{"code": "211122", "name": "Test County",
                                "geometry": shapely.box(121.0, 41.0, 121.04, 41.02)}],
                              crs="EPSG:4326")
    summary = import_areas(engine, AreaSource(write(county, tmp_path / "c.geojson"), "county",
                                              "code", "name"))
    assert summary.added == 1
    towns = write(county_frames()["town"], tmp_path / "t.geojson")
    summary = import_areas(engine, AreaSource(towns, "town", "code", "name"))
    assert summary.added == 2 and not summary.created
    assert not [f for f in summary.findings if f.kind in ("gap", "outside-parent")]
    assert set(table(engine, "areas")["parent_code"].dropna()) == {"211122"}


def nyc_available() -> None:
    if not (NYC / "nybb_24c" / "nybb.shp").exists():
        from tests.conftest import skip_or_fail

        skip_or_fail(f"the shared NYC boundaries are not at {NYC}")


def import_nyc(engine: Engine, tmp_path: Path) -> list:  # type: ignore[type-arg]
    sources = [
        AreaSource(NYC / "nybb_24c" / "nybb.shp", "town", "BoroCode", "BoroName",
                   root_code="NYC", root_name="New York City"),
        AreaSource(NYC / "nycdta2020_24c" / "nycdta2020.shp", "village", "CDTA2020",
                   "CDTAName", parent_field="BoroCode"),
        AreaSource(NYC / "nynta2020_24c" / "nynta2020.shp", "grid", "NTA2020", "NTAName",
                   parent_field="CDTA2020"),
    ]
    return [import_areas(engine, s, rejects=tmp_path / "nyc.rejects.csv") for s in sources]


@pytest.fixture(scope="module")
def nyc(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, list]:  # type: ignore[type-arg]
    """The NYC boundaries imported once for this module: (engine, the three summaries)."""
    nyc_available()
    tmp = tmp_path_factory.mktemp("nyc")
    engine = empty_sqlite(tmp / "nyc.sqlite")
    return engine, import_nyc(engine, tmp)


def test_import_areas_nyc_three_level_tree(nyc, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, (towns, districts, ntas) = nyc
    assert (towns.added, districts.added, ntas.added) == (5, 71, 262)
    assert towns.rejected == districts.rejected == ntas.rejected == 0
    areas = table(engine, "areas").set_index("code")
    assert areas.groupby("level").size().to_dict() == {"county": 1, "town": 5,
                                                      "village": 71, "grid": 262}
    raw = gpd.read_file(NYC / "nynta2020_24c" / "nynta2020.shp")
    assert (areas.loc[raw["NTA2020"], "parent_code"].to_numpy()
            == raw["CDTA2020"].to_numpy()).all()
    assert areas.loc["QN0151", "parent_code"] == "QN01"  # Rikers Island: Bronx code, QN01
    # CDTA QN01 holds Rikers Island, which lies in the Bronx's polygon: reported, kept
    outside = {f.key: f for f in districts.findings if f.kind == "outside-parent"}
    assert "QN01" in outside and outside["QN01"].area_m2 > 1e6
    paths = table(engine, "area_paths")
    assert len(paths[paths["ancestor_code"] == "NYC"]) == 1 + 5 + 71 + 262
    # areas stored in EPSG:4326 match the source reprojected independently
    got = stored(engine, "town")
    boroughs = gpd.read_file(NYC / "nybb_24c" / "nybb.shp")
    boroughs.index = boroughs["BoroCode"].astype(int).astype(str)
    back = got.to_crs(boroughs.crs)  # round trip through EPSG:4326, in US feet
    assert back.area.loc[boroughs.index].to_numpy() == pytest.approx(
        boroughs.area.to_numpy(), rel=1e-7)
    again = import_nyc(engine, tmp_path)
    assert [s.unchanged for s in again] == [5, 71, 262]
    assert sum(s.added + s.updated for s in again) == 0


def test_import_areas_nyc_map_layers_and_callback(nyc, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from geodata.layers import build_layers
    from queries.context import QueryContext
    from queries.geometry import fetch_area_shapes

    engine = nyc[0]
    layers = build_layers(fetch_area_shapes(QueryContext(engine=engine)))
    display = layers.display
    for level, n in (("county", 1), ("town", 5), ("village", 71), ("grid", 262)):
        rows = display[display["level"] == level]
        assert len(rows) == n and rows.geometry.notna().all()
        assert shapely.is_valid(rows.geometry.to_numpy()).all()
    assert layers.exact.loc["NYC", "source"] == "dissolved"
    lon, lat = display.loc["1"].geometry.representative_point().coords[0]
    assert -74.1 < lon < -73.9 and 40.6 < lat < 40.9  # Manhattan, degrees
    check_map_callback(engine, tmp_path, monkeypatch, "NYC", "2")


def check_map_callback(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       root: str, child: str) -> None:
    """The map callback draws the root's children and one child's children (no cases)."""
    import callbacks.map as map_cb
    from dashboard.factory import create_app
    from dashboard.settings import Settings
    from queries.context import QueryContext

    settings = Settings(database_url=str(engine.url), embedded=False, cache_type="null")
    app = create_app(settings)
    monkeypatch.setattr(map_cb, "query_context", lambda: QueryContext(engine=engine))
    with app.server.test_request_context("/"):
        for area in (root, child):
            store = {"area": area, "start": "2026-10-01", "end": "2026-10-31", "lang": "en"}
            fig, key, hint, card, colourings = map_cb.update_map(store, store, None)
            assert colourings["for"]["area"] == area and "cases" in colourings["metrics"]
            kids = table(engine, "areas")
            n = int((kids["parent_code"] == area).sum())
            data = fig.to_dict()["data"] if hasattr(fig, "to_dict") else fig["data"]
            locations = [loc for trace in data for loc in (trace.get("locations") or [])]
            assert len(set(locations)) == n, area
            assert key["parent"] == area
