"""The query cache: keyed by the data version (an insert shows at once) and shared by
several processes through Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from dash import Dash
from sqlalchemy import Engine, event, insert

from dashboard import db
from dashboard.factory import create_app
from dashboard.schema import cases
from dashboard.settings import Settings
from queries import stamp
from queries.cases import fetch_kpis
from queries.context import QueryContext
from tests import reference
from tests.conftest import AS_OF, skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("COUNTYDASH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class StatementCounter:
    """SQL statements an engine runs, except the data-version look-up (unless ``every``)."""

    def __init__(self, engine: Engine, every: bool = False) -> None:
        self.statements: list[str] = []
        self.every = every
        event.listen(engine, "before_cursor_execute", self._seen)
        self.engine = engine

    def _seen(self, _conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        # version_and_as_of(): max(updated_at) of cases and coverage
        if self.every or "updated_at" not in statement:
            self.statements.append(statement)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def insert_case(engine: Engine, grid: str, day: date) -> None:
    """One new case in ``grid`` reported on ``day``, updated after the demo's as-of instant
    (so the data version moves)."""
    reported = datetime.combine(day, datetime.min.time()) + timedelta(hours=9)
    with engine.begin() as conn:
        conn.execute(insert(cases).values(
            id=f"new-{uuid.uuid4().hex[:8]}", source="app", category_code=str(
                reference.raw(engine, "case_categories")["code"].iloc[-1]),
            area_code=grid, reported_at=reported, due_at=reported + timedelta(hours=24),
            status="reported", reopen_count=0,
            updated_at=datetime.combine(AS_OF, datetime.min.time()) + timedelta(days=1)))


def test_cache_is_invalidated_when_the_data_version_changes(writable_sqlite: str) -> None:
    app = create_app(Settings.from_env({"DATABASE_URL": writable_sqlite,
                                        "COUNTYDASH_CACHE": "simple"}))
    engine = db.get_engine(writable_sqlite)
    county = str(reference.raw(engine, "areas").query("level == 'county'")["code"].iloc[0])
    start, end = AS_OF - timedelta(days=30), AS_OF - timedelta(days=1)
    counter = StatementCounter(engine)
    try:
        with app.server.app_context():
            before = fetch_kpis(QueryContext(engine=engine), county, start, end)
            ran_first = len(counter.statements)
            again = fetch_kpis(QueryContext(engine=engine), county, start, end)
            assert again == before
            assert ran_first > 0 and len(counter.statements) == ran_first  # a cache hit
            grid = str(reference.raw(engine, "areas").query("level == 'grid'")["code"].iloc[0])
            insert_case(engine, grid, end)
            after = fetch_kpis(QueryContext(engine=engine), county, start, end)
    finally:
        counter.close()
    assert len(counter.statements) > ran_first  # the new version missed the cache
    assert after["cases"] == before["cases"] + 1
    raw = reference.raw(engine, "cases")
    lo = datetime.combine(start, datetime.min.time())
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time())
    in_period = pd.to_datetime(raw["reported_at"])
    assert after["cases"] == int(((in_period >= lo) & (in_period < hi)).sum())


WORKER = r"""
import json, sys
from datetime import date
from sqlalchemy import event
from dashboard import db
from dashboard.factory import create_app
from queries.cases import fetch_children_figures
from queries import stamp
from queries.context import QueryContext

app = create_app()
engine = db.get_engine(app.server.config["COUNTYDASH_SETTINGS"].database_url)
seen = []
event.listen(engine, "before_cursor_execute",
             lambda c, cur, stmt, *a: seen.append(stmt) if "updated_at" not in stmt else None)
area, start, end = sys.argv[1], date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3])
with app.server.app_context():
    before = len(seen)
    frame = fetch_children_figures(QueryContext(engine=engine), area, start, end)
print(json.dumps({"statements": len(seen) - before, "pid": __import__("os").getpid(),
                  "frame": frame.to_json(orient="records")}))
"""


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    prefix = f"countydash-test-{uuid.uuid4().hex[:10]}:"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        assert not list(client.scan_iter(match=f"{prefix}*"))


class Ctx:
    """A query context of one scope and one data version, for the cache's own tests."""

    def cache_key(self) -> str:
        return "test"

    def version_for(self, _on: str) -> str:
        return "v1"


def run_worker(url: str, prefix: str, area: str, start: date, end: date) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "COUNTYDASH_CACHE": "redis",
           "COUNTYDASH_REDIS_URL": REDIS_URL, "COUNTYDASH_CACHE_PREFIX": prefix}
    done = subprocess.run([sys.executable, "-c", WORKER, area, start.isoformat(),
                           end.isoformat()], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_result_cached_by_one_process_is_served_to_another(demo_engine: Engine,
                                                           redis_prefix: str) -> None:
    import redis

    url = demo_engine.url.render_as_string(hide_password=False)
    county = str(reference.raw(demo_engine, "areas").query("level == 'county'")["code"].iloc[0])
    start, end = AS_OF - timedelta(days=30), AS_OF - timedelta(days=1)
    client = redis.Redis.from_url(REDIS_URL)
    assert not list(client.scan_iter(match=f"{redis_prefix}*"))
    first = run_worker(url, redis_prefix, county, start, end)
    keys = [k.decode() for k in client.scan_iter(match=f"{redis_prefix}*")]
    assert any("fetch_children_rows" in k for k in keys), keys  # what the frame is built from
    second = run_worker(url, redis_prefix, county, start, end)
    assert first["pid"] != second["pid"]
    assert first["statements"] > 0  # the first process computed the figures
    assert second["statements"] == 0  # the second ran no SQL but the version look-up
    assert second["frame"] == first["frame"]
    cases_total = sum(r["cases"] for r in json.loads(second["frame"]))
    assert cases_total > 0


def cached_app(url: str) -> tuple[Dash, Engine, str, str]:
    """The app on ``url`` with an in-process cache, its engine, the county and a grid code."""
    app = create_app(Settings.from_env({"DATABASE_URL": url, "COUNTYDASH_CACHE": "simple"}))
    engine = db.get_engine(url)
    frame = reference.raw(engine, "areas")
    return (app, engine, str(frame.query("level == 'county'")["code"].iloc[0]),
            str(frame.query("level == 'grid'")["code"].iloc[0]))


def test_cached_callback_output_follows_the_data_version(writable_sqlite: str) -> None:
    """The overview's KPI callback is served from the output cache (no statement but the
    session and version look-ups) until a new case changes the data version; then the next
    request shows it."""
    app, engine, county, grid = cached_app(writable_sqlite)
    start, end = AS_OF - timedelta(days=30), AS_OF - timedelta(days=1)
    client = app.server.test_client()
    assert client.post("/login", data={"username": "county", "password": "county-demo",
                                       "next": "/"}).status_code == 302
    view = {"area": county, "start": start.isoformat(), "end": end.isoformat(),
            "metric": None, "lang": "zh", "problems": []}
    key = next(k for k in app.callback_map if "overview-kpis.children" in k)
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
               for part in key.strip(".").split("...")]
    payload = {"output": key, "outputs": outputs, "changedPropIds": ["shell-view.data"],
               "inputs": [{"id": "shell-view", "property": "data", "value": view}]}

    def shown() -> str:
        resp = client.post("/_dash-update-component", json=payload)
        assert resp.status_code == 200
        return json.dumps(resp.get_json()["response"]["overview-kpis"], ensure_ascii=False)

    counter = StatementCounter(engine, every=True)
    try:
        first = shown()
        ran = len(counter.statements)
        assert shown() == first
        hit = counter.statements[ran:]
        # a hit is one round trip: the session's user and, in the same statement, the data
        # version and as-of instant (queries.users.fetch_user_and_stamp)
        assert ran > 3 and len(hit) == 1, hit
        assert "FROM users" in hit[0] and "max(cases.updated_at)" in hit[0], hit
        total = int(fetch_kpis.uncached(QueryContext(engine=engine), county, start, end)
                    ["cases"])
        assert f"{total:,}" in first or str(total) in first
        insert_case(engine, grid, end)
        after = shown()
    finally:
        counter.close()
    assert after != first
    assert f"{total + 1:,}" in after or str(total + 1) in after


def test_coverage_figures_stay_cached_when_only_cases_change(writable_sqlite: str) -> None:
    """Coverage queries key on the coverage part of the version: a new case (the big screen's
    steady trickle) leaves them cached; a changed coverage row makes the next call re-read."""
    from sqlalchemy import update

    from dashboard.schema import coverage_monthly
    from queries.coverage import fetch_coverage_month, fetch_coverage_trend

    app, engine, county, grid = cached_app(writable_sqlite)
    counter = StatementCounter(engine)
    try:
        with app.server.app_context():
            month = fetch_coverage_month(QueryContext(engine=engine), county, AS_OF)
            assert month is not None
            before = fetch_coverage_trend(QueryContext(engine=engine), county, month)
            ran = len(counter.statements)
            insert_case(engine, grid, AS_OF - timedelta(days=1))
            counter.statements.clear()
            again = fetch_coverage_trend(QueryContext(engine=engine), county, month)
            assert counter.statements == [] and ran > 0  # still cached after a new case
            pd.testing.assert_frame_equal(again, before)
            row = reference.raw(engine, "coverage_monthly").iloc[0]
            with engine.begin() as conn:
                conn.execute(update(coverage_monthly)
                             .where(coverage_monthly.c.branch_id == row["branch_id"],
                                    coverage_monthly.c.month == row["month"])
                             .values(registered=0, updated_at=datetime(2030, 1, 1)))
            fetch_coverage_trend(QueryContext(engine=engine), county, month)
    finally:
        counter.close()
    assert counter.statements, "a coverage change must miss the cache"


def test_map_geometry_survives_a_new_case_and_follows_an_import(writable_sqlite: str) -> None:
    """The map's geometry keys on the area tree's version: a new case (a new data version)
    leaves the per-process layers and each area's drawing as they are; an import (a new
    ``data_version`` row) rebuilds them."""
    from geodata.service import drawings, layers, parent_layer
    from queries.areas import build_children
    from queries.imports import bump_data_version

    app, engine, county, grid = cached_app(writable_sqlite)
    codes = tuple(db.read_frame(engine, build_children(QueryContext(engine=engine), county))
                  ["code"])
    before = QueryContext(engine=engine)
    first = layers(before)
    counter = StatementCounter(engine)
    try:
        with app.server.app_context():
            shown = parent_layer(before, county, codes)
            insert_case(engine, grid, AS_OF - timedelta(days=1))
            after = QueryContext(engine=engine)
            assert after.version != before.version
            counter.statements.clear()
            assert layers(after) is first
            drawn = drawings(after)
            again = parent_layer(after, county, codes)
            assert counter.statements == []  # neither rebuilt nor re-read
            assert again.geojson == shown.geojson and len(shown.codes) == len(codes) > 1
            with engine.begin() as conn:
                bump_data_version(conn)
            imported = QueryContext(engine=engine)
            assert layers(imported) is not first
            assert drawings(imported) is not drawn
            parent_layer(imported, county, codes)
    finally:
        counter.close()
    assert any("areas" in s for s in counter.statements), "an import must rebuild the map"


def test_area_look_ups_survive_a_new_case_and_follow_an_import(writable_sqlite: str) -> None:
    """The area tree's look-ups key on its version: after a new case they are read from the
    cache (no statement on ``areas``), after an import (a new ``data_version`` row) again
    from the database."""
    from queries.areas import fetch_area, fetch_children, fetch_lineage
    from queries.imports import bump_data_version

    app, engine, county, grid = cached_app(writable_sqlite)

    def look_up() -> tuple[object, ...]:
        ctx = QueryContext(engine=engine)
        return (fetch_area(ctx, grid), tuple(fetch_children(ctx, county)["code"]),
                tuple(fetch_lineage(ctx, grid)["code"]))

    counter = StatementCounter(engine)
    try:
        with app.server.app_context():
            first = look_up()
            assert first[0] is not None and first[2][0] == county and first[2][-1] == grid
            insert_case(engine, grid, AS_OF - timedelta(days=1))
            counter.statements.clear()
            assert look_up() == first
            assert not [s for s in counter.statements if "areas" in s], counter.statements
            with engine.begin() as conn:
                bump_data_version(conn)
            assert look_up() == first
    finally:
        counter.close()
    assert [s for s in counter.statements if "areas" in s], "an import must read areas again"


def test_dataset_facts_survive_a_new_case_and_follow_an_import(writable_sqlite: str) -> None:
    """The navbar's dataset facts (synthetic flag, source) are ``dataset_meta`` without the
    rows the request's stamp reads (as-of, data version), held per process and import
    version: a new case or a moved as-of reads no ``dataset_meta`` for them, a changed
    source written by an import (with its new ``data_version``) shows at once."""
    from queries.areas import VOLATILE_META, fetch_dataset_facts
    from queries.imports import bump_data_version, set_meta

    app, engine, _county, grid = cached_app(writable_sqlite)
    counter = StatementCounter(engine)
    try:
        with app.server.app_context():
            facts = fetch_dataset_facts(QueryContext(engine=engine))
            assert facts == {k: v for k, v in stamp.meta(engine).items() if k not in VOLATILE_META}
            assert facts["synthetic"] == "1" and facts["source_zh"]
            assert not set(VOLATILE_META) & set(facts)
            facts["source_zh"] = "changed by a caller"  # a copy: the held facts stay
            insert_case(engine, grid, AS_OF - timedelta(days=1))
            counter.statements.clear()
            assert fetch_dataset_facts(QueryContext(engine=engine))["source_zh"] != \
                "changed by a caller"
            assert not [s for s in counter.statements if "dataset_meta" in s], \
                counter.statements
            with engine.begin() as conn:
                set_meta(conn, "source_zh", "新的来源")
                bump_data_version(conn)
            assert fetch_dataset_facts(QueryContext(engine=engine))["source_zh"] == "新的来源"
    finally:
        counter.close()


def test_worker_warm_up_builds_the_geometry_and_survives_a_missing_database(
        writable_sqlite: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """``gunicorn.conf.py``'s post_worker_init: the worker builds its layers before its first
    request; a database that is not there yet is logged, not fatal."""
    import gc

    from flask import Flask

    from dashboard.warm import warm_worker
    from geodata.service import _layers, layers

    app, engine, _county, _grid = cached_app(writable_sqlite)
    try:
        warm_worker(app.server)
        assert gc.get_freeze_count() > 0
        hits = _layers.cache_info().hits
        layers(QueryContext(engine=engine))
        assert _layers.cache_info().hits == hits + 1  # built at start, not on first use
        broken = Flask("broken")
        broken.config["COUNTYDASH_SETTINGS"] = Settings.from_env(
            {"DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'none.sqlite'}"})
        with caplog.at_level("WARNING"):
            assert warm_worker(broken) >= 0
        assert "built on first use" in caplog.text
    finally:
        gc.unfreeze()  # this test process goes on collecting as before


def test_master_builds_the_geometry_then_forks_without_its_connections(
        writable_sqlite: str) -> None:
    """``gunicorn.conf.py`` preloads the app: the master builds the layers the workers will
    share, closes every pooled connection (a worker must never use a connection another
    process holds) and leaves the collector off until ``after_fork`` in the worker."""
    import gc

    from dashboard.warm import after_fork, prepare_master
    from geodata.service import _layers, layers

    app, engine, _county, _grid = cached_app(writable_sqlite)
    try:
        with engine.connect() as conn:  # a connection the pool keeps after use
            conn.exec_driver_sql("SELECT 1")
        assert engine.pool.checkedin() >= 1
        prepare_master(app.server)
        assert engine.pool.checkedin() == 0 and engine.pool.checkedout() == 0
        assert not gc.isenabled()
        hits = _layers.cache_info().hits
        layers(QueryContext(engine=engine))
        assert _layers.cache_info().hits == hits + 1  # inherited by the workers, not rebuilt
        after_fork()
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_a_shared_result_is_computed_once_for_requests_that_miss_it_together(
        redis_prefix: str) -> None:
    """dashboard.cache.memoised(shared=True): the map and the child table ask for the same
    figures in one round; with the cache empty, one request computes them and the other
    waits for its result instead of computing them again (Redis: the workers' cache)."""
    import threading

    from flask import Flask

    from dashboard.cache import CLAIMED, cache, cache_key, memoised

    server = Flask(__name__)
    cache.init_app(server, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": REDIS_URL,
                                   "CACHE_KEY_PREFIX": redis_prefix})

    computed: list[int] = []

    def slow() -> dict:
        computed.append(1)
        time.sleep(0.3)
        return {"cases": 42}

    results: list[object] = []

    def request(shared: bool, name: str) -> None:
        with server.app_context():
            results.append(memoised(name, Ctx(), "all", ("211122",), {}, slow, shared))

    for shared, name, want in ((True, "figures", 1), (False, "unshared", 2)):
        computed.clear()
        results.clear()
        threads = [threading.Thread(target=request, args=(shared, name)) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=10)
        assert results == [{"cases": 42}] * 2
        assert len(computed) == want, (name, computed)  # once when shared, twice when not
    def claim(name: str, arg: str) -> str:
        return cache_key(name, Ctx(), "all", (arg,), {}) + CLAIMED

    with server.app_context():
        assert cache.get(claim("figures", "211122")) is None  # gone with the computation
        # a claim whose computation died: the next request waits it out, then computes
        from dashboard import cache as cache_module

        cache.add(claim("dead", "x"), 1, timeout=1)
        started = time.monotonic()
        assert memoised("dead", Ctx(), "all", ("x",), {}, lambda: {"ok": 1}, True) == {"ok": 1}
        assert 0.5 < time.monotonic() - started < cache_module.CLAIM_SECONDS + 1


@pytest.mark.parametrize("backend", ["simple", "redis"])
def test_a_request_writes_its_results_after_its_response(backend: str, request) -> None:
    """dashboard.cache.init_write_behind: a result computed in a request is held back while
    the response is built (the same request reads it back without computing it again), and
    is in the cache once the response is closed - on Redis with its timeout; a request that
    fails still writes what it computed. A shared result (claimed) is written at once:
    another request may be waiting for it."""
    from flask import Flask

    from dashboard.cache import cache, cache_key, init_write_behind, memoised

    server = Flask(__name__)
    config: dict[str, object] = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 600}
    if backend == "redis":
        prefix = request.getfixturevalue("redis_prefix")
        config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": REDIS_URL,
                  "CACHE_KEY_PREFIX": prefix, "CACHE_DEFAULT_TIMEOUT": 600}
    cache.init_app(server, config=config)
    init_write_behind(server)

    computed: list[str] = []
    seen_in_request: dict[str, object] = {}

    def compute(name: str) -> dict:
        computed.append(name)
        return {"name": name}

    def key(name: str) -> str:
        with server.app_context():  # the key carries the app's rules fingerprint
            return cache_key(name, Ctx(), "all", (), {})

    @server.get("/ok")
    def ok() -> str:
        first = memoised("held", Ctx(), "all", (), {}, lambda: compute("held"))
        again = memoised("held", Ctx(), "all", (), {}, lambda: compute("held"))
        memoised("shared", Ctx(), "all", (), {}, lambda: compute("shared"), True)
        seen_in_request["held"] = cache.get(key("held"))
        seen_in_request["shared"] = cache.get(key("shared"))
        assert first == again == {"name": "held"}
        return "ok"

    @server.get("/fails")
    def fails() -> str:
        memoised("before-failure", Ctx(), "all", (), {}, lambda: compute("before-failure"))
        raise RuntimeError("after computing")

    client = server.test_client()
    response = client.get("/ok")
    assert response.status_code == 200
    assert computed == ["held", "shared"]  # read back from the request, not computed twice
    assert seen_in_request == {"held": None, "shared": {"name": "shared"}}
    response.close()
    with server.app_context():
        assert cache.get(key("held")) == {"name": "held"}
    if backend == "redis":
        import redis

        ttl = redis.Redis.from_url(REDIS_URL).ttl(prefix + key("held"))
        assert 0 < ttl <= 600

    server.config["PROPAGATE_EXCEPTIONS"] = False
    failed = client.get("/fails")
    assert failed.status_code == 500
    failed.close()
    with server.app_context():
        assert cache.get(key("before-failure")) == {"name": "before-failure"}
        # the next request finds what the first wrote: nothing computed again
        computed.clear()
    assert client.get("/ok").status_code == 200
    assert computed == []
