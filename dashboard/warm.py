"""Getting a server process ready before it takes requests.

A gunicorn worker that has just started would make its first map request build every
level's geometry (300 ms to a second at 5,000 grids) while a user waits. ``gunicorn.conf.py``
calls :func:`warm_worker` from ``post_worker_init`` instead: the worker caps glibc's malloc
arenas, builds that immutable geometry before its first request, then freezes what it holds
(``gc.freeze``): a full garbage collection no longer walks the imported modules and the
geometry, which was a 100 ms pause in about one warm request in forty (80 warm overview
requests on SQLite at 1M cases: two over 100 ms without, none over 23 ms with).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import time

from flask import Flask

log = logging.getLogger(__name__)

#: glibc's mallopt() parameter for the number of malloc arenas.
M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas for this process (``MALLOC_ARENA_MAX``).

    :func:`dashboard.db.side_by_side` runs statements on short-lived threads, and glibc gives
    threads arenas of their own (up to eight per core) that keep what they freed: 200 MB more
    per worker at 1,000,000 cases. Two arenas keep the resident set where it was without
    threads. Returns False where the C library is not glibc.
    """
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        return bool(ctypes.CDLL(name).mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def warm_worker(server: Flask) -> float:
    """Cap the malloc arenas, build ``server``'s per-process geometry and area tree for the
    current data and move everything alive to the garbage collector's permanent generation.

    Returns the seconds it took. A database that is away or not yet filled is no reason to
    refuse to start: the worker logs it and builds on its first request instead.
    """
    from dashboard import db
    from geodata.service import drawings
    from queries.areas import area_tree
    from queries.context import QueryContext

    started = time.perf_counter()
    limit_malloc_arenas()
    settings = server.config["COUNTYDASH_SETTINGS"]
    try:
        with server.app_context():
            ctx = QueryContext(engine=db.get_engine(settings.database_url))
            drawings(ctx)
            area_tree(ctx)
    except Exception as exc:  # noqa: BLE001 - warming is an optimisation, never a failure
        log.warning("countydash: geometry not built at start (%s); built on first use", exc)
    gc.collect()
    gc.freeze()
    return time.perf_counter() - started


def prepare_master(server: Flask) -> float:
    """Get gunicorn's master ready to fork workers that share its memory (``preload_app``).

    Builds the geometry once (:func:`warm_worker`), then disposes of the master's connection
    pool, so no worker inherits a connection another process uses too, and keeps the garbage
    collector off until :func:`after_fork`: a collection in the master would leave freed holes
    in pages the workers share, and one in a worker would write to every object it walks.
    """
    from dashboard import db

    seconds = warm_worker(server)
    db.dispose_engines(server.config["COUNTYDASH_SETTINGS"].database_url)
    gc.disable()
    return seconds


def after_fork() -> None:
    """In a new worker: collect again (what the master froze stays out of it)."""
    gc.enable()
