"""Every statement the importer runs: reads of what exists, upserts, the closure rebuild.

All writes take a ``Connection`` that the caller opened with ``engine.begin()``, so that one
import is one transaction (all or nothing). Upserts use the dialect's own
``INSERT ... ON CONFLICT DO UPDATE`` (SQLite and PostgreSQL), keyed by the primary key.
The importer is not a dashboard query: it is not scoped to a caller (it writes the whole
dataset) and reads existing rows only by the keys of the file it imports.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Table, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from dashboard import db, schema
from dashboard.areatree import build_area_paths

#: Rows per executemany batch (and per progress step).
BATCH = 1000
#: Keys per ``IN (...)`` look-up (well under SQLite's variable limit).
LOOKUP_BATCH = 500


def _chunks(seq: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(seq), size):
        yield seq[start:start + size]


def build_upsert(conn: Connection, table: Table, update_cols: Iterable[str]) -> Any:
    """``INSERT ... ON CONFLICT (primary key) DO UPDATE SET col = excluded.col`` for the
    connection's dialect (SQLite or PostgreSQL); ``DO NOTHING`` when no column is updated."""
    name = conn.dialect.name
    if name == "sqlite":
        stmt: Any = sqlite.insert(table)
    elif name == "postgresql":
        stmt = postgresql.insert(table)
    else:  # pragma: no cover - the project supports these two
        raise RuntimeError(f"the importer supports SQLite and PostgreSQL, not {name}")
    keys = [c.name for c in table.primary_key.columns]
    cols = [c for c in update_cols if c not in keys]
    if not cols:
        return stmt.on_conflict_do_nothing(index_elements=keys)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={c: stmt.excluded[c] for c in cols}
    )


def upsert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]],
                update_cols: Iterable[str], progress: Any = None) -> int:
    """Insert or update ``rows`` (dicts of column -> Python value) in batches; returns the
    number of rows sent. ``progress`` (optional) is called with the rows done so far."""
    if not rows:
        return 0
    stmt = build_upsert(conn, table, list(update_cols))
    done = 0
    for chunk in _chunks(rows, BATCH):
        conn.execute(stmt, list(chunk))
        done += len(chunk)
        if progress is not None:
            progress(done)
    return done


def fetch_by_keys(conn: Connection, table: Table, key: str, keys: Sequence[str],
                  columns: Sequence[str]) -> pd.DataFrame:
    """The existing rows of ``table`` whose ``key`` is in ``keys`` (only ``columns``)."""
    cols = [table.c[key]] + [table.c[c] for c in columns if c != key]
    frames = []
    for chunk in _chunks(list(keys), LOOKUP_BATCH):
        result = conn.execute(select(*cols).where(table.c[key].in_(list(chunk))))
        frames.append(pd.DataFrame(result.fetchall(), columns=list(result.keys())))
    if not frames:
        return pd.DataFrame(columns=[c.name for c in cols])
    return pd.concat(frames, ignore_index=True)


def fetch_table(conn: Connection, table: Table, columns: Sequence[str] | None = None,
                ) -> pd.DataFrame:
    """All rows of a small reference table (areas, categories, branches)."""
    cols = [table.c[c] for c in columns] if columns else list(table.c)
    result = conn.execute(select(*cols))
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def fetch_areas(conn: Connection) -> pd.DataFrame:
    """Every area with its polygon: code, name, level, parent_code, households, population,
    geom (WKB or None), geom_crs, geom_source."""
    a = schema.areas.c
    return fetch_table(conn, schema.areas, [a.code.name, a.name.name, a.level.name,
                                            a.parent_code.name, a.households.name,
                                            a.population.name, a.geom.name, a.geom_crs.name,
                                            a.geom_source.name])


def rebuild_area_paths(conn: Connection) -> int:
    """Recompute the closure table from ``areas.parent_code`` (raises on a cycle or an
    unknown parent); returns the number of closure rows."""
    tree = fetch_table(conn, schema.areas, ["code", "parent_code"])
    paths = build_area_paths(tree)
    conn.execute(delete(schema.area_paths))
    rows = [{"ancestor_code": a, "descendant_code": d, "depth": int(n)}
            for a, d, n in zip(paths["ancestor_code"], paths["descendant_code"],
                               paths["depth"], strict=True)]
    for chunk in _chunks(rows, 5000):
        conn.execute(schema.area_paths.insert(), list(chunk))
    return len(rows)


def fetch_meta(conn: Connection) -> dict[str, str]:
    frame = fetch_table(conn, schema.dataset_meta)
    return dict(zip(frame["key"], frame["value"], strict=True))


def set_meta(conn: Connection, key: str, value: str) -> None:
    """Insert or replace one ``dataset_meta`` row."""
    upsert_rows(conn, schema.dataset_meta, [{"key": key, "value": value}], ["value"])


def bump_data_version(conn: Connection, now: datetime | None = None) -> str:
    """A new ``dataset_meta.data_version`` so that every cache keyed by the data version
    misses and the dashboard shows the imported data at once."""
    stamp = (now or datetime.now()).strftime("%Y%m%dT%H%M%S")
    version = f"import-{stamp}-{uuid.uuid4().hex[:8]}"
    set_meta(conn, "data_version", version)
    return version


def count_areas(engine: Engine) -> int:
    """How many areas the database holds (none: an empty database, ready for a demo build)."""
    return int(db.read_scalar(engine, select(func.count()).select_from(schema.areas)) or 0)


def delete_all_rows(engine: Engine) -> None:
    """Delete every row of the shared tables, children first, in one transaction."""
    with engine.begin() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            conn.execute(delete(table))


def analyze(engine: Engine) -> None:
    """Refresh the planner's statistics after a bulk load (SQLite has none until then, and
    PostgreSQL's estimates are far off right after COPY). On PostgreSQL also VACUUM, which
    sets the visibility map: until then an "index-only" scan still visits every heap row
    (6,245 heap fetches for the county's closure rows on each drill-down)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        return
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
