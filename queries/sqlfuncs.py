"""Portable SQL expressions that SQLite and PostgreSQL spell differently."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Float, Select, String, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import Case, Null
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from dashboard import db  # noqa: F401 - registers cd_quantile on every SQLite connection

#: SQLite's unixepoch() (3.38+): whole seconds since 1970 without a round trip through text.
UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38, 0)


class hours_between(FunctionElement[float]):  # noqa: N801 - reads like a SQL function
    """Hours from the first timestamp to the second, as a float (NULL if either is NULL)."""

    type = Float()
    inherit_cache = True


def _seconds_sqlite(element: hours_between, compiler: Any, **kw: Any) -> str:
    """The whole seconds of ``element`` on SQLite (an integer)."""
    start, end = list(element.clauses)
    # Whole seconds, exact (julianday() is a double and drifts by ~1e-8 h): the same figures
    # as PostgreSQL for timestamps stored to the second. unixepoch() (SQLite 3.38) is 2.4x
    # faster than strftime('%s') - 22 ms of each 27,000-case scan.
    a, b = compiler.process(start, **kw), compiler.process(end, **kw)
    if UNIXEPOCH:
        return f"(unixepoch({b}) - unixepoch({a}))"
    return f"(CAST(strftime('%s', {b}) AS INTEGER) - CAST(strftime('%s', {a}) AS INTEGER))"


@compiles(hours_between, "sqlite")
def _hours_sqlite(element: hours_between, compiler: Any, **kw: Any) -> str:
    return f"({_seconds_sqlite(element, compiler, **kw)} / 3600.0)"


@compiles(hours_between)
def _hours_default(element: hours_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    a, b = compiler.process(start, **kw), compiler.process(end, **kw)
    # date_part() is a double; EXTRACT() is a numeric since PostgreSQL 14, and numeric
    # arithmetic and sorting made the hours half of each period scan's cost (the stage
    # medians of a month at 1M cases: 150 -> 60 ms). Exact to the microsecond either way.
    return f"(date_part('epoch', {b} - {a}) / 3600.0)"


class unindexed(FunctionElement[Any]):  # noqa: N801 - reads like a SQL function
    """The column itself, written so that the database will not pick an index on it
    (SQLite ``+col``, PostgreSQL ``(col || '')``).

    SQLite keeps no histograms (no STAT4 in Python's build): for "resolved after now" it
    walks the (area_code, reported_at) index over every case of the county (3 s at 1M cases)
    instead of the few rows the (resolved_at, ...) index holds. PostgreSQL plans it right
    for known values; its generic plan of a template, planned once for any values, needs it
    too (:func:`queries.cases.open_union`).
    """

    type = String()  # used on codes (area, category)
    inherit_cache = True


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return "+" + compiler.process(list(element.clauses)[0], **kw)


@compiles(unindexed, "postgresql")
def _unindexed_postgresql(element: unindexed, compiler: Any, **kw: Any) -> str:
    return "(" + compiler.process(list(element.clauses)[0], **kw) + " || '')"


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(list(element.clauses)[0], **kw))


class quantile_cont(FunctionElement[float]):  # noqa: N801 - reads like a SQL function
    """The linear-interpolated quantile ``p`` of ``value`` over the group, NULLs left out
    (pandas' default, PostgreSQL's ``percentile_cont``); NULL for an empty group.

    PostgreSQL has the ordered-set aggregate. SQLite has none: ``group_concat`` gathers the
    group's values and ``cd_quantile`` (:func:`dashboard.db.text_quantile`, on every SQLite
    connection) sorts them once. Either way quantiles ride along in the counting
    scan.
    """

    type = Float()
    inherit_cache = True

    def __init__(self, value: ColumnElement[Any], p: float) -> None:
        if not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"quantile {p!r} outside 0..1")
        self.p = float(p)
        # p is a clause, not only an attribute: the compiled-statement cache keys on the
        # clauses, and with p outside them the 0.9 quantile reused the SQL of the median
        super().__init__(value, literal_column(repr(self.p)))


def _gathered_seconds(value: Any, compiler: Any, **kw: Any) -> str | None:
    """SQLite text of ``value`` in whole seconds when it is a duration in hours (an
    :class:`hours_between`, or a CASE that yields one or NULL), else None."""
    if isinstance(value, hours_between):
        return _seconds_sqlite(value, compiler, **kw)
    if (isinstance(value, Case) and value.value is None
            and (value.else_ is None or isinstance(value.else_, Null))
            and all(isinstance(result, hours_between) for _, result in value.whens)):
        whens = " ".join(f"WHEN {compiler.process(cond, **kw)} THEN "
                         f"{_seconds_sqlite(result, compiler, **kw)}"
                         for cond, result in value.whens)
        return f"CASE {whens} END"
    return None


@compiles(quantile_cont, "sqlite")
def _quantile_sqlite(element: quantile_cont, compiler: Any, **kw: Any) -> str:
    value, p = list(element.clauses)
    p_sql = compiler.process(p, **kw)
    seconds = _gathered_seconds(value, compiler, **kw)
    if seconds is not None:
        # a duration in hours is gathered as whole seconds and scaled after: SQLite writes
        # an integer to text faster than a double with 15 digits, and numpy reads it faster
        # (a month's 27,000 resolution times: 3 ms less per quantile)
        return f"(cd_quantile(group_concat({seconds}), {p_sql}) / 3600.0)"
    return f"cd_quantile(group_concat({compiler.process(value, **kw)}), {p_sql})"


@compiles(quantile_cont)
def _quantile_default(element: quantile_cont, compiler: Any, **kw: Any) -> str:
    value, p = (compiler.process(e, **kw) for e in element.clauses)
    return f"percentile_cont({p}) WITHIN GROUP (ORDER BY {value})"


def hours(start: ColumnElement[Any], end: ColumnElement[Any]) -> hours_between:
    """``end - start`` in hours."""
    return hours_between(start, end)


class hash_key(FunctionElement[Any]):  # noqa: N801 - reads like a SQL function
    """A join column written so that PostgreSQL will not probe an index with it
    (``col || ''``), but hash it: for a join of the whole county's cases of a period to the
    6,000-row map of grids to towns.

    PostgreSQL estimates a town's subtree at four areas (the average of the closure table,
    where a town has 208) and so probes the (area_code, reported_at) index once per grid of
    the county: 87 ms for a month's 27,000 cases, against 47 ms for one range scan of the
    period hashed against the map. SQLite keeps the column as it is (it plans its own way).
    """

    type = String()
    inherit_cache = True


@compiles(hash_key, "postgresql")
def _hash_key_pg(element: hash_key, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(list(element.clauses)[0], **kw)} || '')"


@compiles(hash_key)
def _hash_key_default(element: hash_key, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(list(element.clauses)[0], **kw))


def computed_once(stmt: Select) -> Select:
    """``stmt`` as a subquery the database evaluates on its own, each of its columns once per
    row (``OFFSET 0``: neither SQLite nor PostgreSQL pulls such a subquery up into the query
    around it).

    For a computed column the outer query names several times: a resolution time binned by a
    ``CASE`` of thirteen edges was recomputed, two timestamps parsed, in every branch it
    passed (the month's histogram: SQLite 30 -> 18 ms, PostgreSQL 14 -> 10 ms).
    """
    return stmt.offset(0)
