"""Case-resolution analytics: KPIs with comparisons, stage times, distributions, lists.

Every function narrows its cases with :func:`queries.scope.within` and two optional filters:
``cat`` (a category code: a major category matches itself and its minor categories) and
``src`` (a case source). Definitions extend those of :mod:`queries.cases` (published on the
definitions page):

- *reopen rate* = cases reopened at least once / cases;
- *mean satisfaction* = mean of the 1-5 follow-up scores of rated cases;
  *low-satisfaction share* = rated cases scoring 1 or 2 / rated cases;
- a *stage* (reported -> accepted -> dispatched -> resolved -> closed) is measured on a case
  when both of its timestamps exist, the later one is no later than "now" and not before the
  earlier one; an out-of-order pair (e.g. resolved before dispatch) is counted, not measured;
- *previous period* (环比): the same number of days just before ``start``; *year earlier*
  (同比): the same calendar days one year before. The snapshot figures (open, overdue) compare
  with the same snapshot taken one period length, or one year, before "now".

Percentiles are linear-interpolated (pandas' default) and ride along in the counting scans:
:class:`queries.sqlfuncs.quantile_cont` is ``percentile_cont`` on PostgreSQL and the
``cd_quantile`` function that every SQLite connection registers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from dashboard import db
from dashboard.cache import data_cached
from dashboard.privacy import mask_name, mask_phone
from dashboard.schema import SOURCES, area_paths, areas, case_categories, cases
from queries.areas import build_children
from queries.cases import (
    grouped_quantiles,
    in_period,
    is_resolved,
    open_union,
    quantile_columns,
    to_children,
)
from queries.context import QueryContext, Scope
from queries.scope import within
from queries.sqlfuncs import computed_once, hours, quantile_cont

c = cases.c
cc = case_categories.c

#: Steps of a case and the two timestamps that bound each.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("accept", "reported_at", "accepted_at"),
    ("dispatch", "accepted_at", "dispatched_at"),
    ("resolve", "dispatched_at", "resolved_at"),
    ("close", "resolved_at", "closed_at"),
)
#: Upper edges (hours) of the resolution-time bins; roughly doubling, so the bins are even
#: on a log scale and fall on the working units a reader knows (hours, days, weeks).
HIST_EDGES: tuple[float, ...] = (0.5, 1, 2, 4, 8, 12, 24, 48, 72, 168, 336, 720)
#: Upper edges (hours) of the backlog age buckets: 1 day, 3 days, 1 week, 30 days.
AGE_EDGES: tuple[float, ...] = (24, 72, 168, 720)
GRAINS: tuple[str, ...] = ("day", "week", "month")
GROUPINGS: tuple[str, ...] = ("child", "unit", "major", "minor", "source")
#: Groupings whose stage medians are shown (the group table): fetched in the same scan.
STAGE_GROUPINGS: tuple[str, ...] = ("child", "unit")
LIST_CAP = 5_000  # rows of a case list; past it the page says how many are left out


# --- portable date buckets ------------------------------------------------------------------

class _DayStart(FunctionElement[str]):
    type = String()
    inherit_cache = True


class _WeekStart(FunctionElement[str]):
    type = String()
    inherit_cache = True


class _MonthStart(FunctionElement[str]):
    type = String()
    inherit_cache = True


@compiles(_DayStart, "sqlite")
def _day_sqlite(element: _DayStart, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(list(element.clauses)[0], **kw)})"


@compiles(_WeekStart, "sqlite")
def _week_sqlite(element: _WeekStart, compiler: Any, **kw: Any) -> str:
    # back six days, then forward to the next Monday: the Monday on or before the day
    return f"date({compiler.process(list(element.clauses)[0], **kw)}, '-6 days', 'weekday 1')"


@compiles(_MonthStart, "sqlite")
def _month_sqlite(element: _MonthStart, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m-01', {compiler.process(list(element.clauses)[0], **kw)})"


def _pg_trunc(unit: str) -> Any:
    def render(element: FunctionElement[str], compiler: Any, **kw: Any) -> str:
        arg = compiler.process(list(element.clauses)[0], **kw)
        return f"to_char(date_trunc('{unit}', {arg}), 'YYYY-MM-DD')"
    return render


compiles(_DayStart)(_pg_trunc("day"))
compiles(_WeekStart)(_pg_trunc("week"))
compiles(_MonthStart)(_pg_trunc("month"))

_BUCKETS = {"day": _DayStart, "week": _WeekStart, "month": _MonthStart}


def bucket_start(grain: str, column: ColumnElement[Any]) -> FunctionElement[str]:
    """The first day (``YYYY-MM-DD`` text) of the day, ISO week or month holding ``column``."""
    return _BUCKETS[grain](column)


# --- filters and periods --------------------------------------------------------------------

def category_filter(cat: str) -> ColumnElement[bool]:
    """The case's category is ``cat`` or one of its sub-categories."""
    return or_(c.category_code == cat,
               c.category_code.in_(select(cc.code).where(cc.parent_code == cat)))


def case_filter(ctx: QueryContext, area: str | None, cat: str | None, src: str | None
                ) -> ColumnElement[bool]:
    """Area (and caller's scope), category and source conditions of every case query;
    ``area=None`` where the FROM clause already holds the cases to an area and the caller's
    scope (:func:`queries.cases.to_children`)."""
    conds = [within(c.area_code, area, ctx)] if area is not None else []
    if cat:
        conds.append(category_filter(cat))
    if src:
        conds.append(c.source == src)
    return and_(true(), *conds)


def shift_year(day: date, years: int = -1) -> date:
    """The same calendar day ``years`` away (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def comparison_periods(start: date, end: date) -> dict[str, tuple[date, date]]:
    """The current period, the previous one of equal length (环比) and the year-earlier one."""
    days = (end - start).days + 1
    return {
        "current": (start, end),
        "previous": (start - timedelta(days=days), start - timedelta(days=1)),
        "year_ago": (shift_year(start), shift_year(end)),
    }


def comparison_instants(now: datetime, start: date, end: date) -> dict[str, datetime]:
    """The "now" of each comparison's snapshot figures (open, overdue)."""
    days = (end - start).days + 1
    try:
        year_ago = now.replace(year=now.year - 1)
    except ValueError:
        year_ago = now.replace(year=now.year - 1, day=28)
    return {"current": now, "previous": now - timedelta(days=days), "year_ago": year_ago}


# --- KPIs -----------------------------------------------------------------------------------

def _sum_if(cond: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _period_columns(now: datetime, mean_hours: bool = True) -> list[Any]:
    """Aggregates shared by the KPI row and every breakdown (one row per group); the mean
    resolution time for the KPI row only."""
    resolved = is_resolved(now)
    mean = [func.avg(case((resolved, hours(c.reported_at, c.resolved_at)), else_=None)
                     ).label("mean_hours")] if mean_hours else []
    return [
        func.count().label("cases"),
        _sum_if(resolved).label("resolved"),
        _sum_if(and_(resolved, c.resolved_at <= c.due_at)).label("within_sla"),
        *mean,
        _sum_if(c.reopen_count > 0).label("reopened"),
        _sum_if(c.satisfaction.is_not(None)).label("rated"),
        func.coalesce(func.sum(c.satisfaction), 0).label("satisfaction_sum"),
        _sum_if(c.satisfaction <= 2).label("low_satisfaction"),
    ]


def build_period_figures(ctx: QueryContext, area: str, start: date, end: date,
                         cat: str | None = None, src: str | None = None,
                         probs: tuple[float, ...] = ()) -> Select:
    """One row of counts for the cases reported in the period (see :func:`_period_columns`);
    with ``probs`` the quantiles ``q0``, ... of the resolved cases' hours."""
    res_hours = case((is_resolved(ctx.now), hours(c.reported_at, c.resolved_at)), else_=None)
    return select(*_period_columns(ctx.now), *quantile_columns(res_hours, probs, "q")).where(
        case_filter(ctx, area, cat, src), in_period(start, end))


def open_rows(ctx: QueryContext, at: datetime, columns: Sequence[Any], frm: FromClause,
              *conds: ColumnElement[bool]) -> Any:
    """``columns`` of the cases open at ``at`` (and meeting ``conds``), as a subquery.

    "Reported by ``at`` and not resolved by then" as one OR makes both databases read every
    case of the area (1M rows at county level, 2 s on PostgreSQL); a UNION ALL of its two
    disjoint parts
    (:func:`queries.cases.open_parts`: never resolved, resolved only after ``at``) is two
    ranges on the (resolved_at, area_code, ...) index (9,000 rows, ~20 ms).
    """
    return open_union(at, lambda part: select(*columns).select_from(frm).where(*conds, part),
                      ctx.engine.dialect.name).subquery()


def build_open_at(ctx: QueryContext, area: str, at: datetime, cat: str | None = None,
                  src: str | None = None) -> Select:
    """One row: open and overdue cases at the instant ``at`` (any report date)."""
    u = open_rows(ctx, at, [c.due_at], cases, case_filter(ctx, area, cat, src))
    return select(
        func.count().label("open_now"),
        _sum_if(u.c.due_at < literal(at)).label("overdue_now"),
    )


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


def _num(value: Any) -> float:
    return math.nan if value is None or pd.isna(value) else float(value)


def derive_rates(row: dict[str, Any]) -> dict[str, float]:
    """Rates of one row of :func:`_period_columns` counts (NaN where the base is zero)."""
    return {
        "completion_rate": _ratio(row["resolved"], row["cases"]),
        "within_sla_rate": _ratio(row["within_sla"], row["cases"]),
        "reopen_rate": _ratio(row["reopened"], row["cases"]),
        "mean_satisfaction": _ratio(row["satisfaction_sum"], row["rated"]),
        "low_satisfaction_rate": _ratio(row["low_satisfaction"], row["rated"]),
    }


COUNT_COLUMNS = ("cases", "resolved", "within_sla", "reopened", "rated", "satisfaction_sum",
                 "low_satisfaction")


@data_cached
def fetch_case_kpis(ctx: QueryContext, area: str, start: date, end: date,
                    cat: str | None = None, src: str | None = None,
                    at: datetime | None = None) -> dict[str, float]:
    """Headline figures for the period and filters; open/overdue at ``at`` (default now).

    Returns
    -------
    dict
        Counts: cases, resolved, within_sla, reopened, rated, satisfaction_sum,
        low_satisfaction, open_now, overdue_now. Rates (0-1, NaN without a base):
        completion_rate, within_sla_rate, reopen_rate, low_satisfaction_rate. Hours (NaN
        without resolved cases): mean_hours, median_hours, p90_hours. mean_satisfaction
        (1-5, NaN without ratings).
    """
    figures, opened_frame = db.read_frames(
        ctx.engine, build_period_figures(ctx, area, start, end, cat, src, (0.5, 0.9)),
        build_open_at(ctx, area, at or ctx.now, cat, src))
    row = figures.iloc[0].to_dict()
    out: dict[str, float] = {k: int(row[k]) for k in COUNT_COLUMNS}
    out["mean_hours"] = _num(row["mean_hours"])
    out.update(derive_rates(out))
    out["median_hours"], out["p90_hours"] = _num(row["q0"]), _num(row["q1"])
    opened = opened_frame.iloc[0]
    out["open_now"] = int(opened["open_now"])
    out["overdue_now"] = int(opened["overdue_now"])
    return out


@data_cached
def fetch_kpi_comparison(ctx: QueryContext, area: str, start: date, end: date,
                         cat: str | None = None, src: str | None = None
                         ) -> dict[str, dict[str, float]]:
    """KPIs of the current period, the previous period (环比) and a year earlier (同比).

    Keys ``current``, ``previous``, ``year_ago``; each a :func:`fetch_case_kpis` dict.
    """
    periods = comparison_periods(start, end)
    instants = comparison_instants(ctx.now, start, end)
    names = list(periods)
    figures = db.side_by_side(*[
        lambda lo=lo, hi=hi, name=name: fetch_case_kpis(ctx, area, lo, hi, cat, src,
                                                        instants[name])
        for name, (lo, hi) in periods.items()])
    return dict(zip(names, figures, strict=True))


# --- breakdowns by a grouping key -----------------------------------------------------------

def _grouping(ctx: QueryContext, by: str, area: str, cat: str | None, src: str | None
              ) -> tuple[Any, FromClause, list[ColumnElement[bool]]]:
    """Key column, FROM clause and conditions (area, scope, category, source and the
    grouping's own) of a breakdown ``by``."""
    if by == "child":
        frm, child_of, child = to_children(ctx, area)
        return child, frm, [case_filter(ctx, None, cat, src), child_of]
    conds = [case_filter(ctx, area, cat, src)]
    if by == "unit":
        return c.handling_unit, cases, [*conds, c.handling_unit.is_not(None)]
    if by == "major":
        frm = cases.join(case_categories, cc.code == c.category_code)
        return func.coalesce(cc.parent_code, cc.code), frm, conds
    if by == "minor":
        return c.category_code, cases, conds
    if by == "source":
        return c.source, cases, conds
    raise ValueError(f"unknown grouping {by!r}")


def build_breakdown(ctx: QueryContext, area: str, start: date, end: date, by: str,
                    cat: str | None = None, src: str | None = None,
                    probs: tuple[float, ...] = (), stages: bool = False) -> Select:
    """Per group: the counts of :func:`_period_columns` for the period's cases; with
    ``probs`` the quantiles ``q0``, ... of the resolved cases' hours, and with
    ``stages`` each stage's median hours (columns named after the stages)."""
    key, frm, conds = _grouping(ctx, by, area, cat, src)
    res_hours = case((is_resolved(ctx.now), hours(c.reported_at, c.resolved_at)), else_=None)
    # one flat grouped select (no subquery naming the hours): each quantile sees its duration
    # expression, which SQLite gathers as whole seconds (queries.sqlfuncs.quantile_cont)
    return (
        select(key.label("key"), *_period_columns(ctx.now, mean_hours=False),
               *quantile_columns(res_hours, probs, "q"),
               *[quantile_cont(stage_hours(name, ctx.now), 0.5).label(name)
                 for name, _, _ in (STAGES if stages else ())])
        .select_from(frm)
        .where(*conds, in_period(start, end))
        .group_by(key)
    )


def build_open_by(ctx: QueryContext, area: str, by: str, cat: str | None = None,
                  src: str | None = None) -> Select:
    """Per group: open and overdue cases now (any report date)."""
    key, frm, conds = _grouping(ctx, by, area, cat, src)
    inner = open_rows(ctx, ctx.now, [key.label("key"), c.due_at], frm, *conds)
    return (select(inner.c.key, func.count().label("open_now"),
                   _sum_if(inner.c.due_at < literal(ctx.now)).label("overdue_now"))
            .group_by(inner.c.key))


@data_cached
def _grouped_scan(ctx: QueryContext, area: str, start: date, end: date, by: str,
                  cat: str | None = None, src: str | None = None) -> pd.DataFrame:
    """One scan per grouping: the breakdown counts, median / p90 hours and, for
    children and units, the stage medians the group table shows beside them."""
    return db.read_frame(ctx.engine, build_breakdown(ctx, area, start, end, by, cat, src,
                                                     (0.5, 0.9), by in STAGE_GROUPINGS))


@data_cached
def fetch_breakdown(ctx: QueryContext, area: str, start: date, end: date, by: str,
                    cat: str | None = None, src: str | None = None) -> pd.DataFrame:
    """The period's figures per group ``by`` (child, unit, major, minor or source).

    Columns: key, the counts of :data:`COUNT_COLUMNS`, the rates of :func:`derive_rates`,
    median_hours and p90_hours (NaN without resolved cases), open_now, overdue_now, and
    ``small`` (fewer cases than ``ctx.min_sample``: shown, never ranked). Children include
    those without cases; other groupings list groups with cases or open cases.
    """
    def read(stmt: Select) -> Any:
        return lambda: db.read_frame(ctx.engine, stmt)

    # the counting scan, the open cases now and (children) the child list, side by side
    figures, opened, *kids_frame = db.side_by_side(
        lambda: _grouped_scan(ctx, area, start, end, by, cat, src),
        read(build_open_by(ctx, area, by, cat, src)),
        *([read(build_children(ctx, area))] if by == "child" else []))
    q = figures[["key", "q0", "q1"]].astype({"q0": float, "q1": float})
    figures = figures.drop(columns=["q0", "q1", *[
        name for name, _, _ in STAGES if name in figures]])
    if by == "child":
        base = kids_frame[0][["code", "name"]].rename(columns={"code": "key"})
        out = base.merge(figures, on="key", how="left")
    else:
        out = figures.merge(opened[["key"]], on="key", how="outer")
    out = out.merge(opened, on="key", how="left")
    counts = [*COUNT_COLUMNS, "open_now", "overdue_now"]
    out[counts] = out[counts].fillna(0).astype(int)
    _add_rates(out)
    out["median_hours"] = out["key"].map(dict(zip(q["key"], q["q0"], strict=True))).astype(float)
    out["p90_hours"] = out["key"].map(dict(zip(q["key"], q["q1"], strict=True))).astype(float)
    out["small"] = out["cases"] < ctx.min_sample
    return out.sort_values(["cases", "key"], ascending=[False, True]).reset_index(drop=True)


def _add_rates(frame: pd.DataFrame) -> None:
    """The rates of :func:`derive_rates`, as columns of a frame of counts (NaN on no base)."""
    n = frame["cases"].where(frame["cases"] > 0)
    rated = frame["rated"].where(frame["rated"] > 0)
    frame["completion_rate"] = frame["resolved"] / n
    frame["within_sla_rate"] = frame["within_sla"] / n
    frame["reopen_rate"] = frame["reopened"] / n
    frame["mean_satisfaction"] = frame["satisfaction_sum"] / rated
    frame["low_satisfaction_rate"] = frame["low_satisfaction"] / rated


@data_cached
def fetch_counts_by(ctx: QueryContext, area: str, start: date, end: date, by: str,
                    cat: str | None = None, src: str | None = None) -> pd.DataFrame:
    """The period's counts and rates per group ``by``, without hours or open cases: what the
    category and source bars draw, in one counting scan (:func:`fetch_breakdown` adds two
    quantiles per group and the open cases now, which at a month of the county's cases
    were two thirds of its time on SQLite).

    Columns: key, the counts of :data:`COUNT_COLUMNS` and the rates of :func:`derive_rates`;
    groups with cases in the period only, most cases first.
    """
    out = db.read_frame(ctx.engine, build_breakdown(ctx, area, start, end, by, cat, src))
    out[list(COUNT_COLUMNS)] = out[list(COUNT_COLUMNS)].fillna(0).astype(int)
    _add_rates(out)
    return out.sort_values(["cases", "key"], ascending=[False, True]).reset_index(drop=True)


# --- stage times ----------------------------------------------------------------------------

def _stage_ok(first: Any, second: Any, now: datetime) -> ColumnElement[bool]:
    return and_(first.is_not(None), second.is_not(None), second <= now, second >= first)


def _stage_backwards(first: Any, second: Any, now: datetime) -> ColumnElement[bool]:
    return and_(first.is_not(None), second.is_not(None), second <= now, second < first)


def stage_hours(name: str, now: datetime) -> ColumnElement[Any]:
    """Hours of stage ``name`` where it is measurable, else NULL."""
    _, a, b = next(s for s in STAGES if s[0] == name)
    first, second = getattr(c, a), getattr(c, b)
    return case((_stage_ok(first, second, now), hours(first, second)), else_=None)


def build_stage_counts(ctx: QueryContext, area: str, start: date, end: date,
                       cat: str | None = None, src: str | None = None) -> Select:
    """One row: per stage, cases measured (``n_<stage>``), out of order (``bad_<stage>``)
    and the median hours of the measured ones (``median_<stage>0``)."""
    cols = []
    for name, a, b in STAGES:
        first, second = getattr(c, a), getattr(c, b)
        cols += [_sum_if(_stage_ok(first, second, ctx.now)).label(f"n_{name}"),
                 _sum_if(_stage_backwards(first, second, ctx.now)).label(f"bad_{name}")]
        cols += quantile_columns(stage_hours(name, ctx.now), (0.5,), f"median_{name}")
    return select(*cols).where(case_filter(ctx, area, cat, src), in_period(start, end))


def build_stage_hours(ctx: QueryContext, area: str, start: date, end: date, stage: str,
                      by: str | None = None, cat: str | None = None, src: str | None = None
                      ) -> Select:
    """Hours of one stage for the period's cases where it is measurable.

    Without ``by``: one column; with ``by``: (key, value) for grouped quantiles.
    """
    _, a, b = next(s for s in STAGES if s[0] == stage)
    first, second = getattr(c, a), getattr(c, b)
    value = hours(first, second)
    conds = [in_period(start, end), _stage_ok(first, second, ctx.now)]
    if by is None:
        return select(value.label("hours")).where(case_filter(ctx, area, cat, src), *conds)
    key, frm, grouped = _grouping(ctx, by, area, cat, src)
    return select(key.label("key"), value.label("value")).select_from(frm).where(*grouped,
                                                                               *conds)


@data_cached
def fetch_stage_medians(ctx: QueryContext, area: str, start: date, end: date,
                        cat: str | None = None, src: str | None = None) -> pd.DataFrame:
    """Per stage of the whole selection: stage, n (measured), out_of_order, median_hours."""
    counts = db.read_frame(ctx.engine, build_stage_counts(ctx, area, start, end, cat,
                                                          src)).iloc[0]
    rows = []
    for name, _, _ in STAGES:
        value = counts[f"median_{name}0"]
        median = math.nan if value is None or pd.isna(value) else float(value)
        rows.append({"stage": name, "n": int(counts[f"n_{name}"] or 0),
                     "out_of_order": int(counts[f"bad_{name}"] or 0), "median_hours": median})
    return pd.DataFrame(rows)


@data_cached
def fetch_stage_medians_by(ctx: QueryContext, area: str, start: date, end: date, by: str,
                           cat: str | None = None, src: str | None = None) -> pd.DataFrame:
    """Median hours of each stage per group ``by``: columns key, accept, dispatch, resolve,
    close (NaN where a group has no measurable case for the stage)."""
    if by in STAGE_GROUPINGS:
        scan = _grouped_scan(ctx, area, start, end, by, cat, src)
        out = scan[["key", *[name for name, _, _ in STAGES]]].astype(
            {name: float for name, _, _ in STAGES})
        # as the per-stage path: only groups with a measurable case in some stage
        return out.dropna(how="all", subset=[name for name, _, _ in STAGES]).reset_index(
            drop=True)
    out = pd.DataFrame({"key": pd.Series(dtype=object)})
    for name, _, _ in STAGES:
        q = grouped_quantiles(ctx, build_stage_hours(ctx, area, start, end, name, by, cat, src),
                              (0.5,))
        out = out.merge(q.rename(columns={"q0": name})[["key", name]], on="key", how="outer")
    return out.astype({name: float for name, _, _ in STAGES})


# --- distributions ------------------------------------------------------------------------

def _bin(value: Any, edges: Sequence[float]) -> Any:
    return case(*[(value < e, i) for i, e in enumerate(edges)], else_=len(edges))


def build_histogram(ctx: QueryContext, area: str, start: date, end: date,
                    cat: str | None = None, src: str | None = None) -> Select:
    """Resolved cases per resolution-time bin (:data:`HIST_EDGES`) and SLA outcome."""
    resolved = computed_once(
        select(hours(c.reported_at, c.resolved_at).label("h"),
               case((c.resolved_at <= c.due_at, 1), else_=0).label("within"))
        .where(case_filter(ctx, area, cat, src), in_period(start, end), is_resolved(ctx.now))
    ).subquery()
    inner = select(_bin(resolved.c.h, HIST_EDGES).label("bin"), resolved.c.within).subquery()
    return (select(inner.c.bin, inner.c.within, func.count().label("cases"))
            .group_by(inner.c.bin, inner.c.within))


def build_sla_mix(ctx: QueryContext, area: str, start: date, end: date,
                  cat: str | None = None, src: str | None = None) -> Select:
    """The period's cases per SLA length (hours from report to due)."""
    inner = (select(hours(c.reported_at, c.due_at).label("sla_hours"))
             .where(case_filter(ctx, area, cat, src), in_period(start, end)).subquery())
    return (select(inner.c.sla_hours, func.count().label("cases"))
            .group_by(inner.c.sla_hours).order_by(func.count().desc(), inner.c.sla_hours))


@data_cached
def fetch_histogram(ctx: QueryContext, area: str, start: date, end: date,
                    cat: str | None = None, src: str | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Resolution-time bins and the SLA mix.

    Returns
    -------
    (bins, slas)
        bins: one row per bin of :data:`HIST_EDGES` (``bin`` 0..len, ``lo``/``hi`` hours,
        ``within``/``late`` resolved cases); slas: sla_hours, cases (most common first).
    """
    raw, slas = db.read_frames(ctx.engine, build_histogram(ctx, area, start, end, cat, src),
                               build_sla_mix(ctx, area, start, end, cat, src))
    edges = (0.0, *HIST_EDGES, math.inf)
    bins = pd.DataFrame({"bin": range(len(HIST_EDGES) + 1), "lo": edges[:-1], "hi": edges[1:]})
    for flag, col in ((1, "within"), (0, "late")):
        part = raw[raw["within"].astype(int) == flag]
        counts = dict(zip(part["bin"].astype(int), part["cases"].astype(int), strict=True))
        bins[col] = bins["bin"].map(counts).fillna(0).astype(int)
    slas["sla_hours"] = slas["sla_hours"].astype(float).round(6)
    slas["cases"] = slas["cases"].astype(int)
    return bins, slas


def build_trend(ctx: QueryContext, area: str, start: date, end: date, grain: str,
                cat: str | None = None, src: str | None = None) -> Select:
    """Per day / week / month of report: cases, resolved (by now), within SLA."""
    resolved = is_resolved(ctx.now)
    inner = (select(bucket_start(grain, c.reported_at).label("bucket"),
                    case((resolved, 1), else_=0).label("res"),
                    case((and_(resolved, c.resolved_at <= c.due_at), 1), else_=0).label("ok"))
             .where(case_filter(ctx, area, cat, src), in_period(start, end)).subquery())
    return (select(inner.c.bucket, func.count().label("cases"),
                   func.sum(inner.c.res).label("resolved"),
                   func.sum(inner.c.ok).label("within_sla"))
            .group_by(inner.c.bucket).order_by(inner.c.bucket))


@data_cached
def fetch_trend(ctx: QueryContext, area: str, start: date, end: date, grain: str,
                cat: str | None = None, src: str | None = None) -> pd.DataFrame:
    """Columns bucket (``YYYY-MM-DD``, first day), cases, resolved, within_sla, median_hours."""
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}")
    out = db.read_frame(ctx.engine, build_trend(ctx, area, start, end, grain, cat, src))
    out = out.astype({"cases": int, "resolved": int, "within_sla": int})
    out["bucket"] = out["bucket"].astype(str)
    key = bucket_start(grain, c.reported_at)
    stmt = select(key.label("key"), hours(c.reported_at, c.resolved_at).label("value")).where(
        case_filter(ctx, area, cat, src), in_period(start, end), is_resolved(ctx.now))
    q = grouped_quantiles(ctx, stmt, (0.5,))
    medians = dict(zip(q["key"].astype(str), q["q0"], strict=True))
    out["median_hours"] = out["bucket"].map(medians).astype(float)
    return out


def build_heatmap(ctx: QueryContext, area: str, start: date, end: date,
                  cat: str | None = None, src: str | None = None) -> Select:
    """Reports per weekday (0 Sunday .. 6 Saturday, as SQL's ``dow``) and hour of day."""
    inner = (select(cast(func.extract("dow", c.reported_at), Integer).label("dow"),
                    cast(func.extract("hour", c.reported_at), Integer).label("hour"))
             .where(case_filter(ctx, area, cat, src), in_period(start, end)).subquery())
    return (select(inner.c.dow, inner.c.hour, func.count().label("cases"))
            .group_by(inner.c.dow, inner.c.hour))


@data_cached
def fetch_heatmap(ctx: QueryContext, area: str, start: date, end: date,
                  cat: str | None = None, src: str | None = None) -> pd.DataFrame:
    """A 7 x 24 frame of reports: rows weekday 0 Monday .. 6 Sunday, columns hour 0-23."""
    raw = db.read_frame(ctx.engine, build_heatmap(ctx, area, start, end, cat, src))
    values = np.zeros((7, 24), dtype=int)
    # one assignment, not a .loc per cell (168 of them took 25 ms)
    values[(raw["dow"].to_numpy(dtype=int) + 6) % 7, raw["hour"].to_numpy(dtype=int)] = (
        raw["cases"].to_numpy(dtype=int))
    return pd.DataFrame(values, index=range(7), columns=range(24))


# --- backlog and lists ----------------------------------------------------------------------

def build_backlog(ctx: QueryContext, area: str, cat: str | None = None,
                  src: str | None = None) -> Select:
    """Open cases now per age bucket (:data:`AGE_EDGES`) and overdue flag."""
    now = ctx.now
    age = case(*[(c.reported_at > now - timedelta(hours=h), i) for i, h in enumerate(AGE_EDGES)],
               else_=len(AGE_EDGES))
    inner = open_rows(ctx, now, [age.label("age"),
                            case((c.due_at < literal(now), 1), else_=0).label("late")],
                      cases, case_filter(ctx, area, cat, src))
    return (select(inner.c.age, inner.c.late, func.count().label("cases"))
            .group_by(inner.c.age, inner.c.late))


@data_cached
def fetch_backlog(ctx: QueryContext, area: str, cat: str | None = None,
                  src: str | None = None) -> pd.DataFrame:
    """One row per age bucket: age (0..len(AGE_EDGES)), lo/hi hours, on_time, overdue."""
    raw = db.read_frame(ctx.engine, build_backlog(ctx, area, cat, src))
    edges = (0.0, *AGE_EDGES, math.inf)
    out = pd.DataFrame({"age": range(len(AGE_EDGES) + 1), "lo": edges[:-1], "hi": edges[1:]})
    for flag, col in ((0, "on_time"), (1, "overdue")):
        part = raw[raw["late"].astype(int) == flag]
        counts = dict(zip(part["age"].astype(int), part["cases"].astype(int), strict=True))
        out[col] = out["age"].map(counts).fillna(0).astype(int)
    return out


def _list_columns() -> tuple[list[Any], FromClause]:
    grid = areas.alias("case_area")
    town = areas.alias("case_town")
    path = area_paths.alias("town_path")
    minor = case_categories.alias("minor_cat")
    major = case_categories.alias("major_cat")
    frm = (cases
           .join(grid, grid.c.code == c.area_code)
           .outerjoin(path, and_(path.c.descendant_code == c.area_code, path.c.ancestor_code.in_(
               select(areas.c.code).where(areas.c.level == "town"))))
           .outerjoin(town, town.c.code == path.c.ancestor_code)
           .join(minor, minor.c.code == c.category_code)
           .outerjoin(major, major.c.code == minor.c.parent_code))
    cols = [c.id, c.reported_at, c.due_at, c.status, c.source, c.handling_unit,
            town.c.name.label("town"), grid.c.name.label("area_name"),
            func.coalesce(major.c.name, minor.c.name).label("major_name"),
            func.coalesce(major.c.name_en, minor.c.name_en).label("major_name_en"),
            minor.c.name.label("category_name"), minor.c.name_en.label("category_name_en"),
            c.reporter_name, c.reporter_phone, c.summary]
    return cols, frm


def _mask(frame: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """Personal fields masked unless the scope may see them (never for aggregates only)."""
    if not scope.pii or scope.aggregates_only:
        for col, mask in (("reporter_name", mask_name), ("reporter_phone", mask_phone)):
            frame[col] = [mask(v) if isinstance(v, str) else None for v in frame[col]]
    return frame


def _first_open(ctx: QueryContext, now: datetime, limit: int, *conds: ColumnElement[bool]
                ) -> Any:
    """Ids of the first ``limit`` cases open at ``now`` meeting ``conds``, soonest due first:
    picked before the list's joins, so that only those rows are joined (not every open case
    of the county)."""
    u = open_rows(ctx, now, [c.id, c.due_at], cases, *conds)
    return select(u.c.id).order_by(u.c.due_at, u.c.id).limit(limit).subquery()


@data_cached
def fetch_overdue_cases(ctx: QueryContext, area: str, cat: str | None = None,
                        src: str | None = None, limit: int = LIST_CAP) -> pd.DataFrame:
    """Open cases past due now (any report date), most overdue first, at most ``limit`` rows
    (and never more than LIST_CAP).

    Columns: id, reported_at, due_at, status, source, handling_unit, town, area_name,
    major_name(_en), category_name(_en), reporter_name, reporter_phone (masked unless the
    caller's scope allows personal data), summary, overdue_hours (hours past due now).
    """
    now = ctx.now
    cols, frm = _list_columns()
    picked = _first_open(ctx, now, min(limit, LIST_CAP), case_filter(ctx, area, cat, src),
                          c.due_at < literal(now))
    stmt = (select(*cols, hours(c.due_at, literal(now)).label("overdue_hours"))
            .select_from(frm.join(picked, picked.c.id == c.id))
            .order_by(c.due_at, c.id))
    frame = db.read_frame(ctx.engine, stmt)
    frame["overdue_hours"] = frame["overdue_hours"].astype(float)
    return _mask(frame, ctx.scope)


@data_cached
def fetch_at_risk(ctx: QueryContext, area: str, within_hours: float,
                  cat: str | None = None, src: str | None = None) -> pd.DataFrame:
    """Open cases not yet due that pass their due time within ``within_hours`` of now.

    Columns as :func:`fetch_overdue_cases` with ``hours_left`` instead of overdue_hours;
    soonest due first, at most LIST_CAP rows.
    """
    now = ctx.now
    cols, frm = _list_columns()
    horizon = now + timedelta(hours=within_hours)
    picked = _first_open(ctx, now, LIST_CAP, case_filter(ctx, area, cat, src),
                          c.due_at >= literal(now), c.due_at < literal(horizon))
    stmt = (select(*cols, hours(literal(now), c.due_at).label("hours_left"))
            .select_from(frm.join(picked, picked.c.id == c.id))
            .order_by(c.due_at, c.id))
    frame = db.read_frame(ctx.engine, stmt)
    frame["hours_left"] = frame["hours_left"].astype(float)
    return _mask(frame, ctx.scope)


@data_cached
def fetch_categories(ctx: QueryContext) -> pd.DataFrame:
    """The category tree: code, name, name_en, parent_code (None for a major), sla_hours."""
    stmt = select(cc.code, cc.name, cc.name_en, cc.parent_code, cc.sla_hours).order_by(cc.code)
    return db.read_frame(ctx.engine, stmt)


def known_source(src: str | None) -> str | None:
    """``src`` if it is a case source the schema knows, else None."""
    return src if src in SOURCES else None
