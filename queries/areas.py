"""The area tree: the visible root, one area, its children and its path from the root.

The statements (``build_*``) serve the queries that join the tree; the look-ups
(``fetch_*``) answer from the whole tree read once per process and version of the area tree
(:func:`area_tree`; every import and demo build bumps it): a new case leaves it as it is.
``tests/db/test_area_tree.py`` checks each look-up against its statement, scoped and not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Select, func, select

from dashboard import db
from dashboard.schema import area_paths, areas
from queries.context import QueryContext, Scope
from queries.scope import in_scope
from queries.stamp import meta

AREA_COLUMNS = (areas.c.code, areas.c.name, areas.c.level, areas.c.parent_code,
                areas.c.households, areas.c.population)
AREA_NAMES = tuple(c.name for c in AREA_COLUMNS)


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


@dataclass(frozen=True)
class AreaTree:
    """The whole area tree as it is at one version, for look-ups without the database.

    Rows are the driver's own tuples (:data:`AREA_COLUMNS`), in the database's order of
    codes, so a frame built from them is the frame the statements above return.
    """

    rows: dict[str, tuple[Any, ...]]
    children: dict[str | None, list[str]]  # parent code (None: the roots) -> codes, ordered
    lineage: dict[str, list[tuple[str, int]]]  # code -> (ancestor, depth), top first
    below: dict[str, list[str]]  # code -> itself and every descendant
    #: (area, scope) -> :func:`child_pairs`, filled on first use
    pairs: dict[tuple[str, Scope], tuple[list[str], list[str]]] = field(
        default_factory=dict, compare=False, repr=False)

    def visible(self, code: str, scope: Scope) -> bool:
        """``code`` lies inside one of the scope's subtrees (``in_scope``)."""
        if scope.roots is None:
            return code in self.rows
        return any(a in scope.roots for a, _ in self.lineage.get(code, ()))


@lru_cache(maxsize=2)
def _tree(engine: Engine, version: str) -> AreaTree:
    # version is part of the cache key only: a new area tree, a new AreaTree
    _, rows = db.read_rows(engine, select(*AREA_COLUMNS).order_by(areas.c.code))
    _, paths = db.read_rows(engine, select(
        area_paths.c.ancestor_code, area_paths.c.descendant_code, area_paths.c.depth
    ).order_by(area_paths.c.descendant_code, area_paths.c.depth.desc()))
    children: dict[str | None, list[str]] = {}
    for row in rows:
        children.setdefault(row[3], []).append(row[0])
    lineage: dict[str, list[tuple[str, int]]] = {}
    below: dict[str, list[str]] = {}
    for ancestor, descendant, depth in paths:
        lineage.setdefault(descendant, []).append((ancestor, int(depth)))
        below.setdefault(ancestor, []).append(descendant)
    return AreaTree({row[0]: row for row in rows}, children, lineage, below)


def area_tree(ctx: QueryContext) -> AreaTree:
    """The area tree at the context's area-tree version, read once per process and version
    (immutable, as the map's geometry: every import and demo build bumps the version). The
    look-ups below answer from it: one area, the children, the lineage, the roots and a
    subtree cost microseconds instead of a statement and a cache round trip each, on every
    panel's request."""
    return _tree(ctx.engine, ctx.version_for("areas"))


def _frame(rows: list[tuple[Any, ...]], extra: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=[*AREA_NAMES, *extra])


def fetch_area(ctx: QueryContext, code: str) -> dict[str, object] | None:
    """The area ``code`` as a dict, or None when unknown or outside the caller's scope."""
    tree = area_tree(ctx)
    if not isinstance(code, str) or not tree.visible(code, ctx.scope):
        return None
    # the driver's values, as a one-row frame's to_dict() gives them back (native types)
    return dict(zip(AREA_NAMES, tree.rows[code], strict=True))


def fetch_roots(ctx: QueryContext) -> pd.DataFrame:
    """Columns code, name, level, parent_code, households, population."""
    tree = area_tree(ctx)
    roots = ctx.scope.roots
    codes = tree.children.get(None, []) if roots is None else [
        c for c in tree.rows if c in roots]
    return _frame([tree.rows[c] for c in codes])


def children_rows(ctx: QueryContext, code: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The visible children of ``code`` as :func:`dashboard.db.read_rows` gives them."""
    rows = area_tree(ctx).rows
    return list(AREA_NAMES), [rows[c] for c in child_codes(ctx, code)]


def child_codes(ctx: QueryContext, code: str) -> tuple[str, ...]:
    """The codes of the visible children of ``code``, ordered (no frame: the map asks for
    them three times a request)."""
    tree = area_tree(ctx)
    return tuple(c for c in tree.children.get(code, ()) if tree.visible(c, ctx.scope))


def fetch_children(ctx: QueryContext, code: str) -> pd.DataFrame:
    """Columns code, name, level, parent_code, households, population."""
    return _frame(children_rows(ctx, code)[1])


def lineage_steps(ctx: QueryContext, code: str) -> list[tuple[str, str]]:
    """The visible path from the caller's root down to ``code`` as (code, name) pairs, top
    first: :func:`fetch_lineage` without a frame (the breadcrumb's; a frame cost 0.4 ms of
    every cold navbar)."""
    tree = area_tree(ctx)
    return [(a, tree.rows[a][1]) for a, _ in tree.lineage.get(code, ())
            if tree.visible(a, ctx.scope)]


def fetch_lineage(ctx: QueryContext, code: str) -> pd.DataFrame:
    """The visible path from the caller's root down to ``code``: code, name, level, depth."""
    tree = area_tree(ctx)
    return _frame([(*tree.rows[a], depth) for a, depth in tree.lineage.get(code, ())
                   if tree.visible(a, ctx.scope)], ("depth",))


def child_pairs(ctx: QueryContext, code: str) -> tuple[list[str], list[str]]:
    """Every visible area below a visible child of ``code`` (the child itself included), and
    that child, as two lists of the same length: the map of a subtree to the children that
    hold it, for a join (:func:`queries.cases.to_children`). Kept per area tree, area and
    scope (a town's 200 pairs are put together once per process)."""
    tree = area_tree(ctx)
    key = (code, ctx.scope)
    held = tree.pairs.get(key)
    if held is None:
        codes: list[str] = []
        kids: list[str] = []
        for kid in tree.children.get(code, ()):
            if not tree.visible(kid, ctx.scope):
                continue
            below = [d for d in tree.below.get(kid, ()) if tree.visible(d, ctx.scope)]
            codes += below
            kids += [kid] * len(below)
        held = tree.pairs[key] = (codes, kids)
    return held


def build_subtree_codes(ctx: QueryContext, code: str) -> Select:
    return select(area_paths.c.descendant_code.label("code")).where(
        area_paths.c.ancestor_code == code, in_scope(area_paths.c.descendant_code, ctx.scope))


def fetch_subtree_codes(ctx: QueryContext, code: str) -> frozenset[str]:
    """Codes of ``code`` and everything below it that the caller may see."""
    tree = area_tree(ctx)
    return frozenset(c for c in tree.below.get(code, ()) if tree.visible(c, ctx.scope))


#: ``dataset_meta`` rows that move without a new import version: the stamp of every request
#: reads them (:func:`queries.stamp.version_and_as_of`), the facts below leave them out.
VOLATILE_META = ("as_of", "data_version")


def fetch_dataset_facts(ctx: QueryContext) -> dict[str, str]:
    """The dataset's facts (synthetic flag, source in each language ...): ``dataset_meta``
    without :data:`VOLATILE_META`, read once per process and import version as the area
    tree is (only a demo build or an import writes them, and both bump that version). The
    navbar, the big screen's title and the briefing show them; a statement on every cold
    navbar was 0.4-0.8 ms."""
    return dict(_facts(ctx.engine, ctx.version_for("areas")))


@lru_cache(maxsize=2)
def _facts(engine: Engine, version: str) -> tuple[tuple[str, str], ...]:
    # version is part of the cache key only; a tuple: no caller can change what is shared
    return tuple((k, v) for k, v in meta(engine).items() if k not in VOLATILE_META)


def first_areas(engine: Engine) -> tuple[str | None, str | None, str | None]:
    """The first root by code (the county), its first town and that town's first village:
    the demo accounts' areas and the benchmark's drill-down. None where there is none."""
    with db.read_connection(engine) as conn:
        county = conn.execute(select(func.min(areas.c.code))
                              .where(areas.c.parent_code.is_(None))).scalar()
        town = conn.execute(select(func.min(areas.c.code))
                            .where(areas.c.parent_code == county)).scalar()
        village = conn.execute(select(func.min(areas.c.code))
                               .where(areas.c.parent_code == town)).scalar()
    return county, town, village
