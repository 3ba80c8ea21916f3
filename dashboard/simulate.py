"""``countydash simulate``: feed new and resolved cases at a chosen rate, so that the big
screen's refresh can be seen and tested. Synthetic cases only (ids start with ``SIM-``)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Engine

from queries import stamp
from queries.live import (
    fetch_grids_and_categories,
    fetch_open_ids,
    insert_cases,
    resolve_cases,
    set_as_of,
)


def run(engine: Engine, rate_per_minute: float, duration_s: float | None = None,
        tick_s: float = 1.0, seed: int = 1, resolve_share: float = 0.8,
        log: object = print) -> int:
    """Insert ``rate_per_minute`` cases a minute (and resolve about ``resolve_share`` as many
    open ones), advancing the data's as-of clock with real time. Returns cases inserted."""
    rng = np.random.default_rng(seed)
    leaves, cats = fetch_grids_and_categories(engine)
    if not leaves or cats.empty:
        raise RuntimeError("the database has no areas or categories to simulate cases in")
    clock = stamp.as_of(engine)
    started = time.monotonic()
    owed = 0.0
    inserted = 0
    while duration_s is None or time.monotonic() - started < duration_s:
        time.sleep(tick_s)
        clock += timedelta(seconds=tick_s)
        owed += rate_per_minute * tick_s / 60.0
        n = int(owed)
        owed -= n
        if n:
            rows = []
            for _ in range(n):
                cat = cats.iloc[int(rng.integers(len(cats)))]
                reported = clock - timedelta(seconds=float(rng.uniform(0, tick_s)))
                inserted += 1
                rows.append({
                    "id": f"SIM-{clock:%Y%m%d%H%M%S}-{inserted:05d}",
                    "source": str(rng.choice(["app", "terminal", "hotline"])),
                    "category_code": str(cat["code"]),
                    "area_code": leaves[int(rng.integers(len(leaves)))],
                    "reported_at": reported.replace(microsecond=0),
                    "due_at": (reported + timedelta(hours=float(cat["sla_hours"])))
                    .replace(microsecond=0),
                    "status": "reported", "reopen_count": 0,
                    "updated_at": clock.replace(microsecond=0),
                })
            insert_cases(engine, rows)
            resolve_cases(engine, fetch_open_ids(engine, int(round(n * resolve_share))),
                          clock.replace(microsecond=0))
        set_as_of(engine, clock.replace(microsecond=0))
        if n and callable(log):
            log(f"{datetime.now():%H:%M:%S} +{n} cases (total {inserted}), clock {clock:%H:%M:%S}")
    return inserted
