"""Narrowing a query to an area subtree and to the caller's scope.

Every query of the dashboard passes through :func:`within`: the selected area narrows it,
and the caller's scope narrows it again. Neither can widen it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, select, true

from dashboard.schema import area_paths
from queries.context import Scope


def descendants_of(code: str) -> Any:
    """A subquery of the codes of ``code`` and everything below it."""
    return select(area_paths.c.descendant_code).where(area_paths.c.ancestor_code == code)


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


def within(column: ColumnElement[Any], area_code: str, scope: Scope) -> ColumnElement[bool]:
    """``column`` lies in the subtree of ``area_code`` and inside the caller's scope."""
    return and_(column.in_(descendants_of(area_code)), in_scope(column, scope))
