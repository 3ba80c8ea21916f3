"""The grid map in real headless Chromium: drill down by clicking, back/forward, fresh URLs."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from dashboard import ids
from geodata.layers import build_layers, label_points
from queries.context import QueryContext
from queries.geometry import fetch_area_shapes

pytestmark = pytest.mark.browser

PERIOD = "from=2026-01-01&to=2026-11-21"

# Screen position of a lon/lat inside the map, from the MapLibre map that plotly draws into.
PROJECT_JS = """([lon, lat]) => {
  const gd = document.querySelector('#map-graph .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const p = map.project([lon, lat]);
  const r = map.getContainer().getBoundingClientRect();
  return [r.left + p.x, r.top + p.y];
}"""
LOCATIONS_JS = """() => {
  const gd = document.querySelector('#map-graph .js-plotly-plot');
  if (!gd || !gd.data || !gd._fullLayout.map) return [];
  return gd.data.slice(0, 2).flatMap(t => t.locations || []);
}"""


@pytest.fixture(scope="module")
def path(sqlite_engine: Engine) -> dict[str, dict[str, object]]:
    """A town, one of its villages and one of that village's grids, with label points."""
    from tests import reference

    workers = reference.raw(sqlite_engine, "grid_workers").set_index("grid_code")["name"]
    layers = build_layers(fetch_area_shapes(QueryContext(engine=sqlite_engine)))
    exact = layers.exact
    points = label_points(exact).set_index("code")
    town = sorted(exact.index[exact["level"] == "town"])[5]
    village = sorted(exact.index[exact["parent_code"] == town])[0]
    grid = sorted(exact.index[exact["parent_code"] == village])[0]
    return {code: {"name": exact.loc[code, "name"], "lon": points.loc[code, "lon"],
                   "lat": points.loc[code, "lat"], "siblings": sorted(
                       exact.index[exact["parent_code"] == exact.loc[code, "parent_code"]]),
                   "worker": workers.get(code)}
            for code in (town, village, grid)} | {"order": [town, village, grid]}  # type: ignore[dict-item]


def wait_for_map(page, codes: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        f"(() => {{ const l = ({LOCATIONS_JS})(); const want = {codes!r};"
        " return want.every(c => l.includes(c)) && l.length === want.length; })()",
        timeout=30_000)
    # let MapLibre finish moving to the new bounds before projecting points
    page.wait_for_function(
        "(() => { const gd = document.querySelector('#map-graph .js-plotly-plot');"
        " const m = gd._fullLayout.map._subplot.map; return m.loaded() && !m.isMoving(); })()",
        timeout=30_000)
    page.wait_for_timeout(300)


def click_area(page, info: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    x, y = page.evaluate(PROJECT_JS, [info["lon"], info["lat"]])
    page.mouse.click(x, y)


def crumbs(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(".area-path .crumb").all_inner_texts()


def test_map_drill_down_breadcrumb_url_and_back(watched_page, live_server, path) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    town, village, grid = path["order"]
    outputs: list[str] = []
    page.on("request", lambda r: outputs.append(r.post_data_json["output"])
            if "_dash-update-component" in r.url else None)
    page.goto(f"{live_server.url}/?{PERIOD}&metric=cases")
    wait_for_map(page, path[town]["siblings"])
    asked = [o for o in outputs if o.startswith("..shell-view.data@")]
    assert len(asked) == 1, outputs  # the page's first URL is the server's to check
    assert sum("shell-page.children" in o for o in outputs) == 1, outputs  # built once
    loaded = len(outputs)
    # the period presets' URL writer waits for a click (the buttons are in the shell)
    assert not [o for o in outputs if "shell-url" in o], outputs

    click_area(page, path[town])
    page.wait_for_url(f"**area={town}**", timeout=20_000)
    wait_for_map(page, path[village]["siblings"])
    assert crumbs(page) == ["盘山县", path[town]["name"]]

    click_area(page, path[village])
    page.wait_for_url(f"**area={village}**", timeout=20_000)
    wait_for_map(page, path[grid]["siblings"])
    assert crumbs(page) == ["盘山县", path[town]["name"], path[village]["name"]]

    click_area(page, path[grid])
    page.wait_for_url(f"**area={grid}**", timeout=20_000)
    page.wait_for_selector(f'.grid-card[data-grid="{grid}"]', timeout=20_000)
    assert crumbs(page) == ["盘山县", path[town]["name"], path[village]["name"],
                            path[grid]["name"]]
    card = page.locator(".grid-card").inner_text()
    assert path[grid]["worker"] in card  # the county demo user may see personal fields
    assert "metric=cases" in page.url and "from=2026-01-01" in page.url

    page.go_back()
    page.wait_for_url(f"**area={village}**", timeout=20_000)
    page.wait_for_function(
        f"document.querySelector('.area-path .crumb.current').innerText === "
        f"{path[village]['name']!r}", timeout=20_000)
    page.wait_for_selector(".grid-card", state="detached", timeout=20_000)

    page.go_forward()
    page.wait_for_selector(f'.grid-card[data-grid="{grid}"]', timeout=20_000)
    # every move since - three drill-downs, back, forward - was made into a view in the
    # browser (assets/clientside.js viewFromUrl): no request asked the server for one
    assert [o for o in outputs if o.startswith("..shell-view.data@")] == asked, outputs
    # nor the page, nor the period presets' URL writer (the presets come with the page)
    moves = outputs[loaded:]
    assert not [o for o in moves if "shell-page" in o or "shell-url" in o], moves

    # the same URL opened fresh shows the same view
    url = page.url
    fresh = page.context.new_page()
    fresh.goto(url)
    fresh.wait_for_selector(f'.grid-card[data-grid="{grid}"]', timeout=30_000)
    assert fresh.locator(".area-path .crumb").all_inner_texts() == crumbs(page)
    watched_page.screenshot("map-grid-card")
    watched_page.assert_clean()


def test_period_preset_sets_the_period_and_follows_the_language(  # type: ignore[no-untyped-def]
        watched_page, live_server, sqlite_engine, path) -> None:
    from datetime import timedelta

    from queries import stamp

    page = watched_page.page
    town = path["order"][0]
    last = (stamp.as_of(sqlite_engine) - timedelta(seconds=1)).date()
    page.goto(f"{live_server.url}/?area={town}&{PERIOD}&metric=cases")
    wait_for_map(page, path[path["order"][1]]["siblings"])
    page.get_by_role("button", name="近7天").click()
    start = (last - timedelta(days=6)).isoformat()
    page.wait_for_url(f"**from={start}**", timeout=20_000)
    assert f"to={last.isoformat()}" in page.url and f"area={town}" in page.url
    assert "metric=cases" in page.url
    page.wait_for_function(  # the picker shows the preset's days
        f"document.querySelector('#{ids.Shell.PERIOD}').value === {start!r} && document"
        f".querySelector('#{ids.Shell.PERIOD}-end-date').value === {last.isoformat()!r}",
        timeout=20_000)
    assert page.locator(f"#{ids.Shell.PERIOD}").get_attribute("aria-label") == "开始日期"
    # the same buttons, labelled in the page's language
    page.goto(f"{live_server.url}/?area={town}&lang=en")
    page.get_by_role("button", name="Last 7 days").wait_for(timeout=20_000)
    assert page.locator(".preset-btn").all_inner_texts() == [
        "Last 7 days", "Last 30 days", "This month", "This year"]
    assert page.locator(f"#{ids.Shell.PERIOD}").get_attribute("aria-label") == "Start date"
    watched_page.assert_clean()


FIGURE_JS = """() => {
  const gd = document.querySelector('#map-graph .js-plotly-plot');
  return [0, 1, 3].map(i => ({locations: gd.data[i].locations || null, z: gd.data[i].z || null,
                              text: gd.data[i].text || null, zmax: gd.data[i].zmax || null}));
}"""


def pick_metric(page, label: str, name: str, shown: str) -> None:  # type: ignore[no-untyped-def]
    """Pick the metric ``label`` in the map's picker; wait for the URL to name it and for the
    map's hover text to show ``shown``."""
    page.locator("#map-metric").click()
    page.get_by_text(label, exact=True).last.click()
    page.wait_for_url(f"**metric={name}**", timeout=20_000)
    page.wait_for_function(
        "document.querySelector('#map-graph .js-plotly-plot').data[0]"
        f".text.join('').includes({shown!r})", timeout=20_000)


def test_map_metric_change_is_made_in_the_browser(watched_page, live_server, path) -> None:  # type: ignore[no-untyped-def]
    """A metric whose colourings came with the map (layouts.map.BROWSER_METRICS) is shown
    without a request, and exactly as the server draws it for a fresh URL; a server-drawn
    metric (the warning tier) is asked for, as colours only (no geometry), and the way back
    is in the browser again."""
    page = watched_page.page
    town = path["order"][0]
    villages = path[path["order"][1]]["siblings"]
    # what the server draws for open_now, from a fresh URL
    page.goto(f"{live_server.url}/?area={town}&{PERIOD}&metric=open_now")
    wait_for_map(page, villages)
    page.wait_for_function("document.querySelector('#map-graph .js-plotly-plot').data[0]"
                           ".text.join('').includes('当前未办结')", timeout=20_000)
    drawn = page.evaluate(FIGURE_JS)

    page.goto(f"{live_server.url}/?area={town}&{PERIOD}&metric=cases")
    wait_for_map(page, villages)
    outputs: list[str] = []
    page.on("request", lambda r: outputs.append(r.post_data_json["output"])
            if "_dash-update-component" in r.url else None)
    pick_metric(page, "当前未办结", "open_now", "当前未办结")
    page.wait_for_timeout(500)
    # no request at all: the map's colours came with it; the KPI cards, the child table and
    # the coverage panel do not show the metric (callbacks.shell.panel_view); the links to
    # views follow it in the browser
    assert outputs == [], outputs
    assert page.evaluate(FIGURE_JS) == drawn
    links = page.eval_on_selector_all(
        "#shell-navbar a.nav-link, #shell-navbar a.lang-switch, #shell-breadcrumb a.crumb,"
        " #coverage-more", "els => els.map(e => e.getAttribute('href'))")
    assert len(links) >= 6 and all("metric=open_now" in h for h in links), links

    # the warning tier is the server's: asked for, colours only
    page.locator("#map-metric").click()
    with page.expect_response(lambda r: "_dash-update-component" in r.url
                              and "map-graph" in (r.request.post_data or ""),
                              timeout=20_000) as asked:
        page.get_by_text("预警等级", exact=True).last.click()
    tier = asked.value.text()
    assert '"map-graph"' in tier, "the warning tier is drawn by the server"
    assert '"geojson"' not in tier and "FeatureCollection" not in tier
    page.wait_for_url("**metric=warning_tier**", timeout=20_000)
    page.wait_for_function(
        "document.querySelector('#map-graph .js-plotly-plot').data[0]"
        ".text.join('').includes('预警')", timeout=20_000)
    pick_metric(page, "当前未办结", "open_now", "当前未办结")  # and back, in the browser
    assert page.evaluate(FIGURE_JS) == drawn
    watched_page.assert_clean()


def test_a_metric_picked_while_the_map_is_on_its_way_is_the_one_shown(  # type: ignore[no-untyped-def]
        watched_page, live_server, path) -> None:
    """The map is asked for with the view's metric of that moment; a metric picked before
    it arrives (its colourings are not here yet) is applied when it arrives, with them."""
    page = watched_page.page
    town = path["order"][0]
    page.goto(f"{live_server.url}/?area={town}&{PERIOD}&metric=cases")
    wait_for_map(page, path[path["order"][1]]["siblings"])
    held: list[object] = []

    def hold_map(route) -> None:  # type: ignore[no-untyped-def]
        if "map-graph" in (route.request.post_data or ""):
            held.append(route)  # sent on below, once the metric is picked
        else:
            route.continue_()

    page.route("**/_dash-update-component*", hold_map)
    page.get_by_role("button", name="近7天").click()  # a new period: the server's map
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1, "the new period asks the server for the map"
    asked = held[0].request.post_data_json  # type: ignore[attr-defined]
    view = next(s["value"] for s in asked["state"] if s["id"] == ids.Shell.VIEW)
    assert view["metric"] == "cases"  # drawn with the metric of that moment
    page.locator("#map-metric").click()
    page.get_by_text("当前未办结", exact=True).last.click()
    page.wait_for_url("**metric=open_now**", timeout=20_000)
    page.wait_for_timeout(300)
    held[0].continue_()  # type: ignore[attr-defined]
    page.wait_for_function(
        "document.querySelector('#map-graph .js-plotly-plot').data[0]"
        ".text.join('').includes('当前未办结')", timeout=20_000)
    page.wait_for_timeout(500)
    texts = page.evaluate("document.querySelector('#map-graph .js-plotly-plot').data[0].text")
    assert texts and all("当前未办结" in x for x in texts), texts
    page.unroute("**/_dash-update-component*")
    watched_page.assert_clean()


def test_map_unknown_and_malformed_area(watched_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    page.goto(f"{live_server.url}/?area=%3Cscript%3E&metric=nope")
    page.wait_for_selector(".shell-alert .alert", timeout=20_000)
    assert page.locator(".area-path .crumb.current").inner_text() == "盘山县"
    page.wait_for_function(f"({LOCATIONS_JS})().length === 13", timeout=30_000)
    watched_page.assert_clean()
