"""Case figures: counts, open and overdue cases, resolution times and rates.

Definitions (published on the definitions page):

- a case is *in the period* when it was reported on a day from ``start`` to ``end`` inclusive;
- *resolved* when it has a resolution time no later than "now" (the data's as-of instant);
- *open now* when reported by now and not resolved by now; *overdue now* when also past due;
- *resolution hours* = resolved - reported; *within SLA* = resolved no later than due;
- *completion rate* = resolved / cases; *within-SLA rate* = resolved within SLA / cases.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Executable,
    FromClause,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    null,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.visitors import replacement_traverse

from dashboard import db
from dashboard.cache import data_cached
from dashboard.schema import area_paths, areas, cases
from queries.areas import child_pairs, children_rows
from queries.context import QueryContext
from queries.scope import (
    case_area_key,
    codes_param,
    in_codes,
    scope_of,
    small_codes,
    small_subtree,
    within,
)
from queries.sqlfuncs import hours, quantile_cont, unindexed

c = cases.c


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Half-open instants [start 00:00, end+1 00:00) for an inclusive day range."""
    return datetime.combine(start, time()), datetime.combine(end + timedelta(days=1), time())


def in_period(start: date, end: date) -> ColumnElement[bool]:
    lo, hi = period_bounds(start, end)
    return and_(c.reported_at >= lo, c.reported_at < hi)


def is_resolved(now: datetime) -> ColumnElement[bool]:
    return and_(c.resolved_at.is_not(None), c.resolved_at <= now)


def build_period_counts(ctx: QueryContext, area: str, start: date, end: date,
                        probs: tuple[float, ...] = ()) -> Select:
    """One row: cases, resolved, within_sla, mean_hours for cases reported in the period;
    with ``probs`` the quantiles ``q0``, ... of the resolved cases' hours."""
    return _period_counts(within(c.area_code, area, ctx), *period_bounds(start, end), ctx.now,
                          probs)


def _period_counts(held: ColumnElement[bool], lo: Any, hi: Any, now: Any,
                   probs: tuple[float, ...]) -> Select:
    # lo, hi, now: values, or the parameters of a template (:func:`_template`)
    resolved = is_resolved(now)
    res_hours = hours(c.reported_at, c.resolved_at)
    return select(
        func.count().label("cases"),
        func.coalesce(func.sum(case((resolved, 1), else_=0)), 0).label("resolved"),
        func.coalesce(
            func.sum(case((and_(resolved, c.resolved_at <= c.due_at), 1), else_=0)), 0
        ).label("within_sla"),
        func.avg(case((resolved, res_hours), else_=None)).label("mean_hours"),
        *quantile_columns(case((resolved, res_hours), else_=None), probs, "q"),
    ).where(held, c.reported_at >= lo, c.reported_at < hi)


#: An instant after every other: the upper bound of "resolved after now" in the statements
#: planned once for any values (:func:`open_parts`).
FAR_FUTURE = datetime(9999, 1, 1)


def open_parts(now: Any, far: Any = None) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """"Open at ``now``" as two disjoint, index-friendly parts: never resolved, and resolved
    only after ``now``. An OR of the two makes both databases read every case of the area;
    each part alone is a range on the (resolved_at, ...) index.

    ``far`` (a parameter that will hold :data:`FAR_FUTURE`) bounds the second part from
    above, for a statement planned once for any values: PostgreSQL's generic plan reckons
    an open-ended "resolved_at > $1" at a third of the table, and a range of two unknown
    bounds at 0.5 %, and only then reads the few rows through the (resolved_at, ...)
    index."""
    reported = c.reported_at <= now
    late = c.resolved_at > now if far is None else and_(c.resolved_at > now, c.resolved_at < far)
    return and_(c.resolved_at.is_(None), reported), and_(late, reported)


def open_union(now: Any, part: Callable[[ColumnElement[bool]], Select], dialect: str,
               far: Any = None) -> CompoundSelect:
    """``part(cond)`` for both :func:`open_parts`, as one UNION ALL.

    In the second part ("resolved only after now": no row in a live database, a few in a
    past snapshot) the case's area and category columns are kept off their indexes
    (:class:`unindexed`), so that SQLite also reads it from the (resolved_at, ...) index,
    and so does PostgreSQL's generic plan of a template (with ``far``: :func:`open_parts`;
    a village's open cases by the area's index were 0.9 -> 4.7 ms). PostgreSQL plans a
    statement built for its values right by itself: the part is left as built there (the
    clone of a village's part cost 0.8 ms, twice in the slowest request of a drill-down; a
    template is cloned once).
    """
    early, late = open_parts(now, far)
    if dialect != "sqlite" and far is None:
        return union_all(part(early), part(late))
    keep_off = (c.area_code, c.category_code)

    def off_index(element: Any) -> Any:
        return unindexed(element) if any(element is col for col in keep_off) else None

    return union_all(part(early), replacement_traverse(part(late), {}, off_index))


def build_open_counts(ctx: QueryContext, area: str) -> Select:
    """One row: open_now and overdue_now at the data's as-of instant (any report date)."""
    return _open_counts(within(c.area_code, area, ctx), ctx.now, ctx.engine.dialect.name)


def _open_counts(held: ColumnElement[bool], now: Any, dialect: str, far: Any = None
                 ) -> Select:
    def part(cond: ColumnElement[bool]) -> Select:
        return select(
            func.count().label("open_now"),
            func.coalesce(func.sum(case((c.due_at < now, 1), else_=0)), 0).label(
                "overdue_now"),
        ).where(held, cond)

    u = open_union(now, part, dialect, far).subquery()
    return select(func.coalesce(func.sum(u.c.open_now), 0).label("open_now"),
                  func.coalesce(func.sum(u.c.overdue_now), 0).label("overdue_now"))


def quantiles(ctx: QueryContext, stmt: Select, probs: tuple[float, ...]) -> dict[float, float]:
    """Linear-interpolated quantiles (as pandas' default) of the one column of ``stmt``, in
    one statement on either database (:class:`queries.sqlfuncs.quantile_cont`)."""
    col = list(stmt.subquery().c)[0]
    row = db.read_frame(ctx.engine, select(*quantile_columns(col, probs, "q"))).iloc[0]
    return {p: _num(row[f"q{i}"]) for i, p in enumerate(probs)}


def _num(value: Any) -> float:
    return math.nan if value is None or pd.isna(value) else float(value)


@data_cached
def fetch_kpis(ctx: QueryContext, area: str, start: date, end: date) -> dict[str, float]:
    """Headline figures for ``area`` and the inclusive day range ``start``-``end``.

    Returns
    -------
    dict
        cases, resolved, within_sla (counts); completion_rate, within_sla_rate (0-1, NaN
        without cases); mean_hours, median_hours, p90_hours (hours, NaN without resolved
        cases); open_now, overdue_now (counts at the data's as-of instant).
    """
    counts_q = period_counts_query(ctx, area, start, end, (0.5, 0.9))
    open_q = open_counts_query(ctx, area)
    counts, opened = (dict(zip(names, rows[0], strict=True))
                      for names, rows in run_queries(ctx, counts_q, open_q))
    total = int(counts["cases"])
    q = {0.5: _num(counts["q0"]), 0.9: _num(counts["q1"])}
    return {
        "cases": total,
        "resolved": int(counts["resolved"]),
        "within_sla": int(counts["within_sla"]),
        "completion_rate": int(counts["resolved"]) / total if total else math.nan,
        "within_sla_rate": int(counts["within_sla"]) / total if total else math.nan,
        "mean_hours": _num(counts["mean_hours"]),
        "median_hours": q[0.5],
        "p90_hours": q[0.9],
        "open_now": int(opened["open_now"]),
        "overdue_now": int(opened["overdue_now"]),
    }


def build_cases_per_year(ctx: QueryContext, area: str) -> Select:
    """Cases by calendar year of report: columns year (int), cases."""
    year = func.extract("year", c.reported_at)
    return (
        select(year.label("year"), func.count().label("cases"))
        .where(within(c.area_code, area, ctx))
        .group_by(year)
        .order_by(year)
    )


def fetch_cases_per_year(ctx: QueryContext, area: str) -> dict[str, int]:
    """``{"YYYY": cases}`` for every year with cases."""
    frame = db.read_frame(ctx.engine, build_cases_per_year(ctx, area))
    return {str(int(y)): int(n) for y, n in zip(frame["year"], frame["cases"], strict=True)}


def build_date_range(ctx: QueryContext, area: str) -> Select:
    """First and last report instants in ``area``."""
    return select(func.min(c.reported_at).label("first"), func.max(c.reported_at).label("last")
                  ).where(within(c.area_code, area, ctx))


def fetch_date_range(ctx: QueryContext, area: str) -> tuple[datetime | None, datetime | None]:
    row = db.read_frame(ctx.engine, build_date_range(ctx, area)).iloc[0]
    first, last = row["first"], row["last"]
    return (None if pd.isna(first) else pd.Timestamp(first).to_pydatetime(),
            None if pd.isna(last) else pd.Timestamp(last).to_pydatetime())


def quantile_columns(value: ColumnElement[Any], probs: tuple[float, ...], prefix: str
                     ) -> list[ColumnElement[Any]]:
    """Quantile columns ``<prefix>0``, ``<prefix>1``, ... of ``value`` for a grouped select
    (:class:`queries.sqlfuncs.quantile_cont`); rows where ``value`` is NULL are left out, so
    one scan gives the counts and the quantiles of a subset."""
    return [quantile_cont(value, p).label(f"{prefix}{i}") for i, p in enumerate(probs)]


def to_children(ctx: QueryContext, area: str
                ) -> tuple[FromClause, ColumnElement[bool], ColumnElement[Any]]:
    """The cases joined to the direct child of ``area`` that holds each, whatever the depth
    of the case's own area: the FROM clause, its condition (which holds the cases to the
    subtree of ``area`` and to the caller's scope) and the child's code column.

    Below the whole tree's root, and on SQLite, the join goes through the closure table
    (key: :func:`queries.scope.case_area_key`); SQLite keeps :func:`~queries.scope.within`
    besides: the subtree's codes drive its (resolved_at, area_code) index for the open
    cases (a village's children without them: 1.6 -> 16 ms).

    Below a small subtree (a village) on PostgreSQL the join is to the pairs (area, child)
    of the visible subtree, from the area tree held per process, bound as two arrays
    (:func:`queries.areas.child_pairs`): the scope is in the pairs, and a join of three
    tables cost more to plan than to run there (a village's children: 1.5 ms of planning
    against 0.2 of running). A town's 300 pairs are estimated one by one: the closure
    table then (see :func:`~queries.scope.within`)."""
    dialect = ctx.engine.dialect.name
    if dialect == "postgresql" and small_subtree(ctx, area):
        codes, kids = child_pairs(ctx, area)
        return _small_children(dialect, area, literal(codes, ARRAY(String)),
                               literal(kids, ARRAY(String)))
    frm = cases.join(area_paths, area_paths.c.descendant_code == case_area_key(ctx, area)).join(
        areas, areas.c.code == area_paths.c.ancestor_code)
    held = (within(c.area_code, area, ctx) if dialect == "sqlite"
            else scope_of(c.area_code, area, ctx))
    return frm, and_(areas.c.parent_code == area, held), areas.c.code


def _small_children(dialect: str, area: Any, codes: Any, kids: Any
                    ) -> tuple[FromClause, ColumnElement[bool], ColumnElement[Any]]:
    """:func:`to_children` below a small subtree. On PostgreSQL ``codes`` and ``kids`` are
    the (area, child) pairs as two arrays; on SQLite ``codes`` the subtree's visible codes
    (:func:`~queries.scope.in_codes`) and the closure table joins the children. Values, or
    the parameters of a template."""
    if dialect == "postgresql":
        pairs = func.unnest(codes, kids).table_valued("code", "child").render_derived(
            name="kin")
        return cases.join(pairs, pairs.c.code == c.area_code), true(), pairs.c.child
    frm = cases.join(area_paths, area_paths.c.descendant_code == c.area_code).join(
        areas, areas.c.code == area_paths.c.ancestor_code)
    held = in_codes(c.area_code, codes, dialect)
    return frm, and_(areas.c.parent_code == area, held), areas.c.code


def build_children_figures(ctx: QueryContext, area: str, start: date, end: date,
                           probs: tuple[float, ...] = ()) -> Select:
    """Per direct child of ``area``: cases, resolved, within_sla in the period, and with
    ``probs`` the quantiles ``q0``, ... of the resolved cases' hours.

    Cases roll up to the child through the closure table, whatever the depth of their area.
    """
    return _children_figures(to_children(ctx, area), *period_bounds(start, end), ctx.now,
                             probs)


def _children_figures(join: tuple[FromClause, ColumnElement[bool], ColumnElement[Any]],
                      lo: Any, hi: Any, now: Any, probs: tuple[float, ...]) -> Select:
    frm, child_of, child = join
    resolved = is_resolved(now)
    res_hours = case((resolved, hours(c.reported_at, c.resolved_at)), else_=None)
    return (
        select(
            child.label("code"),
            func.count().label("cases"),
            func.coalesce(func.sum(case((resolved, 1), else_=0)), 0).label("resolved"),
            func.coalesce(
                func.sum(case((and_(resolved, c.resolved_at <= c.due_at), 1), else_=0)), 0
            ).label("within_sla"),
            *quantile_columns(res_hours, probs, "q"),
        )
        .select_from(frm)
        .where(child_of, c.reported_at >= lo, c.reported_at < hi)
        .group_by(child)
    )


def build_children_open(ctx: QueryContext, area: str) -> Select:
    """Per direct child of ``area``: open_now and overdue_now at the as-of instant."""
    return _children_open(to_children(ctx, area), ctx.now, ctx.engine.dialect.name)


def _children_open(join: tuple[FromClause, ColumnElement[bool], ColumnElement[Any]],
                   now: Any, dialect: str, far: Any = None) -> Select:
    frm, child_of, child = join

    def part(cond: ColumnElement[bool]) -> Select:
        return (
            select(
                child.label("code"),
                func.count().label("open_now"),
                func.coalesce(func.sum(case((c.due_at < now, 1), else_=0)), 0).label(
                    "overdue_now"),
            )
            .select_from(frm)
            .where(child_of, cond)
            .group_by(child)
        )

    u = open_union(now, part, dialect, far).subquery()
    return (select(u.c.code, func.sum(u.c.open_now).label("open_now"),
                   func.sum(u.c.overdue_now).label("overdue_now")).group_by(u.c.code))


# --- templates: a small subtree's statements, built once per shape -------------------------

#: A statement and the values of its parameters (none for a statement built for its values).
Query = tuple[Executable, dict[str, Any]]


@lru_cache(maxsize=64)
def _template(name: str, dialect: str, probs: tuple[float, ...]) -> Select:
    """The statement ``name`` below a small subtree, with parameters for every value: codes
    (the subtree's, or the (area, child) pairs' codes and kids), area, lo, hi and now, and on
    PostgreSQL ``far`` (:data:`FAR_FUTURE`) for the open cases: every template runs there
    on the pool planned once for any values (:meth:`QueryContext.generic_for`).

    Built once per process, dialect and shape, as ``USER_AND_STAMP`` is: a village's
    statements cost more to build (0.5-0.7 ms each) and to key for SQLAlchemy's cache of
    compiled statements (as much again) than PostgreSQL takes to plan and run them (0.3-0.6
    ms); a template is keyed once and run with new values. Immutable: shared by threads."""
    when = c.reported_at.type
    lo, hi, now = (bindparam(n, type_=when) for n in ("lo", "hi", "now"))
    codes = codes_param("codes", dialect)
    far = bindparam("far", type_=when) if dialect == "postgresql" else None
    if name in ("children_figures", "children_open"):
        kids = codes_param("kids", dialect) if dialect == "postgresql" else None
        join = _small_children(dialect, bindparam("area", type_=String()), codes, kids)
        if name == "children_figures":
            return _children_figures(join, lo, hi, now, probs)
        return _children_open(join, now, dialect, far)
    held = in_codes(c.area_code, codes, dialect)
    if name == "period_counts":
        return _period_counts(held, lo, hi, now, probs)
    return _open_counts(held, now, dialect, far)


def period_counts_query(ctx: QueryContext, area: str, start: date, end: date,
                        probs: tuple[float, ...] = ()) -> Query:
    """:func:`build_period_counts` to run: below a small subtree its template."""
    codes = small_codes(ctx, area)
    if codes is None:
        return build_period_counts(ctx, area, start, end, probs), {}
    lo, hi = period_bounds(start, end)
    return (_template("period_counts", _dialect(ctx), probs),
            {"codes": codes, "lo": lo, "hi": hi, "now": ctx.now})


def open_counts_query(ctx: QueryContext, area: str) -> Query:
    """:func:`build_open_counts` to run: below a small subtree its template."""
    codes = small_codes(ctx, area)
    if codes is None:
        return build_open_counts(ctx, area), {}
    return _template("open_counts", _dialect(ctx), ()), _with_far(ctx, {"codes": codes,
                                                                      "now": ctx.now})


def children_queries(ctx: QueryContext, area: str, start: date, end: date,
                     probs: tuple[float, ...] = ()) -> tuple[Query, Query]:
    """:func:`build_children_figures` and :func:`build_children_open` to run: below a small
    subtree their templates."""
    codes = small_codes(ctx, area)
    if codes is None:
        return ((build_children_figures(ctx, area, start, end, probs), {}),
                (build_children_open(ctx, area), {}))
    dialect = _dialect(ctx)
    if dialect == "postgresql":
        codes, kids = child_pairs(ctx, area)
        values: dict[str, Any] = {"codes": codes, "kids": kids, "now": ctx.now}
    else:
        values = {"codes": codes, "area": area, "now": ctx.now}
    lo, hi = period_bounds(start, end)
    return ((_template("children_figures", dialect, probs), {**values, "lo": lo, "hi": hi}),
            (_template("children_open", dialect, ()), _with_far(ctx, values)))


def run_queries(ctx: QueryContext, *queries: Query
                ) -> list[tuple[list[str], list[tuple[Any, ...]]]]:
    """Independent statements' rows (:func:`dashboard.db.read_rows`), in the order given.

    Templates (a small subtree's: a few tenths of a millisecond each) run as one statement
    (:func:`together`: one round trip, where each took one of its own), or one after another
    on one connection of their pool when their parameters disagree; statements built for
    their values (a town, the county: milliseconds each) side by side
    (:func:`~dashboard.db.side_by_side`). For statements whose rows' order does not matter."""
    if not all(values for _, values in queries):
        return db.side_by_side(*[lambda q=q: db.read_rows(ctx.generic_for(q), *q)
                                 for q in queries])
    engine = ctx.generic_for(queries[0])
    values: dict[str, Any] = {}
    for _, own in queries:
        if any(name in values and values[name] != value for name, value in own.items()):
            return db.read_rows_in_turn(engine, *queries)
        values.update(own)
    if len(queries) == 1:
        return [db.read_rows(engine, *queries[0])]
    stmt, names = together(tuple(stmt for stmt, _ in queries))
    _, rows = db.read_rows(engine, stmt, values)
    out: list[tuple[list[str], list[tuple[Any, ...]]]] = []
    at = 1  # after the part's number
    for part, own in enumerate(names):
        out.append((list(own), [row[at:at + len(own)] for row in rows if row[0] == part]))
        at += len(own)
    return out


@lru_cache(maxsize=32)
def together(stmts: tuple[Executable, ...]) -> tuple[CompoundSelect, tuple[tuple[str, ...], ...]]:
    """Statements (templates) as one UNION ALL, and each one's column names: a row holds the
    number of its statement, then a slot for every column of every statement, its own
    statement's filled and the others' NULL. Each statement is a subquery of its branch, so
    that each is planned as it is alone. Built once per tuple of templates."""
    subs = [stmt.subquery(f"part{i}") for i, stmt in enumerate(stmts)]  # type: ignore[attr-defined]
    slots = [(i, col) for i, sub in enumerate(subs) for col in sub.c]
    branches = [
        select(literal_column(str(i)).label("part"),
               *[col.label(f"slot{j}") if own == i
                 else type_coerce(null(), col.type).label(f"slot{j}")
                 for j, (own, col) in enumerate(slots)]).select_from(sub)
        for i, sub in enumerate(subs)]
    return union_all(*branches), tuple(tuple(col.name for col in sub.c) for sub in subs)


def _dialect(ctx: QueryContext) -> str:
    return ctx.engine.dialect.name


def _with_far(ctx: QueryContext, values: dict[str, Any]) -> dict[str, Any]:
    """An open-case template's values, with ``far`` on PostgreSQL (:func:`open_parts`)."""
    return {**values, "far": FAR_FUTURE} if _dialect(ctx) == "postgresql" else values


def _tuples(result: tuple[list[str], list[tuple[Any, ...]]], *columns: str) -> Any:
    """The named columns of a :func:`dashboard.db.read_rows` result, row by row."""
    names, rows = result
    at = [names.index(c) for c in columns]
    return (tuple(row[i] for i in at) for row in rows)


CHILD_FIGURES = ["code", "name", "level", "households", "cases", "resolved", "within_sla",
                 "open_now", "overdue_now", "median_hours"]


def fetch_children_figures(ctx: QueryContext, area: str, start: date, end: date
                           ) -> pd.DataFrame:
    """Every visible child of ``area`` (even one without cases) with its case figures.

    Columns: code, name, level, households, cases, resolved, within_sla, open_now,
    overdue_now, median_hours (NaN without resolved cases).
    """
    return pd.DataFrame.from_records(fetch_children_rows(ctx, area, start, end),
                                     columns=CHILD_FIGURES)


@data_cached(shared=True)  # the map's colours and the child table, in one round
def fetch_children_rows(ctx: QueryContext, area: str, start: date, end: date
                        ) -> list[tuple[Any, ...]]:
    """:func:`fetch_children_figures` as rows of :data:`CHILD_FIGURES`: what is cached, and
    what the overview's child table and the map read (:func:`child_columns`), where a frame
    was built, pickled, unpickled and taken apart again in both requests of a drill-down."""
    kids = children_rows(ctx, area)
    figures, opened = run_queries(ctx, *children_queries(ctx, area, start, end, (0.5,)))
    # a few dozen rows put together as tuples, straight from the database: two merges,
    # fillna and map cost 2.4 ms of a village's 7 (the slowest request of a drill-down),
    # three frames built only to be read back as tuples 1 ms more
    figs = {r[0]: r[1:] for r in _tuples(figures, "code", "cases", "resolved", "within_sla",
                                         "q0")}
    opens = {r[0]: r[1:] for r in _tuples(opened, "code", "open_now", "overdue_now")}
    rows = []
    for code, name, level, households in _tuples(kids, "code", "name", "level", "households"):
        n, resolved, within_sla, median = figs.get(code, (0, 0, 0, None))
        open_now, overdue_now = opens.get(code, (0, 0))
        rows.append((code, name, level, households, int(n), int(resolved), int(within_sla),
                     int(open_now), int(overdue_now),
                     math.nan if median is None or pd.isna(median) else float(median)))
    return rows


def child_columns(rows: list[tuple[Any, ...]], keep: Container[str] | None = None
                  ) -> dict[str, list[Any]]:
    """:func:`fetch_children_rows` as one list per column of :data:`CHILD_FIGURES`; with
    ``keep``, only the children whose code it holds (the map's: those with geometry)."""
    if keep is not None:
        rows = [row for row in rows if row[0] in keep]
    return {name: [row[i] for row in rows] for i, name in enumerate(CHILD_FIGURES)}


def grouped_quantiles(ctx: QueryContext, stmt: Select, probs: tuple[float, ...]
                      ) -> pd.DataFrame:
    """Linear-interpolated quantiles of ``value`` per ``key`` for a (key, value) select, in
    one grouped statement. Returns columns key, q0, q1, ..."""
    sub = stmt.subquery()
    key, value = list(sub.c)[:2]
    out = db.read_frame(ctx.engine, select(key.label("key"), *quantile_columns(
        value, probs, "q")).group_by(key))
    return out.astype({f"q{i}": float for i in range(len(probs))})


def build_open_risk(ctx: QueryContext, area: str, hours_ahead: float) -> Select:
    """Open cases not yet overdue whose deadline falls within ``hours_ahead`` of now."""
    now = ctx.now
    return select(func.count().label("at_risk")).where(
        within(c.area_code, area, ctx), c.reported_at <= now,
        (c.resolved_at.is_(None)) | (c.resolved_at > now),
        c.due_at >= now, c.due_at < now + timedelta(hours=hours_ahead))


@data_cached
def fetch_open_risk(ctx: QueryContext, area: str, hours_ahead: float = 24.0) -> int:
    """How many open cases will breach their SLA within ``hours_ahead`` hours."""
    return int(db.read_scalar(ctx.engine, build_open_risk(ctx, area, hours_ahead)) or 0)


def build_daily_counts(ctx: QueryContext, area: str, start: date, end: date) -> Select:
    day = func.date(c.reported_at)
    resolved = is_resolved(ctx.now)
    return (
        select(day.label("day"), func.count().label("cases"),
               func.sum(case((resolved, 1), else_=0)).label("resolved"))
        .where(within(c.area_code, area, ctx), in_period(start, end))
        .group_by(day).order_by(day)
    )


@data_cached
def fetch_daily_counts(ctx: QueryContext, area: str, start: date, end: date) -> pd.DataFrame:
    """Cases reported per day of the period (every day present, zero-filled): day (date),
    cases, resolved (by now)."""
    frame = db.read_frame(ctx.engine, build_daily_counts(ctx, area, start, end))
    days = pd.date_range(start, end, freq="D").date
    if frame.empty:
        return pd.DataFrame({"day": days, "cases": 0, "resolved": 0})
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    out = pd.DataFrame({"day": days}).merge(frame, on="day", how="left")
    out[["cases", "resolved"]] = out[["cases", "resolved"]].fillna(0).astype(int)
    return out
