"""Per-level map layers from the stored polygons.

Grids carry polygons; village, town and county outlines are dissolved from their children
unless an outline was imported for them (an imported outline takes precedence). Each level is
then simplified as one *coverage* (``shapely.coverage_simplify``), so neighbours keep exactly
the same shared border - no slivers, no gaps - and rounded to what a screen can show.
All output geometry is in EPSG:4326 (lon/lat degrees).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dashboard.schema import LEVELS

WGS84 = "EPSG:4326"

#: Simplification tolerance (degrees) and coordinate decimals per level, fitted to the zoom
#: at which that level is shown: towns fill a county-wide map (1 px ~ 0.0006 deg), villages a
#: town-wide map, grids a village-wide map. 1e-5 deg is ~1 m.
LEVEL_DETAIL: dict[str, tuple[float, int]] = {
    "county": (0.0008, 4),
    "town": (0.0005, 4),
    "village": (0.00015, 5),
    "grid": (0.00004, 5),
}


def to_geoseries(wkb: pd.Series, crs: pd.Series) -> gpd.GeoSeries:
    """Decode WKB stored in mixed CRSs into one GeoSeries in EPSG:4326."""
    out = gpd.GeoSeries([None] * len(wkb), index=wkb.index, crs=WGS84)
    for src_crs, idx in crs.fillna(WGS84).groupby(crs.fillna(WGS84)).groups.items():
        geoms = gpd.GeoSeries(shapely.from_wkb(wkb.loc[idx].to_numpy()), index=idx, crs=src_crs)
        out.loc[idx] = geoms.to_crs(WGS84) if src_crs != WGS84 else geoms
    return out


def dissolve(geoms: np.ndarray) -> shapely.Geometry:
    """Union of a level's polygons: the fast coverage union, or - for real data whose
    neighbours do not share vertices exactly (imported boundaries) - the general union."""
    try:
        return shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:
        return shapely.union_all(shapely.make_valid(geoms))


@dataclass(frozen=True)
class Layers:
    """Full-precision outlines of every area (``exact``) and simplified ones (``display``)."""

    exact: gpd.GeoDataFrame
    display: gpd.GeoDataFrame


def build_outlines(shapes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Every area's outline: stored where present, otherwise dissolved from its children.

    Parameters
    ----------
    shapes
        Columns code, name, level, parent_code, geom (WKB or None), geom_crs.

    Returns
    -------
    GeoDataFrame indexed by code, with name, level, parent_code and geometry (EPSG:4326);
    areas with neither a polygon nor descendants that have one get no geometry.
    """
    frame = shapes.set_index("code")
    has = frame["geom"].notna()
    geometry = gpd.GeoSeries([None] * len(frame), index=frame.index, crs=WGS84)
    if has.any():
        geometry.loc[has] = to_geoseries(frame.loc[has, "geom"], frame.loc[has, "geom_crs"])
    gdf = gpd.GeoDataFrame(frame[["name", "level", "parent_code"]], geometry=geometry,
                           crs=WGS84)
    gdf["source"] = np.where(has, "stored", "")
    # Bottom-up: a level's missing outlines are the coverage union of its children's.
    for level in reversed(LEVELS[:-1]):
        children_level = LEVELS[LEVELS.index(level) + 1]
        kids = gdf[(gdf["level"] == children_level) & gdf.geometry.notna()
                   & ~gdf.geometry.is_empty]
        if kids.empty:
            continue
        merged = kids.groupby("parent_code").geometry.apply(lambda g: dissolve(g.to_numpy()))
        missing = gdf.index[(gdf["level"] == level) & gdf.geometry.isna()]
        fill = merged.reindex(missing).dropna()
        gdf.loc[fill.index, "geometry"] = gpd.GeoSeries(fill, crs=WGS84)
        gdf.loc[fill.index, "source"] = "dissolved"
    return gdf


def simplify_level(gdf: gpd.GeoDataFrame, level: str) -> gpd.GeoSeries:
    """Topology-preserving simplification of one level as a coverage, then rounding."""
    tolerance, decimals = LEVEL_DETAIL[level]
    geoms = gdf.geometry.to_numpy()
    simple = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    simple = shapely.set_precision(simple, 10.0 ** -decimals, mode="pointwise")
    bad = ~shapely.is_valid(simple) | shapely.is_empty(simple)
    if bad.any():  # fall back to the exact geometry rather than show a broken polygon
        simple[bad] = shapely.set_precision(geoms[bad], 10.0 ** -decimals, mode="valid_output")
    return gpd.GeoSeries(simple, index=gdf.index, crs=WGS84)


def build_layers(shapes: pd.DataFrame) -> Layers:
    """Outlines of every area at full precision and simplified per level."""
    exact = build_outlines(shapes)
    display = exact.copy()
    for level in LEVELS:
        rows = exact[(exact["level"] == level) & exact.geometry.notna()]
        if not rows.empty:
            display.loc[rows.index, "geometry"] = simplify_level(rows, level)
    return Layers(exact=exact, display=display)


def to_feature_collection(gdf: gpd.GeoDataFrame) -> dict[str, object]:
    """GeoJSON FeatureCollection (EPSG:4326) with ``id`` = area code and the name."""
    rows = gdf[gdf.geometry.notna()]
    geo = [json.loads(g) for g in shapely.to_geojson(rows.geometry.to_numpy())]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": code, "properties": {"name": name}, "geometry": g}
            for code, name, g in zip(rows.index, rows["name"], geo, strict=True)
        ],
    }


def bounds(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of the non-empty geometries."""
    rows = gdf[gdf.geometry.notna()]
    return tuple(float(v) for v in rows.total_bounds)  # type: ignore[return-value]


def label_points(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """A point inside each area for its label: columns code, name, lon, lat, and area
    (square degrees: which label wins where two would overlap)."""
    rows = gdf[gdf.geometry.notna()]
    geoms = rows.geometry.to_numpy()
    pts = shapely.point_on_surface(geoms)
    return pd.DataFrame({"code": rows.index, "name": rows["name"].to_numpy(),
                         "lon": shapely.get_x(pts), "lat": shapely.get_y(pts),
                         "area": shapely.area(geoms)})
