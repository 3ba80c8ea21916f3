"""The ``coverage`` entry of ``countydash stats --json``: the county's index and its spread."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from dashboard import db
from queries.areas import build_roots
from queries.context import QueryContext
from queries.coverage import fetch_coverage_month, fetch_coverage_trend


def _num(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) \
        else float(value)


def fetch_coverage_stats(engine: Engine) -> dict[str, Any]:
    """The county's coverage for the month holding the data's last full day.

    Returns
    -------
    dict
        ``{"month": "YYYY-MM", "index_mean": float, "gini": float, "first_month": "YYYY-MM",
        "gini_first_month": float, "quintile_gap": float}`` with the configured weights;
        every value None when there are no coverage figures.
    """
    ctx = QueryContext(engine=engine)
    empty: dict[str, Any] = {"month": None, "index_mean": None, "gini": None,
                             "first_month": None, "gini_first_month": None,
                             "quintile_gap": None}
    roots = db.read_frame(engine, build_roots(ctx))
    if roots.empty:
        return empty
    county = str(roots.iloc[0]["code"])
    last_day = (ctx.now - timedelta(seconds=1)).date()
    month = fetch_coverage_month(ctx, county, last_day)
    if month is None:
        return empty
    trend = fetch_coverage_trend(ctx, county, month)
    first, last = trend.iloc[0], trend.iloc[-1]
    return {
        "month": f"{last['month']:%Y-%m}",
        "index_mean": _num(last["index_mean"]),
        "gini": _num(last["gini"]),
        "first_month": f"{first['month']:%Y-%m}",
        "gini_first_month": _num(first["gini"]),
        "quintile_gap": _num(last["quintile_gap"]),
    }
