"""What every import shares: the target check, change detection, the final meta update."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine

from queries import imports as q


def check_target(conn: Connection) -> dict[str, str]:
    """Refuse to mix real data into the synthetic demo county; return the dataset meta."""
    meta = q.fetch_meta(conn)
    if meta.get("synthetic") == "1":
        raise ValueError("the database holds the synthetic demo county: create an empty "
                         "database for real data (countydash init without --demo, with a new "
                         "DATABASE_URL or COUNTYDASH_DATA_DIR) and import into it")
    return meta


def norm_value(value: Any) -> Any:
    """One comparable Python value: NULL-likes -> None, numpy scalars -> Python, times
    -> naive datetime, bools -> int (SQLite returns 0/1)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and math.isnan(float(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return int(bool(value))
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).to_pydatetime()
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, datetime | date | bytes | str | int | float):
        return value
    return value


def records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts of plain Python values (what the DBAPI binds)."""
    cols = [frame[c].tolist() for c in columns]
    return [{c: norm_value(v) for c, v in zip(columns, row, strict=True)}
            for row in zip(*cols, strict=True)] if len(frame) else []


def classify(new: list[dict[str, Any]], old: pd.DataFrame, key: str | list[str],
             compare: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Split new rows into (added, updated) against the existing rows ``old``; the third
    value counts rows identical on ``compare`` (left alone, so that re-importing a file
    changes nothing, not even ``updated_at``)."""
    keys = [key] if isinstance(key, str) else key
    existing: dict[tuple[Any, ...], dict[str, Any]] = {}
    if len(old):
        for row in records(old, list(old.columns)):
            existing[tuple(row[k] for k in keys)] = row
    added, updated, same = [], [], 0
    for row in new:
        k = tuple(row[c] for c in keys)
        before = existing.get(k)
        if before is None:
            added.append(row)
        elif any(_differs(before.get(c), row.get(c)) for c in compare):
            updated.append(row)
        else:
            same += 1
    return added, updated, same


def _differs(a: Any, b: Any) -> bool:
    a, b = norm_value(a), norm_value(b)
    if isinstance(a, float) and isinstance(b, float):
        return not math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.replace(tzinfo=None) != b.replace(tzinfo=None)
    if isinstance(a, datetime) != isinstance(b, datetime) and isinstance(a, date) \
            and isinstance(b, date):
        return str(a)[:10] != str(b)[:10]
    return bool(a != b)


def finish(conn: Connection, changed: bool, as_of: datetime | None) -> None:
    """Bump the data version (caches miss, the dashboard shows the new data at once) and
    record the as-of instant when the user gave one."""
    if as_of is not None:
        q.set_meta(conn, "as_of", as_of.replace(microsecond=0).isoformat())
    if changed or as_of is not None:
        q.bump_data_version(conn)


@contextmanager
def transaction(engine: Engine, *, dry_run: bool = False) -> Iterator[Connection]:
    """One transaction for the whole import: committed at the end, rolled back on any
    exception - or always, for a dry run (everything checked, nothing kept)."""
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        except BaseException:
            trans.rollback()
            raise
        if dry_run:
            trans.rollback()
        else:
            trans.commit()
