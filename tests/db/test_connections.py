"""The PostgreSQL connection pool: reads in autocommit, writes still transactional, and a
connection that died while idle replaced before anyone uses it."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, create_engine, text

from dashboard import db
from tests.conftest import fresh_pg_database


@pytest.fixture
def pg_scratch() -> Engine:  # type: ignore[misc]
    with fresh_pg_database("countydash_conn") as url:
        engine = create_engine(url, pool_size=2, max_overflow=0)
        db.ping_when_idle(engine, idle_s=0.2)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x integer)"))
        yield engine
        engine.dispose()


@pytest.mark.postgres
def test_reads_run_without_a_transaction_and_writes_keep_theirs(pg_scratch: Engine) -> None:
    """A read is one statement, no BEGIN / ROLLBACK around it; the same pooled connection,
    back in the pool, still gives a write its transaction (a rolled-back insert leaves
    nothing)."""
    from psycopg.pq import TransactionStatus

    def status(conn) -> TransactionStatus:  # type: ignore[no-untyped-def]
        return conn.connection.dbapi_connection.info.transaction_status

    with db.read_connection(pg_scratch) as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert status(conn) == TransactionStatus.IDLE  # no transaction left open
    with pg_scratch.connect() as conn:  # the pool hands back the same connection ...
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == pid
        assert status(conn) == TransactionStatus.INTRANS  # ... in its default mode
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.rollback()
    assert db.read_scalar(pg_scratch, text("SELECT count(*) FROM t")) == 0
    with pg_scratch.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (2)"))
    assert db.read_scalar(pg_scratch, text("SELECT count(*) FROM t")) == 1


@pytest.mark.postgres
def test_a_connection_that_died_while_idle_is_replaced_before_use(
        pg_scratch: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool pings a connection that sat idle past the threshold (not one in steady use);
    one the server dropped meanwhile is replaced, and the reader never sees the failure."""
    pings: list[object] = []
    real_ping = pg_scratch.dialect.do_ping
    monkeypatch.setattr(pg_scratch.dialect, "do_ping",
                        lambda c: pings.append(c) or real_ping(c))
    with pg_scratch.connect() as conn:
        victim = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    with fresh_admin(pg_scratch) as admin:
        admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": victim})
    time.sleep(0.3)  # idle past the threshold: pinged on the next checkout
    with pg_scratch.connect() as conn:
        now = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    assert now != victim and pings
    # in steady use there is no ping: a checkout right after a checkin sends nothing first
    pinged = len(pings)
    with pg_scratch.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert len(pings) == pinged


def fresh_admin(engine: Engine):  # type: ignore[no-untyped-def]
    """A connection of its own (outside the pool under test)."""
    return create_engine(engine.url, isolation_level="AUTOCOMMIT").connect()


@pytest.mark.postgres
def test_prepared_statements_are_planned_for_their_values() -> None:
    """psycopg prepares a statement run five times on a connection, and PostgreSQL then
    switches a prepared statement to one generic plan for any values: for a month of the
    cases of one town that plan read the children through 6,000 index probes (19 -> 260 ms
    per showing, from the tenth on). The app's connections plan each execution for its
    values (``plan_cache_mode``), prepared or not."""
    with fresh_pg_database("countydash_plans") as url:
        engine = db.get_engine(url)
        try:
            generic, custom = _plans_of_a_statement_run_fifteen_times(engine)
            assert custom >= 5 and generic == 0  # prepared (so the test bites), never generic
        finally:
            engine.dispose()


def _plans_of_a_statement_run_fifteen_times(engine: Engine) -> tuple[int, int]:
    """(generic, custom) plans PostgreSQL made for one statement run fifteen times on one of
    ``engine``'s connections (psycopg prepares it after five)."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (x integer PRIMARY KEY)"))
        conn.execute(text("INSERT INTO t SELECT generate_series(1, 1000) ON CONFLICT DO NOTHING"))
    with engine.connect() as conn:
        for v in range(15):
            assert conn.execute(text("SELECT x FROM t WHERE x = :v"),
                                {"v": v + 1}).scalar() == v + 1
        generic, custom = conn.execute(text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE 'SELECT x FROM t WHERE x = %'")).one()
    return int(generic), int(custom)


@pytest.mark.postgres
def test_the_generic_pool_plans_once_and_a_fork_shares_none() -> None:
    """The per-request user and stamp look-up (and a small subtree's templates) run on a
    pool of its own whose prepared statements keep one generic plan
    (:data:`dashboard.db.GENERIC`); the queries' engine is
    the same object however it is asked for, and :func:`dashboard.db.dispose_engines` (before
    gunicorn forks its workers) leaves neither pool holding a connection: a second engine for
    the queries, one the dispose missed, had two workers talk over one socket ("lost
    synchronization with server")."""
    with fresh_pg_database("countydash_generic") as url:
        queries = db.get_engine(url)
        lookups = db.get_engine(url, db.GENERIC)
        try:
            assert db.get_engine(url, db.QUERIES) is queries and lookups is not queries
            assert db.get_engine("sqlite://", db.GENERIC) is db.get_engine("sqlite://")
            generic, custom = _plans_of_a_statement_run_fifteen_times(lookups)
            assert generic == 15 and custom == 0  # prepared at once, planned once
            with queries.connect() as conn:
                conn.execute(text("SELECT 1"))
            assert queries.pool.checkedin() >= 1 and lookups.pool.checkedin() >= 1
            db.dispose_engines(url)
            assert queries.pool.checkedin() == 0 and lookups.pool.checkedin() == 0
        finally:
            db.dispose_engines(url)


def test_statements_in_turn_share_one_connection(demo_engine: Engine) -> None:
    """``read_rows_in_turn`` (a small subtree's templates): the rows of each statement as
    ``read_rows`` gives them, one after another on one pooled connection (one checkout; on
    PostgreSQL one backend for all), its parameters bound per statement; past the cap it
    fails as read_rows does."""
    from sqlalchemy import bindparam, event, select

    from dashboard.schema import areas

    url = demo_engine.url.render_as_string(hide_password=False)
    engine = db.get_engine(url)  # the app's pool for this URL
    by_code = select(areas.c.code, areas.c.level).where(areas.c.code == bindparam("code"))
    county = db.read_rows(engine, select(areas.c.code).where(areas.c.parent_code.is_(None)))
    root = county[1][0][0]
    town = db.read_rows(engine, select(areas.c.code).where(areas.c.parent_code == root))[1][0][0]
    queries = [(by_code, {"code": root}), (by_code, {"code": town}),
               (select(areas.c.code).where(areas.c.parent_code == bindparam("p")), {"p": town})]
    checkouts: list[object] = []

    def checked_out(dbapi, *_):  # type: ignore[no-untyped-def]
        checkouts.append(dbapi)

    event.listen(engine, "checkout", checked_out)
    try:
        got = db.read_rows_in_turn(engine, *queries)
    finally:
        event.remove(engine, "checkout", checked_out)
    assert got == [db.read_rows(engine, stmt, params) for stmt, params in queries]
    assert got[0][1] == [(root, "county")] and got[1][1] == [(town, "town")] and got[2][1]
    assert len(checkouts) == 1
    with pytest.raises(RuntimeError, match="more than 1 rows"):
        db.read_rows_in_turn(engine, queries[2], cap=1)
