"""Map layers for one parent area, computed once per data version and cached.

Building every level's outlines and simplifying them takes about a second for thousands of
grids, so it happens once per process and version of the area tree (immutable geometry,
memoised per process as the house style allows; :func:`dashboard.warm.warm_worker` builds it
when a gunicorn worker starts); the per-parent GeoJSON goes to the shared cache. Both key on
the areas' part of the data version: a new case does not rebuild the map's geometry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
from sqlalchemy import Engine

from dashboard.cache import data_cached
from geodata.layers import Layers, bounds, build_layers, label_points, to_feature_collection
from queries.context import QueryContext
from queries.geometry import fetch_area_shapes


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


def _rings(geom: object) -> list[list[tuple[float, float]]]:
    import shapely

    if geom is None or shapely.is_empty(geom):
        return []
    polys = getattr(geom, "geoms", [geom])
    return [[(round(x, 5), round(y, 5)) for x, y in p.exterior.coords] for p in polys]


@data_cached(on="areas")
def parent_layer(ctx: QueryContext, parent: str, codes: tuple[str, ...]) -> ParentLayer:
    """Simplified GeoJSON of ``codes`` (children of ``parent`` the caller may see).

    Geometry is EPSG:4326, simplified for the children's level; ``outline`` is the parent's
    own simplified outline, drawn as a frame around the children.
    """
    lay = layers(ctx)
    display: gpd.GeoDataFrame = lay.display
    kids = display.loc[[c for c in codes if c in display.index]]
    kids = kids[kids.geometry.notna()]
    parent_geom = display.geometry.get(parent) if parent in display.index else None
    return ParentLayer(
        geojson=to_feature_collection(kids),
        codes=tuple(kids.index),
        labels=label_points(kids).to_dict("records"),
        outline=_rings(parent_geom),
        bounds=bounds(kids) if len(kids) else None,
    )
