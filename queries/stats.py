"""``countydash stats``: a summary of whatever database the engine points at."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Engine, case, func, select

from dashboard import db
from dashboard.schema import areas, cases, party_branches, party_members
from queries.areas import build_children, build_roots
from queries.cases import fetch_cases_per_year, quantiles
from queries.context import QueryContext
from queries.coverage_stats import fetch_coverage_stats
from queries.sqlfuncs import hours
from queries.stamp import meta

c = cases.c


def build_case_totals() -> Any:
    """Totals over the whole cases table (definitions of issue 2, item 5)."""
    resolved = c.resolved_at.is_not(None)
    return select(
        func.count().label("total"),
        func.coalesce(func.sum(case((resolved, 1), else_=0)), 0).label("resolved"),
        func.coalesce(func.sum(case((c.resolved_at <= c.due_at, 1), else_=0)), 0).label(
            "within_sla"
        ),
        func.avg(hours(c.reported_at, c.resolved_at)).label("mean_hours"),
    )


def fetch_stats(engine: Engine) -> dict[str, Any]:
    """The summary printed by ``countydash stats --json``."""
    ctx = QueryContext(engine=engine)
    roots = db.read_frame(engine, build_roots(ctx))
    if roots.empty:
        county = {"code": "", "name": ""}
        towns: list[dict[str, str]] = []
    else:
        county = {"code": str(roots.iloc[0]["code"]), "name": str(roots.iloc[0]["name"])}
        kids = db.read_frame(engine, build_children(ctx, county["code"]))
        towns = [{"code": str(r.code), "name": str(r.name)} for r in kids.itertuples()]
    levels = db.read_frame(engine, select(areas.c.level, func.count().label("n"))
                           .group_by(areas.c.level))
    counts = dict(zip(levels["level"], levels["n"], strict=True))
    totals = db.read_frame(engine, build_case_totals()).iloc[0]
    total, resolved = int(totals["total"]), int(totals["resolved"])
    median = quantiles(ctx, select(hours(c.reported_at, c.resolved_at).label("h"))
                       .where(c.resolved_at.is_not(None)), (0.5,))[0.5]
    per_year = fetch_cases_per_year(ctx, county["code"]) if county["code"] else {}

    def num(value: Any) -> float | None:
        return None if value is None or (isinstance(value, float) and math.isnan(value)) \
            else float(value)

    return {
        "county": county,
        "towns": towns,
        "areas": {lvl: int(counts.get(lvl, 0)) for lvl in ("county", "town", "village", "grid")},
        "cases": {
            "total": total,
            "per_year": per_year,
            "resolved": resolved,
            "completion_rate": resolved / total if total else None,
            "mean_resolution_hours": num(totals["mean_hours"]),
            "median_resolution_hours": num(median),
            "within_sla_rate": int(totals["within_sla"]) / total if total else None,
        },
        "branches": int(db.read_scalar(engine, select(func.count()).select_from(party_branches))
                        or 0),
        "members": int(db.read_scalar(engine, select(func.count()).select_from(party_members))
                       or 0),
        "coverage": fetch_coverage_stats(engine),
        "meta": meta(engine),
    }


def count_cases(engine: Engine) -> int:
    """Every case in the database."""
    return int(db.read_scalar(engine, select(func.count()).select_from(cases)) or 0)
