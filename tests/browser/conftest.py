"""A live app on 127.0.0.1 and Debian's Chromium driven by Playwright (no downloaded browser)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from werkzeug.serving import make_server

from dashboard.settings import Settings
from tests.conftest import skip_or_fail

CHROMIUM = os.environ.get("COUNTYDASH_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--enable-unsafe-swiftshader",
]


@dataclass
class LiveServer:
    url: str
    thread: threading.Thread
    server: object


@contextmanager
def serve(env: dict[str, str]) -> Iterator[LiveServer]:
    """The app built from ``env`` settings, served by werkzeug in a thread on 127.0.0.1."""
    from dashboard.factory import create_app

    app = create_app(Settings.from_env({"COUNTYDASH_CACHE": "simple", **env}))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", thread=thread,
                         server=server)
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def live_server(sqlite_path: Path) -> Iterator[LiveServer]:
    """The app on the demo SQLite database (read-only use)."""
    with serve({"DATABASE_URL": f"sqlite:///{sqlite_path}"}) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright manages the profile itself; a fresh one per session.
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


@dataclass
class Watched:
    """A page plus what it did: console errors, page errors, requests off the app's origin."""

    page: object
    origin: str
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.console_errors == [], self.console_errors
        assert self.foreign_requests == [], self.foreign_requests

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path


DEMO_PASSWORDS = {"county": "county-demo", "town": "town-demo", "village": "village-demo",
                  "analyst": "analyst-demo"}


def login(context, base_url: str, username: str = "county") -> None:  # type: ignore[no-untyped-def]
    """Sign the browser context in through the real login form endpoint."""
    resp = context.request.post(f"{base_url}/login", form={
        "username": username, "password": DEMO_PASSWORDS[username], "next": "/"},
        max_redirects=0)
    assert resp.status == 302, resp.status


def watch(context, base_url: str) -> Watched:  # type: ignore[no-untyped-def]
    """A new page of ``context`` that records console errors and off-origin requests."""
    page = context.new_page()
    origin = urlparse(base_url).netloc
    w = Watched(page=page, origin=origin)

    def on_console(msg) -> None:  # type: ignore[no-untyped-def]
        if msg.type == "error":
            w.console_errors.append(msg.text)

    def on_request(req) -> None:  # type: ignore[no-untyped-def]
        url = urlparse(req.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.netloc != origin:
            w.foreign_requests.append(req.url)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: w.console_errors.append(str(exc)))
    page.on("request", on_request)
    return w


@pytest.fixture
def watched_page(browser, live_server: LiveServer) -> Iterator[Watched]:  # type: ignore[no-untyped-def]
    """A page signed in as the county user (every page and callback needs a session)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    login(context, live_server.url)
    yield watch(context, live_server.url)
    context.close()
