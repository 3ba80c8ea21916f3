"""Shared fixtures: the demo county in SQLite and PostgreSQL, built once per session.

PostgreSQL tests run when ``COUNTYDASH_TEST_PG_URL`` points at a server where the test may
create a database; each session creates its own database and drops it at the end. Under
``CI=true`` a PostgreSQL or browser test that would skip fails instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from dashboard import migrate
from dashboard.settings import normalise_url

AS_OF = date(2026, 11, 22)
SEED = 7
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


class ClosingClient(FlaskClient):
    """Flask's test client, closing each response as a WSGI server does once the last byte
    has gone out: the app writes a request's new cache entries then
    (:func:`dashboard.cache.init_write_behind`). Werkzeug's client closes a response only
    when buffered, or when the test calls ``close()``."""

    def open(self, *args, buffered: bool = True, **kwargs):  # type: ignore[no-untyped-def]
        return super().open(*args, buffered=buffered, **kwargs)


Flask.test_client_class = ClosingClient


def skip_or_fail(reason: str) -> None:
    """Skip locally; in CI a missing PostgreSQL or browser is a failure, never a skip."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def demo_frames() -> dict[str, pd.DataFrame]:
    from dashboard.demo import build_demo

    return build_demo(seed=SEED, as_of=AS_OF, scale="reference")


def _fill(engine: Engine, frames: dict[str, pd.DataFrame]) -> Engine:
    from dashboard.demo import write_demo
    from dashboard.setup import create_demo_users, snapshot_demo_history

    migrate.upgrade(engine)
    write_demo(engine, frames)
    create_demo_users(engine)
    snapshot_demo_history(engine, "reference")
    return engine


@pytest.fixture(scope="session")
def sqlite_path(tmp_path_factory: pytest.TempPathFactory,
                demo_frames: dict[str, pd.DataFrame]) -> Path:
    """A SQLite file holding the reference demo county (read-only for tests)."""
    from dashboard import db

    path = tmp_path_factory.mktemp("sqlite") / "demo.sqlite"
    _fill(db.get_engine(f"sqlite:///{path}"), demo_frames)
    return path


@pytest.fixture
def writable_sqlite(sqlite_path: Path, tmp_path: Path) -> str:
    """A private copy of the demo database (this test writes to it)."""
    import sqlite3

    target = tmp_path / "copy.sqlite"
    # the backup API, not a file copy: the source is in WAL mode and recent writes (the
    # demo users) may still sit in its -wal file
    with sqlite3.connect(sqlite_path) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def sqlite_engine(sqlite_path: Path) -> Engine:
    from dashboard import db

    return db.get_engine(f"sqlite:///{sqlite_path}")


def pg_admin_url() -> str | None:
    url = os.environ.get("COUNTYDASH_TEST_PG_URL", "").strip()
    return normalise_url(url) if url else None


@contextmanager
def fresh_pg_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (its URL) that is dropped afterwards; skips, or fails
    in CI, where no server is configured."""
    admin_url = pg_admin_url()
    if not admin_url:
        skip_or_fail("COUNTYDASH_TEST_PG_URL is not set")
    assert admin_url
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        drop_pg_database(admin, name)


def drop_pg_database(admin: Engine, name: str) -> None:
    """Drop database ``name`` (its sessions ended first) through ``admin`` (autocommit), and
    dispose of ``admin``."""
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this session; dropped afterwards."""
    from dashboard import db

    with fresh_pg_database("countydash_test") as url:
        try:
            yield url
        finally:
            db.forget_engines()  # close the app's pools before the drop


@pytest.fixture(scope="session")
def pg_engine(pg_database: str, demo_frames: dict[str, pd.DataFrame]) -> Engine:
    """PostgreSQL holding the same reference demo county as ``sqlite_engine``."""
    from dashboard import db

    return _fill(db.get_engine(pg_database), demo_frames)


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_engine(request: pytest.FixtureRequest) -> Engine:
    """The demo county on each database in turn."""
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)
