"""Helpers of the importer tests (no tests here): empty databases on SQLite and PostgreSQL,
and a small county generated into tmp_path in any CRS."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from sqlalchemy import Engine, create_engine, event, text

from dashboard import migrate

X0, Y0, STEP = 121.0, 41.0, 0.01  # grid squares of 0.01 degrees near 121 E, 41 N
NYC = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nyc"


def empty_sqlite(path: Path) -> Engine:
    """A migrated, empty SQLite file with foreign keys enforced (as ``db.get_engine`` does),
    on an engine of its own so that the process-wide engine cache is left alone."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    migrate.upgrade(engine)
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty, migrated database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        engine = empty_sqlite(tmp_path / "import.sqlite")
        yield engine
        engine.dispose()
        return
    from dashboard.settings import normalise_url

    url = normalise_url(request.getfixturevalue("pg_database"))
    name = f"imp_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    engine = create_engine(url, connect_args={"options": f"-csearch_path={name}"})
    try:
        migrate.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        admin.dispose()


def square(col: int, row: int, size: float = STEP) -> shapely.Polygon:
    x, y = X0 + col * STEP, Y0 + row * STEP
    return shapely.box(x, y, x + size, y + size)


def county_frames() -> dict[str, gpd.GeoDataFrame]:
    """2 towns (T1 west, T2 east) x 2 villages x 2 grids; grids are 0.01-degree squares.

    Codes follow the statistics pattern (town 9 digits, village 12, grid 15) but are
    deliberately given with explicit parent fields as well.
    """
    grids, villages, towns = [], [], []
    for t in range(2):
        tcode = f"21112210{t + 1}"
        towns.append({"code": tcode, "name": f"Town {t + 1}",
                      "geometry": shapely.box(X0 + 2 * t * STEP, Y0, X0 + (2 * t + 2) * STEP,
                                              Y0 + 2 * STEP)})
        for v in range(2):
            vcode = f"{tcode}00{v + 1}"
            col = 2 * t + v
            villages.append({"code": vcode, "name": f"Village {t + 1}-{v + 1}",
                             "parent": tcode, "geometry": shapely.box(
                                 X0 + col * STEP, Y0, X0 + (col + 1) * STEP, Y0 + 2 * STEP)})
            for g in range(2):
                grids.append({"code": f"{vcode}00{g + 1}", "name": f"Grid {t + 1}-{v + 1}-{g + 1}",
                              "parent": vcode, "households": 100 + g,
                              "geometry": square(col, g)})
    return {level: gpd.GeoDataFrame(rows, crs="EPSG:4326")
            for level, rows in (("town", towns), ("village", villages), ("grid", grids))}


def write(gdf: gpd.GeoDataFrame, path: Path, *, crs: str | None = "EPSG:4326") -> Path:
    """Write ``gdf`` (lon/lat) to ``path`` reprojected to ``crs`` (None: declare no CRS)."""
    out = gdf.to_crs(crs) if crs else gdf
    if path.suffix == ".shp":
        out.to_file(path)
        if crs is None:
            path.with_suffix(".prj").unlink(missing_ok=True)
    else:
        out.to_file(path, driver="GeoJSON")
    return path


def import_county(engine: Engine, tmp_path: Path, levels: tuple[str, ...] = ("town", "village",
                                                                             "grid")) -> None:
    """The small county imported level by level (derived root ``211122``)."""
    from dashboard.importer.areas import import_areas
    from geodata.importer import AreaSource

    frames = county_frames()
    for level in levels:
        path = write(frames[level], tmp_path / f"{level}.geojson")
        source = AreaSource(path, level, "code", "name",
                            parent_field=None if level == "town" else "parent",
                            root_code="211122", root_name="Test County",
                            households_field="households" if level == "grid" else None)
        summary = import_areas(engine, source, rejects=tmp_path / f"{level}.rejects.csv")
        assert summary.rejected == 0, summary.rejections


def table(engine: Engine, name: str) -> pd.DataFrame:
    """Plain SELECT * of one table, sorted by its first column (reference reads)."""
    with engine.connect() as conn:
        frame = pd.read_sql_query(text(f"SELECT * FROM {name}"), conn)
    return frame.sort_values(list(frame.columns[:2])).reset_index(drop=True)
