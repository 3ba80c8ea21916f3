"""Digital coverage of party branches: one month per branch, the spread month by month, the
mean per child area for the map, and one branch's members in aggregate.

Definitions (published on the coverage page; the index itself is
:func:`dashboard.indicators.coverage_index`, spelled here once more in SQL so that the spread
of every month is computed by the database):

- the *month* of a view is the month that contains the view's last day; when that month has
  no figures yet, the latest earlier month with figures is used and the page says so;
- a share is numerator / denominator of the branch's monthly row, NULL (never a division by
  zero) when the denominator is 0 or missing; such a branch gets no index and is *flagged*;
- the *Gini* is ``sum_i (2 i - n - 1) x_(i) / (n sum x)`` over the branches with an index,
  ranked weakest first (population form); the *quintile gap* is the mean index of the top
  ``max(1, n // 5)`` branches minus that of the bottom ``max(1, n // 5)``.

Branches hang on villages (``party_branches.area_code``); every statement is narrowed with
``within(party_branches.area_code, area, ctx)``.
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    select,
    union,
)

from dashboard import db
from dashboard.cache import data_cached
from dashboard.indicators import INDICATORS, Weights, as_key, weakest
from dashboard.schema import area_paths, areas, grid_party_groups, party_members
from dashboard.schema import coverage_monthly as cov
from dashboard.schema import party_branches as pb
from queries.areas import build_children
from queries.context import QueryContext
from queries.scope import (
    codes_param,
    in_codes,
    in_scope,
    small_codes,
    whole_tree,
    within,
)

#: Age bands of the branch detail: (key, lowest age, highest age) in whole years at the
#: data's as-of year.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("u35", 0, 34), ("35_49", 35, 49), ("50_64", 50, 64), ("65p", 65, 200),
)
ACTIVE_DAYS = 30


def month_start(day: date) -> date:
    """The first day of the month that contains ``day``."""
    return day.replace(day=1)


#: One Float type for every cast and literal of the index: SQLAlchemy computes a type's part
#: of the statement cache key once per type object, and a fresh ``Float`` per literal cost
#: 1.7 ms per coverage statement in key generation alone.
FLOAT = Float()


def _share(num: Any, den: Any) -> ColumnElement[float]:
    # both sides FLOAT: SQLAlchemy would cast an integer divisor to NUMERIC ("true
    # division"), and PostgreSQL's numeric arithmetic made the index 5x slower to evaluate
    return cast(num, FLOAT) / cast(func.nullif(den, 0), FLOAT)


def share_columns() -> dict[str, ColumnElement[float]]:
    """The five index shares of a ``coverage_monthly`` row, keyed by indicator."""
    return {
        "registered": _share(cov.c.registered, cov.c.members),
        "active": _share(cov.c.active_30d, cov.c.members),
        "study": cast(cov.c.study_completion, FLOAT),
        "meetings": _share(cov.c.meetings_recorded, cov.c.meetings_required),
        "broadband": _share(cov.c.broadband_households, cov.c.households),
    }


def index_expr(weights: Weights) -> ColumnElement[float]:
    """``100 * sum(w * share)`` over indicators with a positive weight (bound values).

    NULL when any of those shares is NULL (SQL arithmetic propagates it), as in
    :func:`dashboard.indicators.coverage_index`.
    """
    shares = share_columns()
    terms = [literal(float(w), FLOAT) * shares[k] for k, w in weights if w > 0]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return literal(100.0, FLOAT) * total


def build_latest_month(ctx: QueryContext, area: str, upto: date) -> Select:
    """The latest month with figures for a branch of ``area``, no later than ``upto``.

    Walks the month index backwards and stops at the first row of a branch in ``area``
    (1 ms), where ``max(month)`` over the join read every branch-month of the county (23 ms
    at 40,000 rows)."""
    return (
        select(cov.c.month)
        .select_from(cov.join(pb, pb.c.id == cov.c.branch_id))
        .where(cov.c.month <= upto, within(pb.c.area_code, area, ctx))
        .order_by(cov.c.month.desc())
        .limit(1)
    )


@data_cached(on="coverage")
def fetch_coverage_month(ctx: QueryContext, area: str, end: date) -> date | None:
    """The month shown for a view ending on ``end``: the month containing ``end`` or, when it
    has no figures yet, the latest earlier month that has; None without any figures."""
    value = db.read_scalar(ctx.engine, build_latest_month(ctx, area, month_start(end)))
    return None if value is None else pd.Timestamp(value).date()  # type: ignore[arg-type]


def build_branch_month(ctx: QueryContext, area: str, month: date, weights: Weights) -> Select:
    """Every branch of ``area`` with its figures for ``month`` (NULLs without a row)."""
    shares = share_columns()
    village = areas.alias("village")
    on = and_(cov.c.branch_id == pb.c.id, cov.c.month == month)
    return (
        select(
            pb.c.id.label("branch_id"), pb.c.name, pb.c.kind, pb.c.area_code,
            village.c.name.label("village"), village.c.parent_code.label("town_code"),
            (cov.c.branch_id.is_not(None)).label("has_row"),
            cov.c.members, cov.c.registered, cov.c.active_30d, cov.c.study_completion,
            cov.c.meetings_required, cov.c.meetings_recorded, cov.c.households,
            cov.c.broadband_households, cov.c.has_5g, cov.c.app_users, cov.c.mobile_members,
            cov.c.mobile_active,
            shares["registered"].label("registered_share"),
            shares["active"].label("active_share"),
            shares["meetings"].label("meetings_share"),
            shares["broadband"].label("broadband_share"),
            (literal(100.0, FLOAT) * _share(cov.c.app_users, cov.c.households))
            .label("app_per_100"),
            _share(cov.c.mobile_active, cov.c.mobile_members).label("mobile_active_share"),
            index_expr(weights).label("coverage_index"),
        )
        .select_from(pb.outerjoin(cov, on).join(village, village.c.code == pb.c.area_code))
        .where(within(pb.c.area_code, area, ctx))
        .order_by(pb.c.id)
    )


BRANCH_INTS = ("members", "registered", "active_30d", "meetings_required", "meetings_recorded",
               "households", "broadband_households", "app_users", "mobile_members",
               "mobile_active")
BRANCH_FLOATS = ("study_completion", "registered_share", "active_share", "meetings_share",
                 "broadband_share", "app_per_100", "mobile_active_share", "coverage_index")


def flags_of(frame: pd.DataFrame) -> pd.Series:
    """Why each branch has no index: "" (it has one), no_data (no row for the month),
    no_members, incomplete. Vectorised: per-row dicts took 60 ms at 1,215 branches."""
    members = frame["members"]
    no_members = members.isna() | (members.fillna(0) == 0)
    flag = np.select([~frame["has_row"].astype(bool), no_members.astype(bool),
                      frame["coverage_index"].isna().to_numpy()],
                     ["no_data", "no_members", "incomplete"], default="")
    return pd.Series(flag, index=frame.index, dtype=object)


@data_cached(on="coverage")
def fetch_branch_coverage(ctx: QueryContext, area: str, month: date,
                          weights: Weights | None = None) -> pd.DataFrame:
    """One row per visible branch of ``area`` with its figures for ``month``.

    Parameters
    ----------
    ctx, area, month
        Query context, area code, first day of the month.
    weights
        ``(indicator, weight)`` pairs (:func:`dashboard.indicators.as_key`); default: the
        configured weights.

    Returns
    -------
    pandas.DataFrame
        branch_id, name, kind, area_code (village), village, town_code; the raw counts of
        ``coverage_monthly`` (nullable integers); shares 0-1 registered_share, active_share,
        study_completion, meetings_share, broadband_share, mobile_active_share;
        app_per_100 (app users per 100 households); has_5g (bool or NA); coverage_index
        (0-100, NaN when flagged); flag ("" or no_data / no_members / incomplete); weak (the
        indicators that pull the branch down most against the area's median branch).
    """
    w = weights or as_key()
    frame = db.read_frame(ctx.engine, build_branch_month(ctx, area, month, w))
    frame = frame.astype({"has_row": bool, **{col: "Int64" for col in BRANCH_INTS},
                          **{col: float for col in BRANCH_FLOATS}})
    frame["has_5g"] = frame["has_5g"].map(lambda v: pd.NA if v is None or pd.isna(v)
                                          else bool(v)).astype("boolean")
    frame["flag"] = flags_of(frame)
    judged = frame["flag"] == ""
    weak = weakest(frame[judged], w) if judged.any() else []
    frame["weak"] = [[] for _ in range(len(frame))]
    frame.loc[judged, "weak"] = pd.Series(weak, index=frame.index[judged], dtype=object)
    return frame


def _branch_index(ctx: QueryContext, area: str, upto: date, weights: Weights) -> Any:
    """(month, v) per branch row of ``area`` up to ``upto``; v NULL for a flagged row.
    The whole tree reads the monthly rows alone: every row's branch is in it."""
    held = None if whole_tree(ctx, area) else within(pb.c.area_code, area, ctx)
    return _branch_rows(held, upto, weights)


def _branch_rows(held: ColumnElement[bool] | None, upto: Any, weights: Weights) -> Any:
    # held: the condition on the branch's area (None: every branch); upto a value, or the
    # parameter of a template
    stmt = select(cov.c.month, index_expr(weights).label("v")).where(cov.c.month <= upto)
    if held is not None:
        stmt = stmt.join(pb, pb.c.id == cov.c.branch_id).where(held)
    return stmt.subquery()


#: The spread figures of :func:`build_trend` besides the counts and the mean.
SPREAD_COLUMNS = ["n", "total", "gini_num", "bottom_mean", "top_mean"]


def build_trend(ctx: QueryContext, area: str, upto: date, weights: Weights) -> Select:
    """Per month, in one pass over the branch rows (the index expression computed once):
    rows (branches with figures) and the month's judged indexes gathered in one value, from
    which :func:`fetch_coverage_trend` computes the spread (:func:`dashboard.db.spread_of`):
    judged, the mean, the Gini numerator over the judged branches ranked weakest first,
    and the means of the bottom and top fifths.

    SQLite returns the spread itself, computed as it gathers (``cd_spread(group_concat(v))``,
    :func:`dashboard.db.text_spread`: its window functions sorted every branch-month for
    230 ms at 43,740); PostgreSQL gathers each month's indexes with ``array_agg`` and numpy
    ranks them (a window for rank and count over the same rows: 39 -> 23 ms). Flagged rows
    (v NULL) count in rows and in neither spread.
    """
    return _trend(_branch_index(ctx, area, upto, weights), ctx.engine.dialect.name)


def _trend(base: Any, dialect: str) -> Select:
    b = base.c
    if dialect == "sqlite":
        # SQLite flattens the subquery and would compute the index expression once per
        # aggregate that names it, so judged and the mean come from the same object too.
        return (select(b.month, func.count().label("rows"),
                       func.cd_spread(func.group_concat(b.v)).label("spread"))
                .group_by(b.month).order_by(b.month))
    return (select(b.month, func.count().label("rows"),
                   func.array_agg(b.v).filter(b.v.is_not(None)).label("judged_values"))
            .group_by(b.month).order_by(b.month))


@lru_cache(maxsize=16)
def _trend_template(dialect: str, weights: Weights) -> Select:
    """:func:`build_trend` below a small subtree, with parameters for the subtree's codes and
    the last month, built once per dialect and weights (as :func:`queries.cases._template`;
    the overview's coverage panel, in every drill-down to a village)."""
    held = in_codes(pb.c.area_code, codes_param("codes", dialect), dialect)
    return _trend(_branch_rows(held, bindparam("upto", type_=cov.c.month.type), weights),
                  dialect)


def trend_query(ctx: QueryContext, area: str, upto: date, weights: Weights
                ) -> tuple[Select, dict[str, Any]]:
    """:func:`build_trend` to run: below a small subtree its template."""
    codes = small_codes(ctx, area)
    if codes is None:
        return build_trend(ctx, area, upto, weights), {}
    return _trend_template(ctx.engine.dialect.name, weights), {"codes": codes, "upto": upto}


#: The trend's columns (:func:`fetch_coverage_trend`).
TREND_COLUMNS = ("month", "rows", "judged", "flagged", "index_mean", "gini", "bottom_mean",
                 "top_mean", "quintile_gap")


def fetch_coverage_trend(ctx: QueryContext, area: str, upto: date,
                         weights: Weights | None = None) -> pd.DataFrame:
    """The index and its spread across the branches of ``area``, month by month.

    Returns
    -------
    pandas.DataFrame
        One row per month up to ``upto`` (first days, ascending): month (date), rows
        (branches with figures), judged (with an index), flagged (rows - judged),
        index_mean (0-100), gini (0-1), bottom_mean, top_mean, quintile_gap (index points;
        NaN with fewer than two judged branches).
    """
    columns = fetch_trend_columns(ctx, area, upto, weights)
    if not columns["month"]:
        return pd.DataFrame(columns=list(TREND_COLUMNS))
    return pd.DataFrame({c: np.asarray(v, dtype=TREND_DTYPES.get(c, float))
                         for c, v in columns.items()})


@data_cached(on="coverage")
def fetch_trend_columns(ctx: QueryContext, area: str, upto: date,
                        weights: Weights | None = None) -> dict[str, list[Any]]:
    """:func:`fetch_coverage_trend`'s figures as one plain list per column (what is cached):
    the overview's coverage panel reads them as they are, in every drill-down (a frame of
    three years' months cost 0.15 ms to build, and its columns more to read back)."""
    w = weights or as_key()
    query = trend_query(ctx, area, upto, w)
    names, raw = db.read_rows(ctx.generic_for(query), *query)
    out: dict[str, list[Any]] = {c: [] for c in TREND_COLUMNS}
    if not raw:
        return out
    if "spread" in names:  # SQLite: the spread figures as one JSON object per month
        spreads = [json.loads(r[names.index("spread")]) for r in raw]
    else:  # PostgreSQL: the month's judged indexes (NULL for a month without any)
        at = names.index("judged_values")
        spreads = [db.spread_of(r[at] or []) for r in raw]
    # a few dozen months: plain Python per row (the same figures by pandas column
    # operations took 5 ms, on every cold drill-down's coverage panel)
    for (month, rows, *_), spread in zip(raw, spreads, strict=True):
        n = int(spread.get("n") or 0)
        total, gini_num, bottom, top = (_float(spread.get(k)) for k in SPREAD_COLUMNS[1:])
        out["month"].append(month if type(month) is date else pd.Timestamp(month).date())
        out["rows"].append(int(rows))
        out["judged"].append(n)
        out["flagged"].append(int(rows) - n)
        out["index_mean"].append(total / n if n > 0 else math.nan)
        out["gini"].append(math.nan if n <= 0 else (0.0 if total == 0 else gini_num / (n * total)))
        out["bottom_mean"].append(bottom)
        out["top_mean"].append(top)
        out["quintile_gap"].append(top - bottom if n >= 2 else math.nan)
    return out


#: The trend's columns that are not floats.
TREND_DTYPES: dict[str, Any] = {"month": object, "rows": int, "judged": int, "flagged": int}


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def build_child_pairs(ctx: QueryContext, area: str) -> Any:
    """(child code, branch id) for the direct children of ``area``.

    A town or village child holds the branches of the villages below it; a grid child
    holds the branches of its grid party groups or, without any, its village's branches.
    """
    child = areas.alias("child")
    below = (
        select(child.c.code, pb.c.id.label("branch_id"))
        .select_from(child)
        .join(area_paths, area_paths.c.ancestor_code == child.c.code)
        .join(pb, pb.c.area_code == area_paths.c.descendant_code)
        .where(child.c.parent_code == area)
    )
    groups = (
        select(child.c.code, grid_party_groups.c.branch_id)
        .select_from(child)
        .join(grid_party_groups, grid_party_groups.c.grid_code == child.c.code)
        .where(child.c.parent_code == area, child.c.level == "grid")
    )
    village = (
        select(child.c.code, pb.c.id.label("branch_id"))
        .select_from(child)
        .join(pb, pb.c.area_code == child.c.parent_code)
        .where(child.c.parent_code == area, child.c.level == "grid",
               ~exists(select(grid_party_groups.c.id)
                       .where(grid_party_groups.c.grid_code == child.c.code)))
    )
    return union(below, groups, village).subquery()


def build_coverage_by_child(ctx: QueryContext, area: str, month: date, weights: Weights
                            ) -> Select:
    """Per direct child of ``area``: mean index of its branches, branches, flagged."""
    pairs = build_child_pairs(ctx, area)
    on = and_(cov.c.branch_id == pb.c.id, cov.c.month == month)
    v = index_expr(weights)
    return (
        select(pairs.c.code, func.avg(v).label("coverage_index"),
               func.count(func.distinct(pb.c.id)).label("branches"),
               func.coalesce(func.sum(case((v.is_(None), 1), else_=0)), 0).label("flagged"))
        .select_from(pairs.join(pb, pb.c.id == pairs.c.branch_id).outerjoin(cov, on))
        .where(within(pb.c.area_code, area, ctx), in_scope(pairs.c.code, ctx.scope))
        .group_by(pairs.c.code)
    )


@data_cached(on="coverage")
def fetch_coverage_by_child(ctx: QueryContext, area: str, month: date,
                            weights: Weights | None = None) -> pd.DataFrame:
    """Mean coverage index per direct child of ``area`` (town, village or grid) for the map.

    Returns
    -------
    pandas.DataFrame
        Every visible child: code, coverage_index (mean over its branches with an index,
        0-100; NaN when none), branches (count), flagged (branches without an index).
    """
    w = weights or as_key()
    kids = db.read_frame(ctx.engine, build_children(ctx, area))[["code"]]
    figures = db.read_frame(ctx.engine, build_coverage_by_child(ctx, area, month, w))
    out = kids.merge(figures, on="code", how="left")
    out["coverage_index"] = pd.to_numeric(out["coverage_index"]).astype(float)
    out["branches"] = out["branches"].fillna(0).astype(int)
    out["flagged"] = out["flagged"].fillna(0).astype(int)
    return out[["code", "coverage_index", "branches", "flagged"]]


def _age_band(year: int) -> Any:
    m = party_members.c
    age = literal(year) - m.birth_year
    whens = [(age <= hi, key) for key, _lo, hi in AGE_BANDS]
    return case((m.birth_year.is_(None), "unknown"), *whens, else_="65p")


def build_member_profile(ctx: QueryContext, area: str, branch_id: str) -> Select:
    """Members of one branch of ``area`` by age band and activity (counts only, no names)."""
    m = party_members.c
    now = ctx.now
    active = and_(m.last_active_at.is_not(None), m.last_active_at > now - timedelta(
        days=ACTIVE_DAYS), m.last_active_at <= now)
    rows = (
        select(_age_band(now.year).label("band"), case((active, 1), else_=0).label("active"),
               case((m.is_mobile, 1), else_=0).label("mobile"),
               case((m.registered, 1), else_=0).label("registered"))
        .select_from(party_members.join(pb, pb.c.id == m.branch_id))
        .where(m.branch_id == branch_id, within(pb.c.area_code, area, ctx))
        .subquery()
    )
    # Grouped over a subquery: PostgreSQL would not match the bound age expression twice.
    return (
        select(rows.c.band, rows.c.active, func.count().label("members"),
               func.sum(rows.c.mobile).label("mobile"),
               func.sum(rows.c.registered).label("registered"))
        .group_by(rows.c.band, rows.c.active)
        .order_by(rows.c.band, rows.c.active)
    )


@data_cached
def fetch_member_profile(ctx: QueryContext, area: str, branch_id: str) -> pd.DataFrame:
    """One branch's members now (at the data's as-of time) by age band and activity.

    Returns
    -------
    pandas.DataFrame
        band (u35, 35_49, 50_64, 65p, unknown), active (1 = active in the last 30 days),
        members, mobile, registered (counts). Empty for a branch outside ``area`` or scope.
    """
    frame = db.read_frame(ctx.engine, build_member_profile(ctx, area, branch_id))
    for col in ("active", "members", "mobile", "registered"):
        frame[col] = frame[col].astype(int)
    return frame


def build_member_list(ctx: QueryContext, area: str, branch_id: str) -> Select:
    m = party_members.c
    now = ctx.now
    active = and_(m.last_active_at.is_not(None),
                  m.last_active_at > now - timedelta(days=ACTIVE_DAYS), m.last_active_at <= now)
    return (
        select(m.name, m.birth_year, m.is_mobile, m.registered,
               case((active, 1), else_=0).label("active"))
        .select_from(party_members.join(pb, pb.c.id == m.branch_id))
        .where(m.branch_id == branch_id, within(pb.c.area_code, area, ctx))
        .order_by(m.id)
    )


@data_cached
def fetch_member_list(ctx: QueryContext, area: str, branch_id: str) -> pd.DataFrame:
    """One branch's members with names - only for a scope allowed personal data.

    Returns
    -------
    pandas.DataFrame
        name, birth_year, is_mobile, registered, active; an empty frame with those columns
        when the caller's scope does not allow personal data (the query is not even run).
    """
    columns = ["name", "birth_year", "is_mobile", "registered", "active"]
    if not ctx.scope.pii or ctx.scope.aggregates_only:
        return pd.DataFrame(columns=columns)
    frame = db.read_frame(ctx.engine, build_member_list(ctx, area, branch_id))
    for col in ("is_mobile", "registered", "active"):
        frame[col] = frame[col].astype(bool)
    return frame[columns]


__all__ = ["INDICATORS", "fetch_branch_coverage", "fetch_coverage_by_child",
           "fetch_coverage_month", "fetch_coverage_trend", "fetch_member_list",
           "fetch_member_profile", "fetch_trend_columns", "month_start"]
