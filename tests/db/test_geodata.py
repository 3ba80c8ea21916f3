"""Map layers: dissolved levels equal their grids, simplified layers keep shared borders and
stay small on the wire."""

from __future__ import annotations

import gzip
import json

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine

from geodata.layers import build_layers, to_feature_collection
from queries.context import QueryContext
from queries.geometry import fetch_area_shapes

METRIC_CRS = "EPSG:32651"  # UTM 51N: metres around the demo county


@pytest.fixture(scope="module")
def layers(sqlite_engine: Engine):  # type: ignore[no-untyped-def]
    return build_layers(fetch_area_shapes(QueryContext(engine=sqlite_engine)))


def test_dissolved_towns_equal_union_of_their_grids(layers) -> None:  # type: ignore[no-untyped-def]
    exact = layers.exact.to_crs(METRIC_CRS)
    grids = exact[exact["level"] == "grid"]
    villages = exact[exact["level"] == "village"]
    town_of_grid = grids["parent_code"].map(villages["parent_code"])
    towns = exact[exact["level"] == "town"]
    assert len(towns) == 13 and (layers.exact.loc[towns.index, "source"] == "dissolved").all()
    for code, town in towns.iterrows():
        union = shapely.union_all(grids.geometry[town_of_grid == code].to_numpy())
        assert town.geometry.area == pytest.approx(union.area, rel=1e-3)
        assert town.geometry.symmetric_difference(union).area < 1e-3 * union.area


def test_children_tile_every_area(layers) -> None:  # type: ignore[no-untyped-def]
    exact = layers.exact.to_crs(METRIC_CRS)
    parents = exact[exact["level"] != "grid"]
    for code, parent in parents.iterrows():
        kids = exact[exact["parent_code"] == code]
        total = kids.geometry.area.sum()
        assert total == pytest.approx(parent.geometry.area, rel=1e-6), code  # no overlaps
        union = shapely.union_all(kids.geometry.to_numpy())
        assert union.symmetric_difference(parent.geometry).area < 1e-6 * parent.geometry.area


@pytest.mark.parametrize("level", ["town", "village", "grid"])
def test_simplified_levels_valid_and_keep_shared_borders(layers, level: str) -> None:  # type: ignore[no-untyped-def]
    display = layers.display[layers.display["level"] == level]
    geoms = display.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    # a valid coverage: no overlaps and edges matched between neighbours (no slivers / gaps)
    assert shapely.coverage_is_valid(geoms)
    exact = layers.exact.loc[display.index].to_crs(METRIC_CRS)
    simple = gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(METRIC_CRS)
    assert simple.area.sum() == pytest.approx(exact.area.sum(), rel=0.01)
    # simplification actually removed vertices
    assert shapely.get_num_coordinates(geoms).sum() < \
        shapely.get_num_coordinates(layers.exact.loc[display.index].geometry.to_numpy()).sum()


def test_all_grids_gzip_at_most_200kb(layers) -> None:  # type: ignore[no-untyped-def]
    grids = layers.display[layers.display["level"] == "grid"]
    assert len(grids) == 844
    payload = json.dumps(to_feature_collection(grids), separators=(",", ":")).encode()
    size = len(gzip.compress(payload))
    print(f"844 grids: {len(payload)/1024:.0f} KB raw, {size/1024:.0f} KB gzip")
    assert size <= 200 * 1024


def test_feature_collection_ids_are_codes(layers) -> None:  # type: ignore[no-untyped-def]
    towns = layers.display[layers.display["level"] == "town"]
    fc = to_feature_collection(towns)
    assert [f["id"] for f in fc["features"]] == list(towns.index)
    lon, lat = fc["features"][0]["geometry"]["coordinates"][0][0][:2]
    assert 121 < lon < 123 and 40 < lat < 42  # EPSG:4326 degrees


@pytest.mark.slow
def test_large_demo_grids_gzip_at_most_1mb() -> None:
    from dashboard.demo import build_demo_areas

    shapes = build_demo_areas(scale="large")
    layers = build_layers(shapes)
    grids = layers.display[layers.display["level"] == "grid"]
    assert len(grids) == 5000
    assert shapely.is_valid(grids.geometry.to_numpy()).all()
    payload = json.dumps(to_feature_collection(grids), separators=(",", ":")).encode()
    size = len(gzip.compress(payload))
    print(f"5000 grids: {len(payload)/1024:.0f} KB raw, {size/1024:.0f} KB gzip")
    assert size <= 1024 * 1024
