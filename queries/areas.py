"""The area tree: the visible root, one area, its children and its path from the root.

Cached on the area tree's version (``on="areas"``: every import and demo build bumps it), not
on the cases: a new case leaves every look-up here cached.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, select

from dashboard import db
from dashboard.cache import data_cached
from dashboard.schema import area_paths, areas
from queries.context import QueryContext
from queries.scope import in_scope

AREA_COLUMNS = (areas.c.code, areas.c.name, areas.c.level, areas.c.parent_code,
                areas.c.households, areas.c.population)


def build_area(ctx: QueryContext, code: str) -> Select:
    """One area by code, only if it lies inside the caller's scope."""
    return select(*AREA_COLUMNS).where(areas.c.code == code, in_scope(areas.c.code, ctx.scope))


def build_roots(ctx: QueryContext) -> Select:
    """The top areas the caller may see: the county, or the roots of the caller's scope."""
    stmt = select(*AREA_COLUMNS)
    if ctx.scope.roots is None:
        return stmt.where(areas.c.parent_code.is_(None)).order_by(areas.c.code)
    return stmt.where(areas.c.code.in_(list(ctx.scope.roots))).order_by(areas.c.code)


def build_children(ctx: QueryContext, code: str) -> Select:
    """The direct children of ``code`` inside the caller's scope, ordered by code."""
    return (
        select(*AREA_COLUMNS)
        .where(areas.c.parent_code == code, in_scope(areas.c.code, ctx.scope))
        .order_by(areas.c.code)
    )


def build_lineage(ctx: QueryContext, code: str) -> Select:
    """The ancestors of ``code`` (itself included) the caller may see, top first."""
    return (
        select(*AREA_COLUMNS, area_paths.c.depth)
        .join(area_paths, area_paths.c.ancestor_code == areas.c.code)
        .where(area_paths.c.descendant_code == code, in_scope(areas.c.code, ctx.scope))
        .order_by(area_paths.c.depth.desc())
    )


@data_cached(on="areas")
def fetch_area(ctx: QueryContext, code: str) -> dict[str, object] | None:
    """The area ``code`` as a dict, or None when unknown or outside the caller's scope."""
    frame = db.read_frame(ctx.engine, build_area(ctx, code))
    return None if frame.empty else frame.iloc[0].to_dict()


@data_cached(on="areas")
def fetch_roots(ctx: QueryContext) -> pd.DataFrame:
    """Columns code, name, level, parent_code, households, population."""
    return db.read_frame(ctx.engine, build_roots(ctx))


@data_cached(on="areas")
def fetch_children(ctx: QueryContext, code: str) -> pd.DataFrame:
    """Columns code, name, level, parent_code, households, population."""
    return db.read_frame(ctx.engine, build_children(ctx, code))


@data_cached(on="areas")
def fetch_lineage(ctx: QueryContext, code: str) -> pd.DataFrame:
    """The visible path from the caller's root down to ``code``: code, name, level, depth."""
    return db.read_frame(ctx.engine, build_lineage(ctx, code))


def build_subtree_codes(ctx: QueryContext, code: str) -> Select:
    return select(area_paths.c.descendant_code.label("code")).where(
        area_paths.c.ancestor_code == code, in_scope(area_paths.c.descendant_code, ctx.scope))


@data_cached(on="areas")
def fetch_subtree_codes(ctx: QueryContext, code: str) -> frozenset[str]:
    """Codes of ``code`` and everything below it that the caller may see."""
    return frozenset(db.read_frame(ctx.engine, build_subtree_codes(ctx, code))["code"])
