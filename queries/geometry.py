"""Area polygons as stored (WKB in their declared CRS), for ``geodata`` to turn into layers."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, select

from dashboard import db
from dashboard.schema import areas
from queries.context import QueryContext


def build_area_shapes() -> Select:
    """Every area with its tree position and, where stored, its polygon (WKB) and CRS.

    Not scoped: geometry is public outline data and is cut to the caller's scope when a layer
    is served (``queries.areas`` decides which codes a caller may see).
    """
    return select(areas.c.code, areas.c.name, areas.c.level, areas.c.parent_code,
                  areas.c.households, areas.c.geom, areas.c.geom_crs).order_by(areas.c.code)


def fetch_area_shapes(ctx: QueryContext) -> pd.DataFrame:
    """Columns code, name, level, parent_code, households, geom (bytes or None), geom_crs."""
    return db.read_frame(ctx.engine, build_area_shapes())
