"""The browser-side callbacks (``assets/clientside.js``) and their Python twins in
``dashboard.bench`` give the same URLs: the benchmark's renderer runs the twins, so a
difference would have it measure another page than the one users get."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from dashboard import bench
from dashboard.metrics import DEFAULT_MAP_METRIC, MAP_METRICS, map_metric
from dashboard.view import View, parse_query, to_query

pytestmark = pytest.mark.browser

P = "2026-10-23"
CASES = [
    # (clickData, search)
    ({"points": [{"location": "211122001"}]}, ""),
    ({"points": [{"location": "211122001"}]}, "?area=211122&from=2026-10-23&to=2026-11-21"),
    ({"points": [{"location": "211122001"}]}, "?lang=en&metric=overdue_now&area=211122"),
    ({"points": [{"location": "211122001"}]}, "?area=211122001"),  # already there
    ({"points": [{"location": "211122001"}]}, "?area=211122&lang=zh&cat=02&src=hotline"),
    ({"points": [{"curveNumber": 2}, {"location": "211122001002"}]}, "?from=" + P),
    ({"points": [{"location": 5}]}, "?area=211122"),  # not an area code
    ({"points": [{"location": "bad code!"}]}, "?area=211122"),
    ({"points": []}, "?area=211122"),
    (None, "?area=211122"),
    ({"points": [{"location": "211122001"}]}, "?area=211122&x=1&to=2026-11-21&from=" + P),
    ({"points": [{"location": "211122001"}]}, "?area=+211122+&metric=&src=a%20b"),
]

CALL_JS = """([name, cases, stopped]) => cases.map(args => {
  const cs = window.dash_clientside, plain = v => (v === cs.no_update ? null : v);
  try {
    const out = cs.countydash[name](...args);
    return Array.isArray(out) ? out.map(plain) : plain(out);
  } catch (e) { return e === cs.PreventUpdate ? stopped : String(e); }
})"""


def in_browser(watched_page, live_server, name: str, cases: list,  # type: ignore[no-untyped-def]
               stopped: object = None) -> list:
    """``countydash.<name>`` of assets/clientside.js on each case's arguments, in Chromium:
    ``no_update`` as None, a stopped update (PreventUpdate) as ``stopped``."""
    page = watched_page.page
    if not page.url.startswith(live_server.url):
        page.goto(f"{live_server.url}/?area=211122")
    page.wait_for_function("() => window.dash_clientside && window.dash_clientside.countydash")
    return page.evaluate(CALL_JS, [name, [list(c) for c in cases], stopped])  # type: ignore[no-any-return]


def test_drill_to_matches_its_python_twin(watched_page, live_server) -> None:  # type: ignore[no-untyped-def]
    got = in_browser(watched_page, live_server, "drill_to", CASES)
    want = [bench.drill_to(click, search) for click, search in CASES]
    assert got == want, json.dumps(list(zip(got, want, strict=True)), ensure_ascii=False)
    assert want[0] == "?area=211122001" and want[3] is None and want[6] is None
    watched_page.assert_clean()


def test_drill_to_writes_the_url_the_server_would_write() -> None:
    """For a URL the app wrote itself, the twin (so the browser) gives exactly what the
    server's query writer gives for the new area."""
    for search in ("", "?area=211122&metric=overdue_now&from=2026-10-23&to=2026-11-21",
                   "?area=211122&cat=02&src=hotline&lang=en"):
        want = to_query(parse_query(search), area="211122001", problems=())
        assert bench.drill_to({"points": [{"location": "211122001"}]}, search) == want


OPTIONS = [{"label": name, "value": name} for name in MAP_METRICS]
VIEW = {"area": "211122", "start": "2026-10-23", "end": "2026-11-21", "metric": "cases",
        "lang": "zh", "cat": None, "src": None, "problems": []}
METRIC_CASES = [
    # (view, the picker's value): the picker follows the view's metric, or the default
    (VIEW, "cases"), (VIEW, "open_now"), (VIEW, None),
    ({**VIEW, "metric": None}, "cases"), ({**VIEW, "metric": None}, DEFAULT_MAP_METRIC),
    ({**VIEW, "metric": "nope"}, "cases"), (None, None), ({}, "cases"),
]
TO_URL_CASES = [
    # (picked metric, search, view)
    ("open_now", "?area=211122&from=2026-10-23&to=2026-11-21&metric=cases", VIEW),
    ("cases", "?area=211122&metric=cases", VIEW),  # the one shown: nothing to write
    ("open_now", "", {**VIEW, "metric": None}),
    (DEFAULT_MAP_METRIC, "?area=211122", {**VIEW, "metric": None}),
    (None, "?area=211122", VIEW), ("", "?area=211122", VIEW),
    ("median_hours", "?lang=en&area=211122&x=1&metric=nope", {**VIEW, "metric": "nope"}),
]
PICKER_CASES = [
    # (view, the picker's start, end)
    (VIEW, None, None), (VIEW, "2026-10-23", "2026-11-21"),
    (VIEW, "2026-10-23T00:00:00", "2026-11-20"), (VIEW, "2026-01-01", "2026-11-21"),
    ({**VIEW, "start": None}, "2026-10-23", None), (None, None, None),
]

def test_pickers_match_their_python_twins(watched_page, live_server) -> None:  # type: ignore[no-untyped-def]
    got = [in_browser(watched_page, live_server, "metric_value",
                      [(*c, OPTIONS) for c in METRIC_CASES]),
           in_browser(watched_page, live_server, "metric_to_url",
                      [(*c, OPTIONS) for c in TO_URL_CASES]),
           in_browser(watched_page, live_server, "picker_dates", PICKER_CASES, [None, None])]
    want = [[bench.metric_value(view, current, OPTIONS) for view, current in METRIC_CASES],
            [bench.metric_to_url(m, search, view, OPTIONS) for m, search, view in TO_URL_CASES],
            [list(bench.picker_dates(*c)) for c in PICKER_CASES]]
    assert got == want, json.dumps([got, want], ensure_ascii=False)
    # the twins themselves, against the server's own definitions
    for view, current in METRIC_CASES:
        shown = map_metric(View.from_store(view).metric).name
        assert bench.metric_value(view, current, OPTIONS) == (None if shown == current
                                                              else shown)
    assert want[0][3] == DEFAULT_MAP_METRIC  # the browser's default is the server's
    assert want[1][1] is None and want[1][4] is None
    assert want[2][0] == ["2026-10-23", "2026-11-21"] and want[2][1] == [None, None]
    assert want[2][2] == [None, "2026-11-21"] and want[2][4] == [None, None]
    watched_page.assert_clean()


def test_metric_to_url_writes_the_url_the_server_would_write() -> None:
    for search in ("", "?area=211122&metric=cases&from=2026-10-23&to=2026-11-21",
                   "?area=211122001&cat=02&src=hotline&lang=en"):
        view = parse_query(search)
        want = to_query(replace(view, metric="open_now", problems=()))
        assert bench.metric_to_url("open_now", search, View(metric=view.metric).to_store(),
                                   OPTIONS) == want


PAGE_CASES = [
    # (pathname, view, the page key the shell holds)
    ("/", VIEW, {"path": "/", "lang": "zh"}),  # a drill-down or a new period: same page
    ("/cases", VIEW, {"path": "/", "lang": "zh"}),
    ("/", {**VIEW, "lang": "en"}, {"path": "/", "lang": "zh"}),
    ("/", VIEW, None), (None, None, None), ("", {**VIEW, "lang": None}, {"path": "/"}),
]

def test_page_wanted_matches_its_python_twin(watched_page, live_server) -> None:  # type: ignore[no-untyped-def]
    got = in_browser(watched_page, live_server, "page_wanted", PAGE_CASES)
    want = [bench.page_wanted(*c) for c in PAGE_CASES]
    assert got == want, json.dumps([got, want], ensure_ascii=False)
    assert want[0] is None and want[1] == {"path": "/cases", "lang": "zh"}
    assert want[5] == {"path": "/", "lang": "zh"}
    watched_page.assert_clean()


LINKS = [{"type": "export-link", "index": i} for i in ("map.png", "stages.svg", "brief.pdf")]
EXPORT_CASES = [
    VIEW, {**VIEW, "lang": "en", "cat": "02", "src": "hotline"},
    {**VIEW, "metric": None, "area": "211122001002"}, {**VIEW, "start": None}, None,
]

def test_export_links_match_the_servers(watched_page, live_server) -> None:  # type: ignore[no-untyped-def]
    got = in_browser(watched_page, live_server, "export_links",
                     [(view, LINKS) for view in EXPORT_CASES])
    want = [bench.export_links(view, LINKS) for view in EXPORT_CASES]
    assert got == want, json.dumps([got, want], ensure_ascii=False)
    assert want[0] == ["/export/chart/map.png?area=211122&metric=cases&from=2026-10-23"
                       "&to=2026-11-21", "/export/chart/stages.svg?area=211122&metric=cases"
                       "&from=2026-10-23&to=2026-11-21",
                       "/export/brief.pdf?area=211122&metric=cases&from=2026-10-23"
                       "&to=2026-11-21"]
    assert want[3] is None and want[4] is None
    # the links on the page are the browser's
    watched_page.page.wait_for_selector("a[href^='/export/chart/map.png?area=211122']",
                                        timeout=20_000)
    watched_page.assert_clean()


SHOWN = "?area=211122&from=2026-10-23&to=2026-11-21"
VIEW_CASES = [
    # (search, view, the URL the view was made from)
    ("?area=211122001&from=2026-10-23&to=2026-11-21", VIEW, SHOWN),  # a drill-down
    ("?area=211122&metric=open_now&from=2026-10-23&to=2026-11-21", VIEW, SHOWN),
    ("?area=211122&from=2026-01-01&to=2026-11-21", VIEW, SHOWN),  # a period
    ("?area=211122&from=2026-01-01&to=2026-11-21&cat=02&src=hotline", VIEW, SHOWN),
    ("?area=211122&from=2026-10-23&to=2026-11-21&cat=bad!&src=mail", VIEW, SHOWN),
    ("?area=211122&from=2026-10-23&to=2026-11-21&metric=Bad", VIEW, SHOWN),
    ("?area=+211122001+&to=2026-11-21&from=2026-10-23&x=1", VIEW, SHOWN),
    (SHOWN, VIEW, SHOWN),  # the same URL (another page): nothing to do
    ("?area=211122001", {**VIEW, "start": "2026-10-23"}, "?area=211122"),  # default period
    # the server's: a first URL, no area, another language, malformed or partial periods
    (SHOWN, None, None), (SHOWN, VIEW, None), ("", VIEW, SHOWN),
    ("?from=2026-10-23&to=2026-11-21", VIEW, SHOWN), (SHOWN + "&lang=en", VIEW, SHOWN),
    ("?area=bad%20code&from=2026-10-23&to=2026-11-21", VIEW, SHOWN),
    ("?area=211122&from=2026-02-30&to=2026-11-21", VIEW, SHOWN),
    ("?area=211122&from=2026-11-21&to=2026-10-23", VIEW, SHOWN),
    ("?area=211122&from=20261023&to=2026-11-21", VIEW, SHOWN),
    ("?area=211122&from=0000-01-01&to=2026-11-21", VIEW, SHOWN),
    ("?area=211122&to=2026-11-21", VIEW, SHOWN),
    ("?area=211122001", VIEW, SHOWN),  # back to a default period: the server's as-of day
]
PANEL = {**VIEW, "metric": None}
PANEL_CASES = [
    # (search, view, its URL, the panels' view): a metric change leaves the panels' view
    ("?area=211122&metric=open_now&from=2026-10-23&to=2026-11-21", VIEW, SHOWN, PANEL),
    ("?area=211122001&from=2026-10-23&to=2026-11-21", VIEW, SHOWN, PANEL),
    ("?area=211122&metric=cases&from=2026-10-23&to=2026-11-21", VIEW, SHOWN,
     {**PANEL, "area": "211122001"}),
]
PERIOD_CASES = [
    # (the picker's start, end, search, view)
    ("2026-01-01", "2026-11-21", SHOWN + "&metric=cases", VIEW),
    ("2026-01-01T00:00:00", "2026-11-21T00:00:00", "?area=211122&lang=en", VIEW),
    ("2026-10-23", "2026-11-21", SHOWN, VIEW),  # the view's period: nothing to write
    ("2026-01-01", None, SHOWN, VIEW), ("2026-02-30", "2026-11-21", SHOWN, VIEW),
    ("2026-01-01", "2026-11-21", "", None),
]


def test_view_and_period_writers_match_their_python_twins(watched_page, live_server) -> None:  # type: ignore[no-untyped-def]
    got = [in_browser(watched_page, live_server, "view_from_url", VIEW_CASES),
           in_browser(watched_page, live_server, "period_to_url", PERIOD_CASES),
           in_browser(watched_page, live_server, "view_from_url", PANEL_CASES),
           in_browser(watched_page, live_server, "coverage_link",
                      [(VIEW,), (PANEL,), ({**VIEW, "lang": "en", "cat": "02"},)])]
    want = [[list(bench.view_from_url(*c)) for c in VIEW_CASES],
            [bench.period_to_url(*c) for c in PERIOD_CASES],
            [list(bench.view_from_url(*c)) for c in PANEL_CASES],
            [bench.coverage_link(v) for v in (VIEW, {**VIEW, "metric": None},
                                               {**VIEW, "lang": "en", "cat": "02"})]]
    assert got == want, json.dumps([got, want], ensure_ascii=False)
    made_here = [w[0] is not None for w in want[0]]
    assert made_here == [True] * 7 + [False, True] + [False] * 12, made_here
    assert want[0][7] == [None] * 5
    assert want[0][9] == [None, None, SHOWN, {"search": SHOWN}, None]  # asked of the server
    assert want[1][2] is None and want[1][3] is None and want[1][4] is None
    panels = [w[4] for w in want[2]]  # the metric alone leaves the panels' view as it is
    assert panels == [None, {**PANEL, "area": "211122001"}, PANEL], panels
    assert want[3][0] == "/coverage?area=211122&metric=cases&from=2026-10-23&to=2026-11-21"
    watched_page.assert_clean()


def test_the_browser_makes_the_view_the_server_would_make() -> None:
    """Where the browser makes the view itself, it is the server's view of that URL (the
    view's own parser: dashboard.view.parse_query), and the server is asked for the rest;
    the browser's patterns and sources are the server's."""
    from dashboard.schema import SOURCES
    from dashboard.view import AREA_CODE, CATEGORY, METRIC

    js = (bench.ROOT / "dashboard" / "assets" / "clientside.js").read_text()
    for name, pattern in (("AREA_CODE", AREA_CODE), ("METRIC", METRIC),
                          ("CATEGORY", CATEGORY)):
        assert f"var {name} = /{pattern.pattern}/;" in js, name
    assert "var SOURCES = " + json.dumps(list(SOURCES)).replace('"', "'") + ";" in js
    for search, view, shown_for in VIEW_CASES:
        made, alert, url, ask, panel = bench.view_from_url(search, view, shown_for)
        if made is None:
            continue
        server = parse_query(search).with_period(date.fromisoformat(view["end"]))
        assert made == server.to_store(), search
        assert alert == [] and url == search and ask is None
        assert panel == {**server.to_store(), "metric": None}
    for start, end, search, view in PERIOD_CASES:
        written = bench.period_to_url(start, end, search, view)
        if written is not None:
            want = replace(parse_query(search), start=date.fromisoformat(start[:10]),
                           end=date.fromisoformat(end[:10]), problems=())
            assert parse_query(written) == want, written


def _map_store_cases() -> tuple[list, list]:
    """(mapView cases, metricFromStore cases): a view per metric kind, the store made for it
    or for another view, a key already showing the metric."""
    from layouts.map import BROWSER_METRICS

    base = {"area": "211122001", "start": P, "end": "2026-11-21", "lang": "zh", "cat": None,
            "src": None, "problems": []}
    views = [{**base, "metric": m} for m in (None, "cases", "open_now", "warning_tier",
                                             "coverage_index", "nope")]
    views.append({**base, "metric": "cases", "lang": "en"})
    map_cases = [(v, None) for v in views] + [
        (views[1], {**views[1], "metric": None}),  # unchanged: no update
        (views[3], {**views[1], "metric": None}), (None, None), ({**base, "area": None}, None)]
    figure = {"data": [{"locations": ["a"], "z": [1], "text": ["甲"],
                        "colorbar": {"title": {"text": "件"}}, "geojson": {"g": 1}},
                       {"locations": [], "z": [], "text": []}, {"lon": [1]},
                       {"text": ["甲"]}], "layout": {"uirevision": "x"}}
    store = {"for": {"area": base["area"], "start": P, "end": "2026-11-21", "lang": "zh"},
             "metrics": {m: {"data.0.z": [i], "data.0.colorbar.title.text": m,
                             "data.3.text": [m], "data.1.locations": [f"w{i}"]}
                         for i, m in enumerate(BROWSER_METRICS)}}
    key = {"parent": "211122001", "selected": None, "lang": "zh", "metric": "overdue_now"}
    store_cases = [(v, store, figure, key) for v in views] + [
        (views[1], {**store, "for": {**store["for"], "start": "2026-01-01"}}, figure, key),
        (views[1], store, figure, {**key, "metric": "cases"}),  # shown already
        (views[1], None, figure, key), (views[1], store, None, key),
        (views[2], store, figure, None)]
    return map_cases, store_cases


def test_map_metric_in_the_browser_matches_its_python_twins(watched_page, live_server) -> None:  # type: ignore[no-untyped-def]
    """``mapView`` and ``metricFromStore`` give what their twins give (the benchmark's
    renderer runs the twins), and the browser's list of metrics it switches to by itself is
    the server's (layouts.map.BROWSER_METRICS)."""
    from layouts.map import BROWSER_METRICS

    map_cases, store_cases = _map_store_cases()
    got = [in_browser(watched_page, live_server, "map_view", map_cases),
           in_browser(watched_page, live_server, "metric_from_store", store_cases)]
    want = [[bench.map_view(*c) for c in map_cases],
            [list(bench.metric_from_store(*c)) for c in store_cases]]
    assert got == want, json.dumps([got, want], ensure_ascii=False)
    # the twins themselves: browser metrics leave the map's view without a metric, a
    # server-drawn one keeps it; the store applies only to its own view and a new metric
    assert [v["metric"] if v else v for v in want[0][:7]] == [
        None, None, None, "warning_tier", "coverage_index", "nope", None]
    assert want[0][7] is None and want[0][8]["metric"] == "warning_tier"
    assert want[0][9] is None and want[0][10] is None
    figure, key = store_cases[0][2], store_cases[0][3]
    assert want[1][0] == [None, None]  # overdue_now (the default) is shown already
    cases_fig, cases_key = want[1][1]
    i = BROWSER_METRICS.index("cases")
    assert cases_fig["data"][0]["z"] == [i] and cases_fig["data"][3]["text"] == ["cases"]
    assert cases_fig["data"][0]["colorbar"]["title"]["text"] == "cases"
    assert cases_fig["data"][0]["geojson"] == figure["data"][0]["geojson"]
    assert cases_fig["data"][2] == figure["data"][2] and cases_key == {**key, "metric": "cases"}
    assert figure["data"][0]["z"] == [1]  # the figure given is left as it was
    assert want[1][3:7] == [[None, None]] * 4  # server-drawn, unknown, another language
    assert want[1][7:11] == [[None, None]] * 4  # another period, shown already, no store
    assert want[1][11][1] == {"metric": "open_now"}
    js = watched_page.page.evaluate(
        "() => fetch('/assets/clientside.js').then(r => r.text())")
    listed = js.split("var BROWSER_METRICS = [", 1)[1].split("]", 1)[0]
    assert [m.strip().strip("'") for m in listed.replace("\n", "").split(",")] == list(
        BROWSER_METRICS)
    watched_page.assert_clean()


def test_link_metric_matches_its_python_twin(watched_page, live_server) -> None:  # type: ignore[no-untyped-def]
    """``linkMetric``: the links to views (navbar, language switch, breadcrumb) take the
    view's metric, written where ``to_query`` writes it; the twin gives the same hrefs, and
    they are the hrefs the server writes for the view with that metric."""
    view = View.from_store({"area": "211122001", "start": P, "end": "2026-11-21",
                            "lang": "zh"})
    hrefs = ["/" + to_query(view), "/cases" + to_query(view), "/?" + "lang=en&area=211122001",
             "/audit" + to_query(replace(view, metric="cases")), "/coverage", None]
    cases = [({**view.to_store(), "metric": m}, hrefs) for m in (
        "open_now", "cases", None, "warning_tier")]
    cases += [(None, hrefs), ({**view.to_store(), "metric": None}, ["/", "/cases?area=1"]),
              ({**view.to_store(), "metric": "open_now"}, "not a list")]
    got = in_browser(watched_page, live_server, "link_metric", cases)
    want = [bench.link_metric(*c) for c in cases]
    assert got == want, json.dumps([got, want], ensure_ascii=False)
    first = want[0]
    assert first[0] == "/" + to_query(replace(view, metric="open_now"))
    assert first[1] == "/cases" + to_query(replace(view, metric="open_now"))
    assert first[4] == "/coverage?metric=open_now" and first[5] is None
    assert want[2][3] == "/audit" + to_query(view)  # no metric: the default, left out
    assert want[4] is None and want[5] is None and want[6] is None  # nothing to change
    watched_page.assert_clean()
