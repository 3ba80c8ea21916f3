"""The benchmark end to end at reference scale: the report's shape, not its times."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sqlalchemy import Engine

from dashboard import bench, ids
from dashboard.i18n import t
from dashboard.metrics import DEFAULT_MAP_METRIC
from queries import floors
from tests import reference

INTERACTIONS = {"open_overview", "drill_town", "drill_village", "change_metric",
                "change_period", "open_case_page"}


def check_report(report: dict, engine: Engine, dialect: str, cold: int) -> None:
    assert report["database"] == dialect
    assert report["scale"] == "reference"
    assert report["cases"] == len(reference.raw(engine, "cases")) > 0
    names = {r["name"] for r in report["interactions"]} | set(report["missing"])
    assert names == INTERACTIONS
    for row in report["interactions"]:
        assert row["floor_covers"] == floors.FLOOR_COVERS[row["name"]]
        assert row["floor_runs"] == cold  # timed beside each cold run, not once before
        if row["name"] == "change_metric":
            # made in the browser: no request, no server time, nothing sent (the map's
            # colours came with the map, the navbar's links follow the metric in the browser)
            assert (row["requests"], row["bytes"], row["cold_p50_ms"], row["warm_p95_ms"],
                    row["ratio_to_floor"]) == (0, 0, 0, 0, 0), row
            assert row["floor_ms"] > 0 and row["slowest_cold_callback"] is None
            continue
        for key in ("cold_p50_ms", "cold_p95_ms", "warm_p95_ms", "floor_ms",
                    "ratio_to_floor", "sum_ratio_to_floor"):
            assert isinstance(row[key], float) and math.isfinite(row[key]) and row[key] > 0, (
                row["name"], key, row[key])
        assert row["cold_p95_ms"] >= row["cold_p50_ms"]
        # the server's own time (Server-Timing) within each round trip the client saw
        assert row["cold_round_trip_p50_ms"] >= row["cold_p50_ms"], row
        assert row["warm_round_trip_p95_ms"] >= row["warm_p95_ms"], row
        assert row["sum_ratio_to_floor"] >= row["ratio_to_floor"]  # a sum >= its longest path
        assert isinstance(row["bytes"], int) and row["bytes"] > 0
        assert row["requests"] >= 2  # the panels of the view
    assert report["peak_rss_mb"] > 50  # a Dash app with pandas is never smaller
    assert len(report["peak_rss_mb_per_process"]) == 1 + report["workers"]
    # numbers reported, not asserted: print them for the log
    print(bench.format_table(report))


def test_bench_runs_end_to_end_on_sqlite(sqlite_path: Path, sqlite_engine: Engine) -> None:
    report = bench.run("reference", database_url=f"sqlite:///{sqlite_path}", cold=2, warm=1,
                       warmup=0, workers=2)
    check_report(report, sqlite_engine, "sqlite", cold=2)


@pytest.mark.postgres
def test_bench_runs_end_to_end_on_postgres(pg_engine: Engine) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    report = bench.run("reference", database_url=url, cold=1, warm=1, warmup=0, workers=1)
    check_report(report, pg_engine, "postgresql", cold=1)


def test_browser_drill_down_follows_the_click(sqlite_path: Path) -> None:
    """The renderer feeds responses back: a click on a town changes the view's area."""
    url = f"sqlite:///{sqlite_path}"
    areas = bench.pick_areas(url)
    with bench.running_server(url, workers=1) as (server, _cache):
        browser = bench.new_browser(server.base)
        first = browser.load("/", f"?area={areas.county}")
        assert browser.value("shell-view", "data")["area"] == areas.county
        assert not first.errors and first.critical_ms <= first.sum_ms
        trace = browser.set_props({("map-graph", "clickData"):
                                   {"points": [{"location": areas.town}]}})
        assert not trace.errors
        assert browser.value("shell-view", "data")["area"] == areas.town
        assert f"area={areas.town}" in browser.value("shell-url", "search")


def test_server_timing_header_is_read_and_only_sent_when_asked(sqlite_path: Path) -> None:
    """The benchmark's server sends ``Server-Timing`` (the app's own time, within the round
    trip); an app without ``COUNTYDASH_SERVER_TIMING`` sends none."""
    from dashboard.factory import create_app
    from dashboard.settings import Settings

    assert bench.server_timing("app;dur=12.5") == 12.5
    assert bench.server_timing("db;dur=3, app;desc=x;dur=4") == 4.0
    assert bench.server_timing("app;dur=abc") is None
    assert bench.server_timing(None) is None
    url = f"sqlite:///{sqlite_path}"
    with bench.running_server(url, workers=1) as (server, _cache):
        http = bench.Http(server.base)
        reply = http.get("/login")
        assert reply.server_ms is not None and 0 < reply.server_ms <= reply.ms
    env = {"DATABASE_URL": url}
    plain = create_app(Settings.from_env(env)).server.test_client().get("/login")
    assert plain.status_code == 200 and "Server-Timing" not in plain.headers
    timed = create_app(Settings.from_env({**env, "COUNTYDASH_SERVER_TIMING": "1"}))
    assert "app;dur=" in timed.server.test_client().get("/login").headers["Server-Timing"]


def test_http_refuses_non_loopback_targets() -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        bench.Http("http://example.org:8050")


def test_interactions_send_no_request_that_changes_nothing(sqlite_path: Path) -> None:
    """A picker set to the value it shows would fire its URL writer for nothing (HTTP 204):
    one more round after every drill-down. Each standard interaction settles without such
    a request. A drill-down, a metric or a period change is one round: the click and the
    pickers rewrite the URL, and the URL becomes the view, in the browser
    (``assets/clientside.js``), so the panels' requests are the first to go out; nor does
    a page change ask for the view. The pickers follow the view in the browser: no request
    of their own."""
    url = f"sqlite:///{sqlite_path}"
    areas = bench.pick_areas(url)
    with bench.running_server(url, workers=1) as (server, _cache):
        browser = bench.new_browser(server.base)
        plan = bench.interactions(areas, bench.AS_OF, browser)
        assert {name for name, _, _ in plan} == INTERACTIONS
        initial = browser.snapshot()
        for name, setup, action in plan:
            browser.restore(initial)
            for step in setup:
                step(browser)
            trace = action(browser)
            assert not trace.errors, name
            idle = [r.key for r in trace.requests if r.status == 204]
            asked = f"..{ids.Shell.VIEW}.data@"
            if name == "open_overview":  # the metric picker is inserted empty and filled
                assert len(idle) <= 1, idle
                # a page's first URL is the server's to check
                assert [r for r in trace.requests if r.key.startswith(asked)], name
                continue
            assert idle == [], (name, idle)
            if name not in ("open_case_page", "change_metric"):
                assert len({r.round for r in trace.requests}) == 1, name
            sent = {r.key.strip(".").split(".")[0] for r in trace.requests}
            if name == "change_metric":
                # nothing: the map's colours for the new metric came with the map, the links
                # to views follow the metric in the browser (the twins of metricFromStore
                # and linkMetric)
                assert sent == set(), sent
                hrefs = [props.get("href") for props in browser.index.values()
                         if isinstance(props.get("id"), dict)
                         and props["id"].get("type") == ids.Shell.VIEW_LINK]
                shown = browser.value(ids.Map.METRIC, "value")
                assert shown != DEFAULT_MAP_METRIC
                assert hrefs and all(f"metric={shown}" in h for h in hrefs), hrefs
                assert browser.value(ids.Map.KEY, "data")["metric"] == shown
                figure = browser.value(ids.Map.GRAPH, "figure")
                assert figure["data"][0]["geojson"]["features"]  # the drawn map, recoloured
                assert t(f"map.metric.{shown}", "zh") in "".join(figure["data"][0]["text"])
            elif name != "open_case_page":  # a new area or period: every panel
                assert {ids.Overview.HEADING, ids.Overview.CHILDREN, ids.Coverage.OVERVIEW,
                        ids.Map.GRAPH} <= sent, sent
            in_browser = {f"{ids.Shell.URL}.search", f"{ids.Map.METRIC}.value"}
            assert not [r.key for r in trace.requests
                        if r.key in in_browser or r.key.startswith(asked)], name


def test_every_response_goes_to_orjson_without_plotly_cleaning(
        sqlite_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dash encodes a callback response with orjson alone unless some value in it is not
    plain JSON (a DataTable ``Format`` object, an object array); then plotly walks the whole
    response element by element first (8 ms for the overdue list, on every cached showing).
    The cached pages' responses are plain; a map's ``Patch`` (a metric change) is Dash's
    own and small."""
    import dash._callback as dash_callback
    import orjson

    from tests.browser.conftest import serve

    slow: list[str] = []
    real = dash_callback.to_json

    def spy(obj):  # type: ignore[no-untyped-def]
        try:
            orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
        except TypeError as exc:
            if "Patch" not in str(exc):
                slow.append(f"{sorted(obj.get('response', {}))}: {exc}")
        return real(obj)

    monkeypatch.setattr(dash_callback, "to_json", spy)
    url = f"sqlite:///{sqlite_path}"
    areas = bench.pick_areas(url)
    with serve({"DATABASE_URL": url}) as live:
        browser = bench.new_browser(live.url)
        for name, setup, action in bench.interactions(areas, bench.AS_OF, browser):
            for step in (*setup, action):
                assert not step(browser).errors, name
        assert slow == []
        assert not browser.load("/coverage", f"?area={areas.county}").errors
    # the branch detail and the formula are not cached: their components go the slow way
    assert [s for s in slow if "coverage-detail" not in s and "coverage-formula" not in s] == []


def test_workers_share_the_preloaded_app_and_memory_counts_shared_pages_once(
        sqlite_path: Path) -> None:
    """The workers are forked from a master that loaded the app and built the geometry:
    each still shares the master's written pages (tens of MB of Python heap), so the
    server's memory (proportional set sizes, summed) is well below the sum of resident sets,
    which counts a shared page once per process."""
    url = f"sqlite:///{sqlite_path}"
    with bench.running_server(url, workers=2) as (server, _cache):
        workers = server.pids()[1:]
        assert len(workers) == 2
        shared = [bench.smaps_kb(pid, "Shared_Dirty") / 1024 for pid in workers]
        assert all(mb > 30 for mb in shared), shared  # without preload: a few MB at most
        assert not bench.new_browser(server.base).load("/", "").errors
        peak, each = server.peak_rss_mb()
        assert len(each) == 3 and abs(sum(each) - peak) < 1e-6
        assert 50 < peak < server.rss_sum_mb()


@pytest.mark.postgres
def test_the_benchmark_creates_its_postgres_database_once() -> None:
    """queries.bulk.ensure_database (the benchmark's ``countydash_bench_<scale>``): created
    when missing, left as it is when there (a table made in between survives)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from queries.bulk import ensure_database
    from tests.conftest import drop_pg_database, pg_admin_url, skip_or_fail

    admin_url = pg_admin_url()
    if not admin_url:
        skip_or_fail("COUNTYDASH_TEST_PG_URL is not set")
    assert admin_url
    name = f"countydash_ensure_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        ensure_database(admin_url, name)
        inside = create_engine(url)
        with inside.begin() as conn:
            conn.execute(text("CREATE TABLE kept (x int)"))
        ensure_database(admin_url, name)  # there: nothing happens to it
        with inside.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM kept")).scalar() == 0
        inside.dispose()
    finally:
        drop_pg_database(admin, name)
