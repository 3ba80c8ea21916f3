"""The big screen in real headless Chromium: fits 1080p and 4K exactly, large type, offline,
refreshes with new data, kiosk links are read-only aggregates, survives a database outage."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from tests.browser.conftest import ARTIFACTS, login, serve, watch

pytestmark = pytest.mark.browser

MEASURE_FONTS = """() => {
  const stage = document.querySelector('.screen-stage');
  const out = {min: 1e9, minText: '', kpiMin: 1e9, count: 0};
  for (const el of stage.querySelectorAll('*')) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    out.count += 1;
    if (size < out.min) { out.min = size; out.minText = el.textContent.trim().slice(0, 30); }
    if (el.matches('[data-screen-kpi], [data-screen-tier]')) {
      out.kpiMin = Math.min(out.kpiMin, size);
    }
  }
  return out;
}"""
FITS = """() => ({sw: document.documentElement.scrollWidth,
  sh: document.documentElement.scrollHeight, w: window.innerWidth, h: window.innerHeight,
  stage: document.querySelector('.screen-stage').getBoundingClientRect().toJSON()})"""


def wait_ready(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector('[data-screen-kpi="open"]', timeout=30_000)
    page.wait_for_selector('[data-screen-tier="red"]', timeout=30_000)
    page.wait_for_function(
        "document.querySelectorAll('.screen-stage .js-plotly-plot .main-svg').length >= 2",
        timeout=30_000)
    page.wait_for_timeout(1500)  # let the stage scaler and MapLibre settle


@pytest.mark.parametrize("width,height", [(1920, 1080), (3840, 2160)])
def test_screen_fits_exactly_with_large_type(browser, live_server, width: int, height: int  # type: ignore[no-untyped-def]
                                             ) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    login(context, live_server.url)
    w = watch(context, live_server.url)
    w.page.goto(f"{live_server.url}/screen")
    wait_ready(w.page)
    fits = w.page.evaluate(FITS)
    assert fits["sw"] <= fits["w"] and fits["sh"] <= fits["h"], fits
    stage = fits["stage"]
    assert stage["width"] == pytest.approx(width, abs=2)
    assert stage["height"] == pytest.approx(height, abs=2)
    fonts = w.page.evaluate(MEASURE_FONTS)
    assert fonts["count"] > 20
    assert fonts["min"] >= 18, fonts  # stage px: scaled 1x at 1080p, 2x at 4K
    assert fonts["kpiMin"] >= 48, fonts
    assert w.page.locator(".app-navbar").is_hidden()  # no controls in sight
    w.screenshot(f"screen-{width}x{height}")
    w.assert_clean()
    context.close()


@pytest.fixture
def scratch_sqlite(sqlite_path: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database that a test may change (SQLite's backup API, so
    that what is still in the write-ahead log is copied too)."""
    import sqlite3

    copy = tmp_path / "scratch.sqlite"
    with sqlite3.connect(sqlite_path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    return copy


def test_screen_shows_new_cases_within_one_refresh(browser, scratch_sqlite: Path) -> None:  # type: ignore[no-untyped-def]
    from dashboard import db
    from dashboard.simulate import run

    url = f"sqlite:///{scratch_sqlite}"
    with serve({"DATABASE_URL": url, "COUNTYDASH_SCREEN_REFRESH": "2"}) as server:
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        login(context, server.url)
        w = watch(context, server.url)
        w.page.goto(f"{server.url}/screen")
        wait_ready(w.page)
        before = w.page.locator('[data-screen-kpi="open"]').inner_text()
        inserted = run(db.get_engine(url), rate_per_minute=600, duration_s=3, tick_s=1,
                       resolve_share=0.0, log=None)
        assert inserted >= 20
        want = f"{int(before.replace(',', '')) + inserted:,}"
        # the refresh runs every 2 s: the new cases are on screen within one or two of them
        w.page.wait_for_function(
            "(v) => document.querySelector('[data-screen-kpi=open]').innerText === v", arg=want,
            timeout=10_000)
        w.assert_clean()
        context.close()


def test_kiosk_link_is_read_only_aggregates_of_one_area(browser, scratch_sqlite: Path) -> None:  # type: ignore[no-untyped-def]
    from dashboard import db
    from dashboard.auth import new_kiosk_token
    from queries.users import insert_kiosk_token, revoke_kiosk_token
    from tests import reference

    url = f"sqlite:///{scratch_sqlite}"
    engine = db.get_engine(url)
    areas = reference.raw(engine, "areas")
    towns = sorted(areas.loc[areas["level"] == "town", "code"])
    own, other = towns[4], towns[-1]
    other_name = areas.set_index("code").loc[other, "name"]
    token, token_hash = new_kiosk_token()
    token_id = insert_kiosk_token(engine, token_hash, own, "wall")
    with serve({"DATABASE_URL": url}) as server:
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        w = watch(context, server.url)
        w.page.goto(f"{server.url}/screen?kiosk={token}&area={other}")
        wait_ready(w.page)
        own_name = areas.set_index("code").loc[own, "name"]
        assert w.page.locator(".screen-area").inner_text() == own_name  # not the asked area
        assert other_name not in w.page.content()
        req = context.request
        for path in ("/", "/cases", "/coverage", "/audit", "/warnings"):
            assert req.get(f"{server.url}{path}", max_redirects=0).status == 403, path
        # crafted callback requests for a grid card (a case list and a person) get nothing
        grid = sorted(areas.loc[(areas["level"] == "grid")
                                & areas["code"].isin(reference.subtree(engine, own)), "code"])[0]
        body = req.post(f"{server.url}/_dash-update-component", data={
            "output": "..map-graph.figure...map-key.data...map-hint.children...map-card.children..",
            "outputs": [{"id": "map-graph", "property": "figure"},
                        {"id": "map-key", "property": "data"},
                        {"id": "map-hint", "property": "children"},
                        {"id": "map-card", "property": "children"}],
            "inputs": [{"id": "shell-view", "property": "data", "value": {
                "area": grid, "start": "2026-01-01", "end": "2026-11-21", "lang": "zh"}}],
            "state": [{"id": "map-key", "property": "data", "value": None}],
            "changedPropIds": ["shell-view.data"]}).text()
        workers = reference.raw(engine, "grid_workers").set_index("grid_code")
        assert workers.loc[grid, "phone"][-4:] not in body
        assert "grid-card" not in body
        assert revoke_kiosk_token(engine, token_id) == 1
        assert req.get(f"{server.url}/screen", max_redirects=0).status == 403
        w.assert_clean()
        context.close()
    audit = reference.raw(engine, "audit_log")
    assert (audit["action"] == "kiosk_use").any()


class TcpProxy:
    """A loopback TCP forwarder we can stop and start: the database "goes away"."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.listener.close()
        self.conns: list[socket.socket] = []
        self.running = False

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.running:  # accepted while stopping: the database is away
                client.close()
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self.running = False
        # shut down first: close() alone does not wake a thread blocked in accept(), which
        # then took the pool's next connection and the database was never away
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.conns = []


@pytest.fixture
def proxied_pg(pg_engine) -> Iterator[tuple[str, TcpProxy]]:  # type: ignore[no-untyped-def]
    """The demo PostgreSQL database behind a stoppable proxy."""
    url = pg_engine.url
    proxy = TcpProxy(url.port or 5432)
    proxy.start()
    yield url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy
    proxy.stop()


@pytest.mark.postgres
def test_screen_goes_stale_when_the_database_stops_and_recovers(browser, proxied_pg) -> None:  # type: ignore[no-untyped-def]
    url, proxy = proxied_pg
    with serve({"DATABASE_URL": url, "COUNTYDASH_SCREEN_REFRESH": "2"}) as server:
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        login(context, server.url)
        page = context.new_page()
        page.goto(f"{server.url}/screen")
        wait_ready(page)
        open_before = page.locator('[data-screen-kpi="open"]').inner_text()
        proxy.stop()
        page.wait_for_selector('[data-stale="1"]', timeout=20_000)
        # the last figures stay on screen while the database is away
        assert page.locator('[data-screen-kpi="open"]').inner_text() == open_before
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "screen-stale.png"))
        proxy.start()
        page.wait_for_selector('[data-stale="0"]', timeout=30_000)
        context.close()
    create_engine(url).dispose()
