"""Getting a server process ready before it takes requests.

A gunicorn worker that has just started would make its first map request build every
level's geometry (300 ms to a second at 5,000 grids) while a user waits. ``gunicorn.conf.py``
calls :func:`warm_worker` from ``post_worker_init`` instead: the worker builds that immutable
geometry first, then freezes what it holds so that the garbage collector stops walking those
long-lived objects on every full collection (pauses of up to 100 ms in a warm request).
"""

from __future__ import annotations

import gc
import logging
import time

from flask import Flask

log = logging.getLogger(__name__)


def warm_worker(server: Flask) -> float:
    """Build ``server``'s per-process geometry for the current data, then ``gc.freeze()``.

    Returns the seconds it took. A database that is away or not yet filled is no reason to
    refuse to start: the worker logs it and builds on its first request instead.
    """
    from dashboard import db
    from geodata.service import layers
    from queries.context import QueryContext

    started = time.perf_counter()
    settings = server.config["COUNTYDASH_SETTINGS"]
    try:
        with server.app_context():
            layers(QueryContext(engine=db.get_engine(settings.database_url)))
    except Exception as exc:  # noqa: BLE001 - warming is an optimisation, never a failure
        log.warning("countydash: geometry not built at start (%s); built on first use", exc)
    gc.collect()
    gc.freeze()
    return time.perf_counter() - started
