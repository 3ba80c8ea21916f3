"""Creating a database: migrate to head, optionally fill it with the demo county."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from dashboard import migrate
from queries import stamp
from queries.imports import analyze, count_areas, delete_all_rows

log = logging.getLogger(__name__)


def is_empty(engine: Engine) -> bool:
    return count_areas(engine) == 0


def init_database(engine: Engine, *, demo: bool = False, seed: int = 7,
                  as_of: date | None = None, scale: str = "reference",
                  replace: bool = False) -> None:
    """Migrate ``engine``'s database to head; with ``demo``, fill it with the demo county.

    Filling refuses a database that already holds areas unless ``replace`` is given, so that
    real data is never overwritten by accident.
    """
    migrate.upgrade(engine)
    if not demo:
        return
    if not is_empty(engine):
        if not replace:
            raise RuntimeError("the database already holds data; use --replace to rebuild it")
        delete_all_rows(engine)
    from dashboard.demo import build_demo, write_demo

    frames = build_demo(seed=seed, as_of=as_of, scale=scale)  # type: ignore[arg-type]
    write_demo(engine, frames)
    from queries.imports import bump_data_version

    with engine.begin() as conn:
        # a rebuilt county is new data even where the newest update stamps match the old
        # one's (the geometry caches key on this row: the area tree changes only with it)
        bump_data_version(conn)
    analyze(engine)
    create_demo_users(engine)
    snapshot_demo_history(engine, scale)


def snapshot_demo_history(engine: Engine, scale: str) -> None:
    """Warning snapshots so that the demo has a history: weekly for 12 weeks, then daily for
    the last week (only the as-of day at large scale, where each evaluation costs more)."""
    from datetime import timedelta

    from dashboard.rules import load_rules
    from dashboard.tiers import backfill, snapshot

    rules = load_rules()
    today = stamp.as_of(engine).date()
    if scale != "reference":
        snapshot(engine, rules, today)
        return
    backfill(engine, rules, today - timedelta(days=7), days=77, step=7)
    backfill(engine, rules, today, days=6, step=1)


#: One demo account per role (demo data only; README lists them): user, password, role.
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("county", "county-demo", "county"),
    ("town", "town-demo", "town"),
    ("village", "village-demo", "village"),
    ("analyst", "analyst-demo", "analyst"),
)


def create_demo_users(engine: Engine) -> None:
    """The demo accounts: the town user sees the first town, the village user its first
    village; only the county user may see personal fields."""
    from dashboard.auth import hash_password
    from queries.areas import first_areas
    from queries.users import fetch_user, insert_user

    _county, town, village = first_areas(engine)
    areas = {"town": town, "village": village}
    for username, password, role in DEMO_ACCOUNTS:
        if fetch_user(engine, username) is None:
            insert_user(engine, username=username, password_hash=hash_password(password),
                        role=role, area_code=areas.get(role), pii=role == "county")


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock so that several gunicorn workers build the embedded file once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_embedded(engine: Engine, sqlite_path: Path, seed: int) -> None:
    """First run of the embedded default: create the SQLite file and the demo county.

    A file that already has the schema is only upgraded - even when empty, because
    ``countydash init`` (without ``--demo``) made it for real data about to be imported.
    """
    with file_lock(sqlite_path.with_suffix(".lock")):
        if migrate.is_initialised(engine):
            migrate.upgrade(engine)
            return
        log.warning("creating the embedded demo database at %s (first run)", sqlite_path)
        init_database(engine, demo=True, seed=seed)
