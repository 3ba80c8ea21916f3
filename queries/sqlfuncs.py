"""Portable SQL expressions that SQLite and PostgreSQL spell differently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class hours_between(FunctionElement[float]):  # noqa: N801 - reads like a SQL function
    """Hours from the first timestamp to the second, as a float (NULL if either is NULL)."""

    type = Float()
    inherit_cache = True


@compiles(hours_between, "sqlite")
def _hours_sqlite(element: hours_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    # Whole seconds, exact (julianday() is a double and drifts by ~1e-8 h): the same figures
    # as PostgreSQL for timestamps stored to the second.
    a, b = compiler.process(start, **kw), compiler.process(end, **kw)
    return (f"((CAST(strftime('%s', {b}) AS INTEGER) - CAST(strftime('%s', {a}) AS INTEGER))"
            " / 3600.0)")


@compiles(hours_between)
def _hours_default(element: hours_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    a, b = compiler.process(start, **kw), compiler.process(end, **kw)
    return f"(EXTRACT(EPOCH FROM ({b} - {a})) / 3600.0)"


class unindexed(FunctionElement[Any]):  # noqa: N801 - reads like a SQL function
    """The column itself, written so that SQLite will not pick an index on it (``+col``).

    SQLite keeps no histograms (no STAT4 in Python's build): for "resolved after now" it
    walks the (area_code, reported_at) index over every case of the county (3 s at 1M cases)
    instead of the few rows the (resolved_at, ...) index holds. PostgreSQL plans it right.
    """

    type = String()  # used on codes (area, category)
    inherit_cache = True


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return "+" + compiler.process(list(element.clauses)[0], **kw)


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(list(element.clauses)[0], **kw))


def hours(start: ColumnElement[Any], end: ColumnElement[Any]) -> hours_between:
    """``end - start`` in hours."""
    return hours_between(start, end)
