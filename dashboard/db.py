"""The one execution path for SQL: engines, pools and the readers (``read_rows``,
``read_frame``, ``side_by_side``); the statements themselves live in ``queries/`` (the data
stamp every request reads: :mod:`queries.stamp`).

Every query of ``queries/`` runs through these readers, so statement logging, a row cap
and timing live in one place (after datasette's ``Database.execute``).
"""

from __future__ import annotations

import contextvars
import json
import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Engine,
    Executable,
    create_engine,
    event,
)
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError

#: What callbacks catch when the database is away (they never import SQLAlchemy themselves).
DatabaseError = SQLAlchemyError

log = logging.getLogger(__name__)

#: A query that returns more rows than this is a bug (an aggregation left to Python).
ROW_CAP = 200_000
#: Statements one call of :func:`side_by_side` runs at once (each holds a pooled connection).
SIDE_BY_SIDE = 4


def _sorted_values(values: str) -> np.ndarray:
    """The numbers of a ``group_concat`` (comma-separated, NULLs already left out), sorted."""
    return np.sort(np.fromstring(values, sep=","))


def text_quantile(values: str | None, p: float) -> float | None:
    """SQLite function ``cd_quantile(group_concat(value), p)``: the linear-interpolated
    quantile ``p`` (0-1) of the group's non-NULL values, as PostgreSQL's ``percentile_cont``
    and pandas' default; NULL for a group without values.

    The values are gathered by SQLite's own ``group_concat`` (C, no Python call per row, so
    threads reading side by side do not queue for the GIL; NULLs are left out) and parsed
    and sorted here by numpy once per group (see :class:`queries.sqlfuncs.quantile_cont`):
    twice as fast as a JSON array through ``json.loads`` and ``sorted`` (8 -> 4 ms for a
    month's 25,000 hours). SQLite writes each value with 15 significant digits.
    """
    if not values:
        return None
    found = _sorted_values(values)
    pos = p * (len(found) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(found) - 1)
    return float(found[lo] + (found[hi] - found[lo]) * (pos - lo))


#: Up to this many values :func:`spread_of` sums in Python (exactly rounded), beyond it numpy.
SMALL_SPREAD = 64


def spread_of(values: np.ndarray | list[float]) -> dict[str, float | int | None]:
    """The spread of ``values`` (non-NULL, any order): ``n``, ``total``, the Gini numerator
    ``gini_num = sum((2 i - n - 1) x_i)`` over the values sorted ascending (i from 1), and
    the means of the bottom and top fifths (``max(1, n // 5)`` values each); ``total`` and
    the rest are None without values, as a window query over no rows gives them."""
    n = len(values)
    if n == 0:
        return {"n": 0, "total": None, "gini_num": None, "bottom_mean": None,
                "top_mean": None}
    k = max(1, n // 5)
    if n <= SMALL_SPREAD:
        # a village's few branches: plain Python (numpy's per-call cost, a dozen calls a
        # month over 36 months, was 2 ms of the overview's coverage panel)
        v = sorted(float(value) for value in values)
        return {"n": n, "total": math.fsum(v),
                "gini_num": math.fsum((2 * i - n - 1) * value for i, value in enumerate(v, 1)),
                "bottom_mean": math.fsum(v[:k]) / k, "top_mean": math.fsum(v[-k:]) / k}
    x = np.sort(np.asarray(values, dtype=float))
    return {"n": n, "total": float(x.sum()),
            "gini_num": float(((2 * np.arange(1, n + 1) - n - 1) * x).sum()),
            "bottom_mean": float(x[:k].mean()), "top_mean": float(x[-k:].mean())}


def text_spread(values: str | None) -> str:
    """SQLite function ``cd_spread(group_concat(value))``: :func:`spread_of` the group's
    non-NULL values, as a JSON object.

    The coverage trend's one pass on SQLite (:func:`queries.coverage.build_trend`): its
    window functions sorted 43,740 branch-months for 230 ms; grouped by month, SQLite
    gathers each month's values in C and numpy sorts them here, once per month.
    """
    return json.dumps(spread_of(_sorted_values(values) if values else np.empty(0)))


@event.listens_for(Engine, "connect")
def _sqlite_functions(dbapi_conn, _record):  # type: ignore[no-untyped-def]
    """``cd_quantile`` and ``cd_spread`` on every SQLite connection of any engine (the
    app's, a migration's, a test's own), so a query of ``queries/`` never meets a
    connection without them."""
    if isinstance(dbapi_conn, sqlite3.Connection):
        dbapi_conn.create_function("cd_quantile", 2, text_quantile, deterministic=True)
        dbapi_conn.create_function("cd_spread", 1, text_spread, deterministic=True)


#: What an engine from :func:`get_engine` serves: the queries of the dashboard, each planned
#: for its values, or the statements planned once for any values (:data:`GENERIC`).
QUERIES, GENERIC = "queries", "generic"


def get_engine(url: str, purpose: str = QUERIES) -> Engine:
    """One engine (and connection pool) per database URL, purpose and process.

    On PostgreSQL the statements whose best plan does not depend on their values
    (:data:`GENERIC`) have a small pool of their own, with ``force_generic_plan`` where the
    queries have ``force_custom_plan``, and psycopg preparing each statement on its first
    run: each is planned once per connection instead of on every run. They are the user and
    data-stamp look-up of :func:`queries.users.fetch_user_and_stamp`, on every signed-in
    request (a username changes nothing in its plan: 0.44 -> 0.24 ms a request), and a small
    subtree's templates (:meth:`queries.context.QueryContext.generic_for`), whose planning
    took as long as their running (0.2-0.4 ms each: 0.9-1.2 -> 0.5-0.8 ms a statement for a
    village; the open cases' "resolved after now" is written for it:
    :func:`queries.cases.open_parts`). SQLite has one engine for all.
    """
    # the purpose always spelled out: an lru_cache keys f(url) and f(url, QUERIES) apart,
    # and a second engine for the queries escaped the dispose before gunicorn's fork
    return _engine(url, QUERIES if url.startswith("sqlite") else purpose)


def forget_engines() -> None:
    """Drop every engine this process holds (their pools close as they go)."""
    _engine.cache_clear()


@lru_cache(maxsize=8)
def _engine(url: str, purpose: str) -> Engine:
    if url.startswith("sqlite"):
        # named parameters, not "?": SQLAlchemy gives a value used twice in a statement one
        # name, so SQLite sees two uses of the same expression (the as-of instant in the
        # resolved cases' hours) as equal and gathers them once: a median and a p90 of the
        # same hours share one group_concat (the KPI scan of a month: 37 -> 28 ms)
        engine = create_engine(url, paramstyle="named",
                               connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # 4 MB of page cache per connection: a worker holds several at once (side_by_side),
            # and the OS page cache below them, shared by every worker, serves the reads as
            # fast (64 MB each had a worker at 300 MB, 4 MB at 235 MB, the same timings)
            cur.execute("PRAGMA cache_size=-4096")
            cur.close()

        return engine
    # analytic sorts (quantiles, rankings of 40,000 branch-months) spill to disk at the
    # default 4 MB; 32 MB per sort keeps them in memory. psycopg prepares a statement run
    # five times on a connection, and PostgreSQL gives a prepared statement, after five
    # executions, one generic plan for any values: a month of one town's cases per child
    # then took 260 ms instead of 19 (the children probed one by one), on every cold showing
    # once a worker had run for a while; each execution is planned for its values instead.
    # A request thread may hold up to SIDE_BY_SIDE connections at once (side_by_side),
    # hence the pool of 8 + 8.
    if purpose == GENERIC:
        # the mode spelled out: a role's own setting (the sample deployment's ALTER ROLE ...
        # SET plan_cache_mode) would reach this pool too
        engine = create_engine(url, pool_size=2, max_overflow=6,
                               connect_args={"options": "-c plan_cache_mode=force_generic_plan",
                                             "prepare_threshold": 0})
    else:
        options = "-c work_mem=32MB -c plan_cache_mode=force_custom_plan"
        engine = create_engine(url, pool_size=8, max_overflow=8,
                               connect_args={"options": options})
    ping_when_idle(engine)
    return engine


def dispose_engines(url: str) -> None:
    """Close this process's pools to ``url`` (each purpose's): before a fork, so that no
    worker inherits a connection another process uses too."""
    for purpose in (QUERIES, GENERIC):
        get_engine(url, purpose).dispose()


#: A pooled connection unused for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_S = 10.0


def ping_when_idle(engine: Engine, idle_s: float = PING_AFTER_IDLE_S) -> None:
    """Ping a pooled connection before use only when it has sat idle for ``idle_s``.

    ``pool_pre_ping`` pings on every checkout: a second round trip for a request served
    from the cache, whose only statement is the user and version look-up. A connection in
    steady use is known to be alive; one that sat idle (overnight, or across a database
    restart) is pinged, and a dead one is replaced before anyone uses it (SQLAlchemy retries
    the checkout on ``DisconnectionError``). A restart under load still fails the statements
    already on the way; SQLAlchemy then invalidates the whole pool, and the next request
    connects afresh.
    """
    @event.listens_for(engine, "checkin")
    def _stamp_idle(_dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy):  # type: ignore[no-untyped-def]
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since < idle_s:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # noqa: BLE001 - any failure of the ping means a dead link
            raise DisconnectionError(str(exc)) from exc
        if not alive:
            raise DisconnectionError("the database did not answer the ping")


def read_connection(engine: Engine) -> Connection:
    """A pooled connection for reading, without a transaction around each statement.

    On PostgreSQL a statement on a plain connection is BEGIN, the statement and, when the
    connection goes back to the pool, ROLLBACK: three round trips. A read needs no
    transaction of its own (one statement sees one snapshot either way), so reads run in
    autocommit: one round trip (the user and version look-up every request makes:
    0.80 -> 0.46 ms). The pool puts the connection back in its default mode on return, so
    writes (``engine.begin()``) keep their transactions. SQLite's driver opens no
    transaction for a SELECT anyway: its connections are left as they are.
    """
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def read_rows(engine: Engine, stmt: Executable, params: Mapping[str, Any] | None = None, *,
              cap: int = ROW_CAP) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one statement (with ``params``, the values of its named parameters: a template's)
    and return its column names and rows as plain tuples; fail loudly past ``cap`` rows. For
    a few dozen rows put together in Python, where a frame would be built only to be taken
    apart again."""
    with read_connection(engine) as conn:
        return _rows_of(conn, stmt, params, cap)


def read_rows_in_turn(engine: Engine, *queries: tuple[Executable, Mapping[str, Any]],
                      cap: int = ROW_CAP) -> list[tuple[list[str], list[tuple[Any, ...]]]]:
    """:func:`read_rows` of several statements (each with the values of its parameters),
    one after another on one pooled connection: for statements of a few tenths of a
    millisecond (a small subtree's templates), where :func:`side_by_side` costs more in
    threads and a second connection than it saves (a village's child figures and open
    cases: 1.35 ms side by side, 1.14 ms in turn)."""
    with read_connection(engine) as conn:
        return [_rows_of(conn, stmt, params, cap) for stmt, params in queries]


def _rows_of(conn: Connection, stmt: Executable, params: Mapping[str, Any] | None, cap: int
             ) -> tuple[list[str], list[tuple[Any, ...]]]:
    result = conn.execute(stmt, dict(params) if params else None)
    rows = result.fetchmany(cap + 1)
    columns = list(result.keys())
    if len(rows) > cap:
        raise RuntimeError(f"query returned more than {cap} rows; aggregate in SQL instead")
    return columns, [tuple(r) for r in rows]


def read_frame(engine: Engine, stmt: Executable, params: Mapping[str, Any] | None = None, *,
               cap: int = ROW_CAP) -> pd.DataFrame:
    """Run one statement (with ``params``: :func:`read_rows`) and return its rows as a frame;
    fail loudly past ``cap`` rows."""
    started = time.perf_counter()
    columns, rows = read_rows(engine, stmt, params, cap=cap)
    # plain tuples: given SQLAlchemy rows, pandas probes each for namedtuple fields, which
    # took three times as long as building the frame (1,215 branches x 27 columns: 16 -> 5 ms)
    frame = pd.DataFrame.from_records(rows, columns=columns)
    log.debug("read_frame %d rows in %.1f ms", len(frame), (time.perf_counter() - started) * 1e3)
    return frame


def side_by_side(*calls: Callable[[], Any]) -> list[Any]:
    """Run independent calls at once and return their results in order.

    For the several statements behind one figure (a period's counts and the open cases now;
    this period, the previous one and a year ago): the database works on them in parallel,
    on one pooled connection each, and the callback waits for the slowest instead of the sum.
    Each call runs in a copy of the caller's context variables, so Flask's app context (the
    shared cache of ``data_cached``) is there too. The first exception is raised.
    """
    if len(calls) < 2:
        return [call() for call in calls]
    if threading.current_thread().name.startswith(_SIDE_THREADS):
        # a call already running side by side: threads of its own (waiting on the shared
        # pool from one of its threads could wait for ever)
        with ThreadPoolExecutor(max_workers=min(len(calls), SIDE_BY_SIDE)) as own:
            return _gather(own, calls)
    return _gather(_side_pool(), calls)


def _gather(pool: ThreadPoolExecutor, calls: Sequence[Callable[[], Any]]) -> list[Any]:
    futures = [pool.submit(contextvars.copy_context().run, call) for call in calls]
    return [f.result() for f in futures]


_SIDE_THREADS = "countydash-side"
_side: dict[int, ThreadPoolExecutor] = {}


def _side_pool() -> ThreadPoolExecutor:
    """This process's threads for :func:`side_by_side` (a pool made per call cost 0.5 ms of
    thread starts, several times a request). Threads hold no request state: each call runs in
    a copy of its caller's context. Keyed by process id: a forked worker makes its own (the
    parent's threads do not survive a fork)."""
    pid = os.getpid()
    pool = _side.get(pid)
    if pool is None:
        # room for a few request threads at once (gunicorn --threads), each SIDE_BY_SIDE wide
        pool = ThreadPoolExecutor(max_workers=4 * SIDE_BY_SIDE, thread_name_prefix=_SIDE_THREADS)
        _side.clear()
        _side[pid] = pool
    return pool


def read_frames(engine: Engine, *stmts: Executable, cap: int = ROW_CAP) -> list[pd.DataFrame]:
    """:func:`read_frame` of several independent statements, run :func:`side_by_side`."""
    return side_by_side(*[lambda s=s: read_frame(engine, s, cap=cap) for s in stmts])


def read_scalar(engine: Engine, stmt: Executable) -> object:
    """Run one statement that returns a single value."""
    with read_connection(engine) as conn:
        return conn.execute(stmt).scalar()
