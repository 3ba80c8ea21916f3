"""Independent pandas computations of the published figures, for tests to compare against.

Reads raw tables with plain ``SELECT *`` and computes with pandas only; shares no code with
``queries/``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text


def raw(engine: Engine, table: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(text(f"SELECT * FROM {table}"), conn)


def subtree(engine: Engine, code: str) -> set[str]:
    """All area codes below (and including) ``code``, by walking parent links in pandas."""
    areas = raw(engine, "areas")[["code", "parent_code"]]
    found, frontier = {code}, {code}
    while frontier:
        frontier = set(areas.loc[areas["parent_code"].isin(frontier), "code"]) - found
        found |= frontier
    return found


def as_of(engine: Engine) -> datetime:
    meta = raw(engine, "dataset_meta")
    return datetime.fromisoformat(meta.set_index("key").loc["as_of", "value"])


def kpis(engine: Engine, area: str, start: date, end: date) -> dict[str, float]:
    cases = raw(engine, "cases")
    for col in ("reported_at", "resolved_at", "due_at"):
        cases[col] = pd.to_datetime(cases[col])
    now = pd.Timestamp(as_of(engine))
    cases = cases[cases["area_code"].isin(subtree(engine, area))]
    lo = pd.Timestamp(start)
    hi = pd.Timestamp(end + timedelta(days=1))
    period = cases[(cases["reported_at"] >= lo) & (cases["reported_at"] < hi)]
    resolved = period[period["resolved_at"].notna() & (period["resolved_at"] <= now)]
    hours = (resolved["resolved_at"] - resolved["reported_at"]).dt.total_seconds() / 3600
    open_ = cases[(cases["reported_at"] <= now)
                  & (cases["resolved_at"].isna() | (cases["resolved_at"] > now))]
    n = len(period)
    return {
        "cases": n,
        "resolved": len(resolved),
        "within_sla": int((resolved["resolved_at"] <= resolved["due_at"]).sum()),
        "completion_rate": len(resolved) / n if n else np.nan,
        "within_sla_rate": (resolved["resolved_at"] <= resolved["due_at"]).sum() / n
        if n else np.nan,
        "mean_hours": float(hours.mean()) if len(hours) else np.nan,
        "median_hours": float(hours.quantile(0.5)) if len(hours) else np.nan,
        "p90_hours": float(hours.quantile(0.9)) if len(hours) else np.nan,
        "open_now": len(open_),
        "overdue_now": int((open_["due_at"] < now).sum()),
    }
