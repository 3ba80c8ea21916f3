"""Narrowing a query to an area subtree and to the caller's scope.

Every query of the dashboard passes through :func:`within`: the selected area narrows it,
and the caller's scope narrows it again. Neither can widen it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    String,
    and_,
    any_,
    bindparam,
    false,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY

from dashboard.schema import area_paths, cases
from queries.context import QueryContext, Scope
from queries.sqlfuncs import hash_key


def descendants_of(code: str) -> Any:
    """A subquery of the codes of ``code`` and everything below it."""
    return select(area_paths.c.descendant_code).where(area_paths.c.ancestor_code == code)


#: The most codes a condition lists (:func:`within`); a longer subtree is a semi-join.
SHORT_LIST = 64


def in_scope(column: ColumnElement[Any], scope: Scope) -> ColumnElement[bool]:
    """``column`` (an area code) lies inside one of the scope's subtrees."""
    if scope.roots is None:
        return true()
    if not scope.roots:
        return false()
    return column.in_(
        select(area_paths.c.descendant_code).where(
            area_paths.c.ancestor_code.in_(list(scope.roots))
        )
    )


def whole_tree(ctx: QueryContext, area_code: str) -> bool:
    """``area_code`` is the sole root of the tree and the caller may see all of it: a query
    below it needs no area condition, nor a join that only serves one."""
    return ctx.scope.roots is None and area_code == ctx.sole_root


def covers(ctx: QueryContext, area_code: str) -> bool:
    """The caller's scope holds the whole subtree of ``area_code`` (the area is one of the
    scope's roots or lies below one): a row of that subtree needs no scope condition.

    Answered without the database: from the area tree held per process
    (:func:`queries.areas.area_tree`).
    """
    roots = ctx.scope.roots
    if roots is None or area_code in roots:
        return True
    if not roots:
        return False
    from queries.areas import area_tree  # the tree's look-ups narrow by this module

    # the area or one of its ancestors is a root of the scope
    return area_tree(ctx).visible(area_code, ctx.scope)


def scope_of(column: ColumnElement[Any], area_code: str, ctx: QueryContext
             ) -> ColumnElement[bool]:
    """The caller's scope condition on ``column`` for rows already held to the subtree of
    ``area_code`` (by :func:`within`, or by a join through the closure table): none when the
    scope holds that whole subtree (:func:`covers`)."""
    return true() if covers(ctx, area_code) else in_scope(column, ctx.scope)


def within(column: ColumnElement[Any], area_code: str, ctx: QueryContext
           ) -> ColumnElement[bool]:
    """``column`` lies in the subtree of ``area_code`` and inside the caller's scope.

    The whole tree (``area_code`` the sole root, a caller who may see all of it) needs no
    condition at all: every area lies below the root. On SQLite the probe of 6,000 grid codes
    per row was 130 ms of the 160 ms "open a year ago" count; both databases plan the county's
    scans straight off their time indexes.

    A small subtree (a village: ten codes) is the list of its codes the caller may see,
    from the area tree held per process, bound as one value (:func:`in_codes`; the scope is
    in the list): PostgreSQL planned the semi-join through the closure table (and one more
    for the scope) for longer than it ran it there (a village's open cases: 0.67 ms of
    planning and 0.08 of running; 0.10 and 0.04 with the list). A larger one stays a
    semi-join: PostgreSQL estimates a list code by code (a town's 300: 1.8 ms of planning)
    and then read the town's month off the time index (6 ms) instead of per grid. The
    scope's condition is left out where the scope holds the whole subtree (:func:`scope_of`).
    """
    if whole_tree(ctx, area_code):
        return true()
    codes = short_subtree(ctx, area_code)
    if codes is not None:
        return in_codes(column, codes, ctx.engine.dialect.name)
    return and_(column.in_(descendants_of(area_code)), scope_of(column, area_code, ctx))


def short_subtree(ctx: QueryContext, area_code: str) -> list[str] | None:
    """The codes of ``area_code`` and everything below it that the caller may see, ordered,
    when the subtree holds at most :data:`SHORT_LIST` areas (a village, a grid); None for a
    larger one. From the area tree held per process."""
    from queries.areas import area_tree, fetch_subtree_codes  # the tree narrows by this module

    if len(area_tree(ctx).below.get(area_code, ())) > SHORT_LIST:
        return None
    return sorted(fetch_subtree_codes(ctx, area_code))


def small_subtree(ctx: QueryContext, area_code: str) -> bool:
    """``area_code`` is not the tree's root and its subtree is short (a village, a grid:
    :func:`short_subtree`): the statements below it run as templates built once per shape
    (:func:`queries.cases.period_counts_query` ...), their values as parameters."""
    from queries.areas import area_tree  # the tree narrows by this module

    return (area_code != ctx.sole_root
            and len(area_tree(ctx).below.get(area_code, ())) <= SHORT_LIST)


def small_codes(ctx: QueryContext, area_code: str) -> list[str] | None:
    """The visible codes of a small subtree (:func:`small_subtree`), whose statements run as
    templates; None for any other area."""
    return None if area_code == ctx.sole_root else short_subtree(ctx, area_code)


def in_codes(column: ColumnElement[Any], codes: list[str] | BindParameter[Any], dialect: str
             ) -> ColumnElement[bool]:
    """``column`` is one of ``codes``: on PostgreSQL ``= ANY`` of one array parameter (one
    statement text for any number of codes), on SQLite an ``IN`` list; false for none.
    ``codes`` is the list, or the parameter that will hold it (:func:`codes_param`)."""
    if isinstance(codes, BindParameter):
        value: Any = codes
    elif not codes:
        return false()
    else:
        value = literal(codes, ARRAY(String)) if dialect == "postgresql" else codes
    return column == any_(value) if dialect == "postgresql" else column.in_(value)


def codes_param(name: str, dialect: str) -> BindParameter[Any]:
    """A parameter for a list of codes in a statement built once (:func:`in_codes`): one
    array on PostgreSQL, an expanding list on SQLite."""
    if dialect == "postgresql":
        return bindparam(name, type_=ARRAY(String))
    return bindparam(name, expanding=True)


def case_area_key(ctx: QueryContext, area_code: str) -> ColumnElement[Any]:
    """The cases' area column to join the closure table on, for a query below ``area_code``.

    Below the whole tree's root every grid takes part: the join is hashed
    (:class:`queries.sqlfuncs.hash_key`) and the cases are read off their time index once.
    Below a town or a village an index probe per grid of the subtree is cheaper.
    """
    if area_code == ctx.sole_root:
        return hash_key(cases.c.area_code)
    return cases.c.area_code
