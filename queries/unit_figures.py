"""Case figures for every area of one level at once (the units that warnings judge).

One grouped query per level: cases roll up to their ancestor of that level through the
closure table. Used by warning evaluation, snapshots and the warnings page.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Select, and_, case, func, literal, select

from dashboard import db
from dashboard.cache import data_cached
from dashboard.schema import area_paths, areas, cases
from queries.cases import grouped_quantiles, open_union
from queries.context import QueryContext
from queries.scope import in_scope
from queries.sqlfuncs import hours

c = cases.c


def _rollup(level: str) -> tuple[object, object]:
    return (area_paths.c.descendant_code == c.area_code,
            and_(areas.c.code == area_paths.c.ancestor_code, areas.c.level == level))


def build_level_window(ctx: QueryContext, level: str, lo: datetime, hi: datetime) -> Select:
    """Per area of ``level``: figures of the cases reported in [lo, hi) and resolved by hi."""
    resolved = and_(c.resolved_at.is_not(None), c.resolved_at <= hi)
    on_paths, on_areas = _rollup(level)
    return (
        select(
            areas.c.code,
            func.count().label("cases"),
            func.sum(case((resolved, 1), else_=0)).label("resolved"),
            func.sum(case((and_(resolved, c.resolved_at <= c.due_at), 1), else_=0)
                     ).label("within_sla"),
            func.sum(case((c.reopen_count > 0, 1), else_=0)).label("reopened"),
            func.sum(case((c.satisfaction.is_not(None), 1), else_=0)).label("rated"),
            func.sum(case((c.satisfaction <= 2, 1), else_=0)).label("low_satisfaction"),
        )
        .select_from(cases)
        .join(area_paths, on_paths)
        .join(areas, on_areas)
        .where(c.reported_at >= lo, c.reported_at < hi, in_scope(c.area_code, ctx.scope))
        .group_by(areas.c.code)
    )


def build_level_open(ctx: QueryContext, level: str, now: datetime) -> Select:
    """Per area of ``level``: cases open and overdue at ``now`` (two index-friendly parts, see
    :func:`queries.cases.open_parts`)."""
    on_paths, on_areas = _rollup(level)

    def part(cond: object) -> Select:
        return (
            select(areas.c.code, func.count().label("open_now"),
                   func.sum(case((c.due_at < literal(now), 1), else_=0)).label("overdue_now"))
            .select_from(cases)
            .join(area_paths, on_paths)
            .join(areas, on_areas)
            .where(cond, in_scope(c.area_code, ctx.scope))
            .group_by(areas.c.code)
        )

    u = open_union(now, part, ctx.engine.dialect.name).subquery()
    return (select(u.c.code, func.sum(u.c.open_now).label("open_now"),
                   func.sum(u.c.overdue_now).label("overdue_now")).group_by(u.c.code))


def build_level_hours(ctx: QueryContext, level: str, lo: datetime, hi: datetime) -> Select:
    on_paths, on_areas = _rollup(level)
    return (
        select(areas.c.code.label("key"), hours(c.reported_at, c.resolved_at).label("value"))
        .select_from(cases)
        .join(area_paths, on_paths)
        .join(areas, on_areas)
        .where(c.reported_at >= lo, c.reported_at < hi, c.resolved_at.is_not(None),
               c.resolved_at <= hi, in_scope(c.area_code, ctx.scope))
    )


def build_level_areas(ctx: QueryContext, level: str) -> Select:
    return (select(areas.c.code, areas.c.name, areas.c.parent_code)
            .where(areas.c.level == level, in_scope(areas.c.code, ctx.scope))
            .order_by(areas.c.code))


@data_cached
def fetch_level_figures(ctx: QueryContext, level: str, lo: datetime, hi: datetime,
                        with_median: bool = True) -> pd.DataFrame:
    """Every visible area of ``level`` with its case figures for the window [lo, hi).

    Columns: code, name, parent_code, sample (= cases), cases, resolved, within_sla,
    within_sla_rate, completion_rate, reopen_rate, low_satisfaction_rate (0-1, NaN without
    cases or ratings), open_now, overdue_now (at ``hi``), median_hours (NaN without resolved
    cases).
    """
    units = db.read_frame(ctx.engine, build_level_areas(ctx, level))
    figs = db.read_frame(ctx.engine, build_level_window(ctx, level, lo, hi))
    opened = db.read_frame(ctx.engine, build_level_open(ctx, level, hi))
    out = units.merge(figs, on="code", how="left").merge(opened, on="code", how="left")
    counts = ["cases", "resolved", "within_sla", "reopened", "rated", "low_satisfaction",
              "open_now", "overdue_now"]
    out[counts] = out[counts].fillna(0).astype(int)
    n = out["cases"].where(out["cases"] > 0)
    out["sample"] = out["cases"]
    out["within_sla_rate"] = out["within_sla"] / n
    out["completion_rate"] = out["resolved"] / n
    out["reopen_rate"] = out["reopened"] / n
    out["low_satisfaction_rate"] = out["low_satisfaction"] / out["rated"].where(out["rated"] > 0)
    medians: dict[str, float] = {}
    if with_median:
        q = grouped_quantiles(ctx, build_level_hours(ctx, level, lo, hi), (0.5,))
        medians = dict(zip(q["key"], q["q0"], strict=True))
    out["median_hours"] = out["code"].map(medians).astype(float)
    return out
