"""Map layers for one parent area, computed once per version of the area tree.

Building every level's outlines and simplifying them takes about a second for thousands of
grids, so it happens once per process and version of the area tree (immutable geometry,
memoised per process as the house style allows; :func:`dashboard.warm.prepare_master` builds
it before gunicorn forks its workers, which share it). With the outlines, each area's
drawing - its GeoJSON feature, label point, rings and bounds - is made once too: a parent's
layer is then a selection of its children's drawings (microseconds; it was 5-8 ms of
geopandas per parent, paid again on every miss of the shared cache). All of it keys on the
areas' part of the data version: a new case does not rebuild the map's geometry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
from sqlalchemy import Engine

from geodata.layers import Layers, build_layers, label_points, to_feature_collection
from queries.context import QueryContext
from queries.geometry import fetch_area_shapes


@dataclass(frozen=True)
class Drawing:
    """One area as the map draws it. Its feature and rings are kept as JSON text: a worker
    forked from the master shares these pages as long as nothing writes to them, and reading
    a Python object writes its reference count (every nested list of coordinates a pickle or
    a figure walks), while a string is one object; decoded per layer, a few microseconds a
    feature."""

    feature_json: str  # GeoJSON Feature, id = the area's code
    label: dict[str, object]  # code, name, lon, lat, area (label_points' columns)
    rings_json: str  # its outline as a frame around its children: [[[lon, lat], ...], ...]
    bounds: tuple[float, float, float, float]

    def feature(self) -> dict[str, object]:
        return json.loads(self.feature_json)  # type: ignore[no-any-return]

    def rings(self) -> list[list[tuple[float, float]]]:
        return [[(x, y) for x, y in ring] for ring in json.loads(self.rings_json)]


@dataclass(frozen=True)
class ParentLayer:
    """What the map needs to draw the children of one area."""

    geojson: dict[str, object]
    codes: tuple[str, ...]
    labels: list[dict[str, object]]
    outline: list[list[tuple[float, float]]]  # rings of the parent, lon/lat
    bounds: tuple[float, float, float, float] | None


@lru_cache(maxsize=2)
def _layers(engine: Engine, version: str) -> Layers:
    # version is part of the cache key only: a new area tree or geometry, new layers.
    return build_layers(fetch_area_shapes(QueryContext(engine=engine)))


def layers(ctx: QueryContext) -> Layers:
    """All levels' outlines for the context's database at its current area-tree version."""
    return _layers(ctx.engine, ctx.version_for("areas"))


@lru_cache(maxsize=2)
def _drawings(engine: Engine, version: str) -> dict[str, Drawing]:
    return make_drawings(_layers(engine, version).display)


def drawings(ctx: QueryContext) -> dict[str, Drawing]:
    """Every area with a simplified outline, drawn (per process and area-tree version)."""
    return _drawings(ctx.engine, ctx.version_for("areas"))


def make_drawings(display: gpd.GeoDataFrame) -> dict[str, Drawing]:
    """Each area's :class:`Drawing` from its simplified outline, all areas at once."""
    import shapely

    rows = display[display.geometry.notna()]
    geoms = rows.geometry.to_numpy()
    features = to_feature_collection(rows)["features"]
    labels = label_points(rows).to_dict("records")
    boxes = shapely.bounds(geoms)
    return {
        code: Drawing(feature_json=json.dumps(feature, ensure_ascii=False), label=label,
                      rings_json=json.dumps(_rings(geom)),
                      bounds=tuple(float(v) for v in box))  # type: ignore[arg-type]
        for code, feature, label, geom, box in zip(rows.index, features, labels, geoms, boxes,
                                                    strict=True)
    }


def _rings(geom: object) -> list[list[tuple[float, float]]]:
    import shapely

    if geom is None or shapely.is_empty(geom):
        return []
    polys = getattr(geom, "geoms", [geom])
    return [[(round(x, 5), round(y, 5)) for x, y in p.exterior.coords] for p in polys]


def parent_layer(ctx: QueryContext, parent: str, codes: tuple[str, ...]) -> ParentLayer:
    """Simplified GeoJSON of ``codes`` (children of ``parent`` the caller may see).

    Geometry is EPSG:4326, simplified for the children's level; ``outline`` is the parent's
    own simplified outline, drawn as a frame around the children.
    """
    drawn = drawings(ctx)
    shown = tuple(c for c in codes if c in drawn)
    kids = [drawn[c] for c in shown]
    own = drawn.get(parent)
    boxes = [k.bounds for k in kids]
    return ParentLayer(
        geojson={"type": "FeatureCollection", "features": [k.feature() for k in kids]},
        codes=shown,
        labels=[dict(k.label) for k in kids],
        outline=own.rings() if own else [],
        bounds=(min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes)) if boxes else None,
    )
