"""``countydash bench``: the standard interactions, timed over HTTP against a real server.

The benchmark builds (or reuses) a demo county, starts the app under gunicorn on a free
loopback port (Redis cache when Redis answers, else a file cache), signs in, and drives the
real ``/_dash-update-component`` endpoint the way the browser does: :class:`Browser` is a
small Dash renderer that reads ``/_dash-layout`` and ``/_dash-dependencies``, fires every
callback whose inputs changed (and the initial calls of components a callback inserted),
feeds each response back into the page and keeps going until nothing is left to fire.

Per interaction it reports

- **server time**: the *critical path* of the callback requests the interaction triggers:
  the browser sends the requests of one round (callbacks that wait on nothing still pending)
  at once, so the user waits for the slowest request of each round, round after round. The
  requests are sent one at a time, so that they do not compete for the two cores; the sum of
  all request times is reported too (``cold_sum_p50_ms``). A request's server time is the
  app's own, from its arrival in the app to its response ready, compressed (the
  ``Server-Timing`` header of :class:`dashboard.factory.ServerTiming`, which the benchmark
  turns on); the same path in round trips as the client saw them, HTTP on loopback
  included, is reported beside it (``cold_round_trip_p50_ms`` ...). Static files,
  ``/_dash-layout`` and ``/_dash-dependencies`` (fetched once per page load, cacheable) are
  not counted;
- **as a browser** (``browser_cold_p50_ms`` ...): the same interaction with each round's
  requests sent at once, six at a time, as a browser sends them: the wall time a user
  waits, with the requests sharing the server's cores;
- **cold**: the shared query cache emptied just before the interaction (the per-process
  geometry, immutable per data version, stays built; the database's own page cache stays
  warm); **warm**: the same interaction repeated with the cache filled;
- **floor**: one hand-written SQL statement computing the interaction's figures over the
  raw tables with the same indexes (``queries.floors``), timed in this process just before
  each cold run of its interaction, so that app and floor are timed over the same minutes;
  the median of those;
- **bytes**: response bodies as sent on the wire (compressed), summed over the requests;
- **peak memory** (``peak_rss_mb``): the peak of the master's and the workers' proportional
  set sizes, summed (:class:`MemorySampler`): the workers are forked from a master that
  loaded the app, and share its pages until they write to them. ``rss_sum_mb``, the sum of
  each process's own peak resident set, counts each shared page once per process.
"""

from __future__ import annotations

import copy
import functools
import gc
import gzip
import http.client
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from dashboard import ids

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 22)
SEED = 7
USER, PASSWORD = "county", "county-demo"
DEFAULT_PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
ACCEPT_ENCODING = "gzip, deflate, br"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: Connections a browser opens to one host over HTTP/1.1 (Chromium, Firefox).
BROWSER_CONNECTIONS = 6

#: Targets of the issue (checked by the benchmark, reported as pass/fail, never asserted).
TARGETS = {"cold_p95_ms": 300.0, "warm_p95_ms": 30.0, "ratio_to_floor": 1.5,
           "bytes": 300_000, "peak_rss_mb": 600.0}


# --- HTTP ------------------------------------------------------------------------------------

@dataclass
class Reply:
    status: int
    wire_bytes: int
    ms: float  # the round trip, as this client saw it
    body: Any  # decoded JSON, or None
    server_ms: float | None = None  # the app's own time (its Server-Timing header)


def server_timing(header: str | None) -> float | None:
    """The ``app;dur=`` of a ``Server-Timing`` header (milliseconds), or None."""
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() == "app":
            for param in params.split(";"):
                key, _, value = param.strip().partition("=")
                if key == "dur":
                    try:
                        return float(value)
                    except ValueError:
                        return None
    return None


def decode_body(raw: bytes, encoding: str) -> bytes:
    if encoding == "br":
        import brotli

        return brotli.decompress(raw)  # type: ignore[no-any-return]
    if encoding == "gzip":
        return gzip.decompress(raw)
    if encoding == "deflate":
        return zlib.decompress(raw)
    return raw


class Http:
    """One browser session against ``base`` (loopback only): cookies, compressed bodies."""

    def __init__(self, base: str, timeout: float = 120.0) -> None:
        parts = urlsplit(base)
        if parts.hostname not in LOOPBACK:
            raise ValueError(f"refusing a non-loopback target: {base}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> Reply:
        headers = {"Accept-Encoding": ACCEPT_ENCODING, "Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in list(self.cookies.items()))
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            ms = (time.perf_counter() - started) * 1e3
            for value in resp.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(value)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            encoding = resp.headers.get("Content-Encoding", "")
            app_ms = server_timing(resp.headers.get("Server-Timing"))
            status = resp.status
            ctype = resp.headers.get("Content-Type", "")
        finally:
            conn.close()
        decoded = None
        if raw and "json" in ctype:
            decoded = json.loads(decode_body(raw, encoding))
        return Reply(status, len(raw), ms, decoded, app_ms)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post_json(self, path: str, payload: object) -> Reply:
        return self.request("POST", path, json.dumps(payload).encode(), "application/json")

    def login(self, username: str, password: str) -> None:
        body = urlencode({"username": username, "password": password, "next": "/"}).encode()
        reply = self.request("POST", "/login", body, "application/x-www-form-urlencoded")
        if reply.status != 302:
            raise RuntimeError(f"login as {username!r} failed with HTTP {reply.status}")


# --- the app's browser-side callbacks, as Python twins --------------------------------------

#: The order ``dashboard.view.to_query`` writes the URL's parameters in.
QUERY_KEYS = ("area", "metric", "from", "to", "cat", "src", "lang")


def _first_params(search: str | None) -> dict[str, str]:
    """The first value of each parameter, as the browser's ``URLSearchParams.get``."""
    from urllib.parse import parse_qsl

    out: dict[str, str] = {}
    for key, value in parse_qsl((search or "").removeprefix("?"), keep_blank_values=True):
        out.setdefault(key, value)
    return out


def _query(params: dict[str, str]) -> str:
    """``query()`` of ``assets/clientside.js``: the known parameters in order, trimmed, empty
    ones and the default language dropped, encoded as ``URLSearchParams`` encodes."""
    from urllib.parse import quote_plus

    parts = []
    for key in QUERY_KEYS:
        value = params.get(key)
        if value is None:
            continue
        value = value.strip()
        if value == "" or (key == "lang" and value == "zh"):
            continue
        parts.append(f"{key}={quote_plus(value, safe='*').replace('~', '%7E')}")
    return "?" + "&".join(parts) if parts else ""


def drill_to(click: dict[str, Any] | None, search: str | None) -> str | None:
    """``drillTo`` of ``assets/clientside.js`` (None for ``no_update``): a click on an area
    puts its code in the URL."""
    from dashboard.view import AREA_CODE

    if not click or not click.get("points"):
        return None
    code = next((p["location"] for p in click["points"]
                 if isinstance(p.get("location"), str)), None)
    if code is None or not AREA_CODE.fullmatch(code):
        return None
    params = _first_params(search)
    if params.get("area", "").strip() == code:
        return None
    params["area"] = code
    return _query(params)


def _shown_metric(view: dict[str, Any] | None, options: list[Any] | None) -> str:
    """``shownMetric`` of ``assets/clientside.js``: the view's metric when the picker offers
    it, else the default."""
    from dashboard.metrics import DEFAULT_MAP_METRIC

    name = (view or {}).get("metric")
    known = [o.get("value") if isinstance(o, dict) else o for o in options or []]
    return name if name in known else DEFAULT_MAP_METRIC


def metric_value(view: dict[str, Any] | None, current: str | None,
                 options: list[Any] | None) -> str | None:
    """``metricValue``: the view -> the metric picker (None: it shows it already)."""
    shown = _shown_metric(view, options)
    return None if shown == current else shown


def metric_to_url(metric: str | None, search: str | None, view: dict[str, Any] | None,
                  options: list[Any] | None) -> str | None:
    """``metricToUrl``: the metric picker -> the URL (None: no change)."""
    if not metric or metric == _shown_metric(view, options):
        return None
    params = _first_params(search)
    params["metric"] = metric
    return _query(params)


def picker_dates(view: dict[str, Any] | None, start: str | None, end: str | None
                 ) -> tuple[str | None, str | None]:
    """``pickerDates``: the view -> the period picker's dates (None: left as shown; both
    None where the browser's function stops the update)."""
    if not view or not view.get("start") or not view.get("end"):
        return None, None
    return (None if view["start"] == str(start or "")[:10] else view["start"],
            None if view["end"] == str(end or "")[:10] else view["end"])


def page_wanted(pathname: str | None, view: dict[str, Any] | None,
                key: dict[str, str] | None) -> dict[str, str] | None:
    """``pageWanted``: the page the shell should show (None: the one it shows)."""
    want = {"path": pathname or "/", "lang": (view or {}).get("lang") or "zh"}
    if key and key.get("path") == want["path"] and key.get("lang") == want["lang"]:
        return None
    return want


def export_links(view: dict[str, Any] | None, link_ids: list[dict[str, str]] | None
                 ) -> list[str] | None:
    """``exportLinks``: the view -> every export link's href (None where the browser's
    function stops the update): the server's own :func:`callbacks.export.update_export_links`."""
    from dash.exceptions import PreventUpdate

    from callbacks.export import update_export_links

    try:
        return update_export_links(view, link_ids or [])
    except PreventUpdate:
        return None


def _day(value: str | None) -> str | None:
    """``day`` of ``assets/clientside.js``: a calendar day written YYYY-MM-DD, or None."""
    import re

    if value is None or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _view_params(search: str | None) -> dict[str, str | None]:
    """``viewParams``: the first value of each parameter the view reads, trimmed."""
    params = _first_params(search)
    return {key: (params.get(key) or "").strip() or None for key in QUERY_KEYS}


def _moved(view: dict[str, Any], shown_for: str, search: str) -> dict[str, Any] | None:
    """``moved``: the view the server would make of ``search``, where it differs from
    ``shown_for`` only in what the server copies without a database; else None."""
    from dashboard.schema import SOURCES
    from dashboard.view import AREA_CODE, CATEGORY, METRIC

    old, now = _view_params(shown_for), _view_params(search)
    nxt = {**view, "problems": []}
    if now["lang"] != old["lang"]:
        return None
    if now["area"] != old["area"]:
        if now["area"] is None or not AREA_CODE.fullmatch(now["area"]):
            return None
        nxt["area"] = now["area"]
    if (now["from"], now["to"]) != (old["from"], old["to"]):
        start, end = _day(now["from"]), _day(now["to"])
        if start is None or end is None or start > end:
            return None
        nxt.update(start=start, end=end)
    metric, cat, src = now["metric"], now["cat"], now["src"]
    nxt["metric"] = metric if metric is not None and METRIC.fullmatch(metric) else None
    nxt["cat"] = cat if cat is not None and CATEGORY.fullmatch(cat) else None
    nxt["src"] = src if src in SOURCES else None
    return nxt


def view_from_url(search: str | None, view: dict[str, Any] | None, shown_for: str | None,
                  panel: dict[str, Any] | None = None) -> tuple[Any, Any, Any, Any, Any]:
    """``viewFromUrl``: the URL -> (view, alert, URL of the view, question to the server,
    the panels' view), None for ``no_update``: a move within the page made in the browser,
    else asked."""
    from callbacks.shell import panel_view

    here = search or ""
    known = bool(view and view.get("area") and view.get("start") and view.get("end")
                 and isinstance(shown_for, str))
    if known and here == shown_for:
        return None, None, None, None, None
    nxt = _moved(view, shown_for, here) if known else None  # type: ignore[arg-type]
    if nxt is not None:
        for_panels = panel_view(nxt)
        same = panel is not None and all(
            for_panels.get(k) == panel.get(k) for k in {*for_panels, *panel})
        return nxt, [], here, None, None if same else for_panels
    return None, None, here, {"search": here}, None


def coverage_link(view: dict[str, Any] | None) -> str | None:
    """``coverageLink``: the view -> the overview's link to the coverage page."""
    from dashboard.view import View, to_query

    if not view or not view.get("area"):
        return None
    return "/coverage" + to_query(View.from_store(view))


def period_to_url(start: str | None, end: str | None, search: str | None,
                  view: dict[str, Any] | None) -> str | None:
    """``periodToUrl``: the period picker -> the URL (None: no change)."""
    first, last = _day(str(start or "")[:10]), _day(str(end or "")[:10])
    if first is None or last is None:
        return None
    if view and view.get("start") == first and view.get("end") == last:
        return None
    params = _first_params(search)
    params.update({"from": first, "to": last})
    return _query(params)


def map_view(view: dict[str, Any] | None, current: dict[str, Any] | None
             ) -> dict[str, Any] | None:
    """``mapView``: the view -> the view the server's map reads, without a metric the
    browser switches to by itself (None: unchanged, or no view yet)."""
    from dashboard.metrics import DEFAULT_MAP_METRIC
    from layouts.map import BROWSER_METRICS

    if not view or not view.get("area"):
        return None
    shown = view.get("metric") or DEFAULT_MAP_METRIC
    nxt = {**view, "metric": None if shown in BROWSER_METRICS else view.get("metric")}
    return None if nxt == current else nxt


def metric_from_store(view: dict[str, Any] | None, stored: dict[str, Any] | None,
                      figure: dict[str, Any] | None, key: dict[str, Any] | None
                      ) -> tuple[Any, Any]:
    """``metricFromStore``: the view -> (the map's figure, its key) for a metric the browser
    switches to by itself, from the colourings sent with the map for this view (None, None:
    the server's)."""
    from dashboard.metrics import DEFAULT_MAP_METRIC
    from layouts.map import apply_changes

    if not view or not stored or not stored.get("metrics") or not stored.get("for") \
            or not figure or not figure.get("data"):
        return None, None
    want = view.get("metric") or DEFAULT_MAP_METRIC
    changes, made = stored["metrics"].get(want), stored["for"]
    if not changes or made.get("area") != view.get("area") \
            or made.get("start") != view.get("start") or made.get("end") != view.get("end") \
            or made.get("lang") != (view.get("lang") or "zh"):
        return None, None
    if key and key.get("metric") == want:
        return None, None
    return apply_changes(figure, changes), {**(key or {}), "metric": want}


def link_metric(view: dict[str, Any] | None, hrefs: list[Any] | None) -> list[Any] | None:
    """``linkMetric``: the view -> the links to views with the view's metric (None: none
    changed)."""
    if not view or not isinstance(hrefs, list):
        return None
    out = []
    for href in hrefs:
        if not isinstance(href, str):
            out.append(href)
            continue
        path, _, search = href.partition("?")
        params = _first_params(search)
        params.pop("metric", None)
        if view.get("metric"):
            params["metric"] = view["metric"]
        out.append(path + _query(params))
    return out if out != hrefs else None


#: ``namespace.function_name`` of each browser-side callback -> its twin.
CLIENTSIDE: dict[str, Callable[..., Any]] = {
    "countydash.drill_to": drill_to, "countydash.metric_value": metric_value,
    "countydash.metric_to_url": metric_to_url, "countydash.picker_dates": picker_dates,
    "countydash.page_wanted": page_wanted, "countydash.export_links": export_links,
    "countydash.view_from_url": view_from_url, "countydash.period_to_url": period_to_url,
    "countydash.coverage_link": coverage_link, "countydash.map_view": map_view,
    "countydash.metric_from_store": metric_from_store, "countydash.link_metric": link_metric,
}


# --- a minimal Dash renderer -----------------------------------------------------------------

def stringify_id(cid: Any) -> str:
    """Dash's string form of a component id (dict ids: sorted keys, compact JSON)."""
    if isinstance(cid, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(cid[k])}" for k in sorted(cid)) + "}"
    return str(cid)


def _is_component(value: Any) -> bool:
    return isinstance(value, dict) and "props" in value and "type" in value


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every component in a layout fragment (JSON as Dash serialises it)."""
    if _is_component(value):
        yield value
        for prop in value["props"].values():
            yield from _walk(prop)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _split_output(key: str) -> list[tuple[str, str]]:
    """``a.b`` or ``..a.b...c.d..`` -> [(id string, property with any @hash)]."""
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    out = []
    for part in parts:
        cid, prop = part.rsplit(".", 1)
        out.append((cid.replace("\\.", "."), prop))
    return out


@dataclass
class Callback:
    key: str
    outputs: list[tuple[str, str]]
    inputs: list[dict[str, Any]]
    state: list[dict[str, Any]]
    prevent_initial_call: bool
    clientside: bool
    #: ``namespace.function_name`` of a browser-side callback (:data:`CLIENTSIDE`)
    clientside_name: str = ""


@dataclass
class Request:
    """One callback request the browser sent, with its timing: ``ms`` the round trip,
    ``server_ms`` the app's own time (its ``Server-Timing``; the round trip without one)."""

    key: str
    status: int
    ms: float
    wire_bytes: int
    round: int
    server_ms: float | None = None

    @property
    def app_ms(self) -> float:
        return self.ms if self.server_ms is None else self.server_ms


@dataclass
class Trace:
    """What one interaction cost: its requests, grouped in rounds, and the wall time of each
    round as sent (one request at a time, or several at once: :attr:`Browser.parallel`)."""

    requests: list[Request] = field(default_factory=list)
    round_walls: list[float] = field(default_factory=list)

    @property
    def wall_ms(self) -> float:
        return sum(self.round_walls)

    @property
    def critical_ms(self) -> float:
        """The server time of the interaction: per round its slowest request's server time
        (:attr:`Request.app_ms`), summed over the rounds."""
        return self._critical(lambda r: r.app_ms)

    @property
    def critical_round_trip_ms(self) -> float:
        """The same path in round trips as this client saw them (HTTP on loopback too)."""
        return self._critical(lambda r: r.ms)

    def _critical(self, ms: Callable[[Request], float]) -> float:
        rounds: dict[int, float] = {}
        for r in self.requests:
            rounds[r.round] = max(rounds.get(r.round, 0.0), ms(r))
        return sum(rounds.values())

    @property
    def sum_ms(self) -> float:
        return sum(r.app_ms for r in self.requests)

    @property
    def wire_bytes(self) -> int:
        return sum(r.wire_bytes for r in self.requests)

    @property
    def errors(self) -> list[Request]:
        return [r for r in self.requests if r.status not in (200, 204)]


class Browser:
    """The callback traffic of one browser tab, after Dash's renderer.

    Holds the page's component tree (JSON), fires callbacks whose inputs changed, applies
    their responses and fires again, round by round, until the page settles.

    ``parallel`` is how many requests of a round go out at once: 1 measures each request's
    server time alone; :data:`BROWSER_CONNECTIONS` sends them as a browser does (Dash's
    renderer fires a round's callbacks together, HTTP/1.1 browsers open six connections to
    a host), so the requests share the server's cores and the round takes its wall time.
    """

    def __init__(self, http: Http, deps: list[dict[str, Any]] | None = None,
                 layout: dict[str, Any] | None = None, parallel: int = 1) -> None:
        self.http = http
        self.parallel = parallel
        deps = deps if deps is not None else http.get("/_dash-dependencies").body
        layout = layout if layout is not None else http.get("/_dash-layout").body
        self.callbacks = [
            Callback(key=d["output"], outputs=_split_output(d["output"]),
                     inputs=[_dep(i) for i in d["inputs"]], state=[_dep(s) for s in d["state"]],
                     prevent_initial_call=bool(d.get("prevent_initial_call")),
                     clientside=bool(d.get("clientside_function")),
                     clientside_name=_clientside_name(d.get("clientside_function")))
            for d in deps
        ]
        self.tree = layout
        self.index: dict[str, dict[str, Any]] = {}
        self.reindex()

    # the tree -------------------------------------------------------------------------------
    def reindex(self) -> None:
        self.index = {}
        for comp in _walk(self.tree):
            cid = comp["props"].get("id")
            if cid is not None:
                self.index[stringify_id(cid)] = comp["props"]

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.tree)

    def restore(self, tree: dict[str, Any]) -> None:
        self.tree = copy.deepcopy(tree)
        self.reindex()

    def value(self, cid: str, prop: str) -> Any:
        return self.index.get(cid, {}).get(prop)

    def _matches(self, pattern: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for comp_props in self.index.values():
            cid = comp_props.get("id")
            if isinstance(cid, dict) and set(cid) == set(pattern) and all(
                    isinstance(v, list) or cid[k] == v for k, v in pattern.items()):
                out.append(cid)
        return out

    def _present(self, cid: Any) -> bool:
        if isinstance(cid, dict):
            return bool(self._matches(cid))
        return cid in self.index

    def _dep_value(self, dep: dict[str, Any]) -> Any:
        cid, prop = dep["id"], dep["property"]
        if isinstance(cid, dict):
            return [{"id": m, "property": prop, "value": self.index[stringify_id(m)].get(prop)}
                    for m in self._matches(cid)]
        return {"id": cid, "property": prop, "value": self.index.get(cid, {}).get(prop)}

    # firing ---------------------------------------------------------------------------------
    def _prop_ids(self, dep: dict[str, Any]) -> list[str]:
        cid = dep["id"]
        if isinstance(cid, dict):
            return [f"{stringify_id(m)}.{dep['property']}" for m in self._matches(cid)]
        return [f"{cid}.{dep['property']}"]

    def _runnable(self, cb: Callback) -> bool:
        """Outputs and inputs present; a browser-side callback only with a Python twin (the
        big screen's clock has none: it writes nothing a request reads)."""
        return ((not cb.clientside or cb.clientside_name in CLIENTSIDE)
                and all(self._present(_parse_id(o)) for o, _ in cb.outputs)
                and all(self._present(i["id"]) for i in cb.inputs))

    def _run_clientside(self, cb: Callback) -> dict[str, Any]:
        """A browser-side callback, run by its twin: the response it would write. A pattern
        (``ALL``) input or state is the list of its matches' values, a pattern output takes
        one value per match."""
        args = []
        for dep in (*cb.inputs, *cb.state):
            got = self._dep_value(dep)
            args.append([m["value"] for m in got] if isinstance(got, list) else got["value"])
        result = CLIENTSIDE[cb.clientside_name](*args)
        results = [result] if len(cb.outputs) == 1 else list(result or [])
        response: dict[str, Any] = {}
        for (cid, prop), value in zip(cb.outputs, results, strict=False):
            if value is None:
                continue
            prop = prop.split("@", 1)[0]
            pattern = _parse_id(cid)
            if isinstance(pattern, dict):
                for match, each in zip(self._matches(pattern), value, strict=False):
                    if each is not None:
                        response.setdefault(stringify_id(match), {})[prop] = each
            else:
                response.setdefault(cid, {})[prop] = value
        return response

    def _triggered(self, changed: set[str]) -> dict[str, set[str]]:
        fired: dict[str, set[str]] = {}
        for cb in self.callbacks:
            if not self._runnable(cb):
                continue
            hits = {p for i in cb.inputs for p in self._prop_ids(i) if p in changed}
            if hits:
                fired[cb.key] = hits
        return fired

    def _initial(self, new_ids: set[str]) -> dict[str, set[str]]:
        """Callbacks a freshly inserted subtree triggers (outputs or inputs in it)."""
        fired: dict[str, set[str]] = {}
        for cb in self.callbacks:
            if cb.prevent_initial_call or not self._runnable(cb):
                continue
            ids_out = {o for o, _ in cb.outputs}
            ids_in = {stringify_id(i["id"]) for i in cb.inputs}
            if (ids_out | ids_in) & new_ids:
                fired[cb.key] = set()
        return fired

    def _payload(self, cb: Callback, changed: set[str]) -> dict[str, Any]:
        outputs = [{"id": _parse_id(cid), "property": prop} for cid, prop in cb.outputs]
        return {
            "output": cb.key,
            "outputs": outputs if len(outputs) > 1 or cb.key.startswith("..") else outputs[0],
            "inputs": [self._dep_value(i) for i in cb.inputs],
            "state": [self._dep_value(s) for s in cb.state],
            "changedPropIds": sorted(changed),
        }

    def _apply(self, response: dict[str, Any]) -> tuple[set[str], set[str]]:
        """Write a response into the tree; return changed prop ids and newly inserted ids."""
        changed: set[str] = set()
        inserted: set[str] = set()
        structural = False
        for cid, props in response.items():
            target = self.index.get(cid)
            if target is None:
                continue
            for prop, value in props.items():
                target[prop] = value
                changed.add(f"{cid}.{prop}")
                if any(True for _ in _walk(value)):
                    structural = True
                    inserted |= {stringify_id(c["props"]["id"]) for c in _walk(value)
                                 if c["props"].get("id") is not None}
        if structural:
            self.reindex()
        return changed, inserted

    def settle(self, fired: dict[str, set[str]], trace: Trace | None = None,
               max_rounds: int = 20) -> Trace:
        """Send the fired callbacks round by round until nothing is left."""
        trace = trace or Trace()
        by_key = {cb.key: cb for cb in self.callbacks}
        pending = dict(fired)
        for round_no in range(max_rounds):
            if not pending:
                return trace
            outs = {k: {o for o, _ in by_key[k].outputs} for k in pending}
            # wait for callbacks whose outputs feed this one's inputs
            ready = [k for k in pending
                     if not any(stringify_id(i["id"]) in outs[o]
                                for i in by_key[k].inputs for o in pending if o != k)]
            ready = ready or list(pending)
            responses: list[dict[str, Any]] = []
            local = [key for key in ready if by_key[key].clientside]
            if local:
                # browser-side callbacks run at once, before anything goes to the server
                for key in local:
                    pending.pop(key)
                    responses.append(self._run_clientside(by_key[key]))
            else:
                payloads = [self._payload(by_key[key], pending.pop(key)) for key in ready]
                # this client's own garbage collector stays out of the timing: with the page
                # trees it holds, a collection paused a round for ~100 ms now and then (a
                # warm overview's p95 read 104-149 ms with every request 2-10 ms), which
                # neither the server nor a browser pays
                collecting = gc.isenabled()
                gc.disable()
                try:
                    started = time.perf_counter()
                    replies = self._send(payloads)
                    trace.round_walls.append((time.perf_counter() - started) * 1e3)
                finally:
                    if collecting:
                        gc.enable()
                for key, reply in zip(ready, replies, strict=True):
                    trace.requests.append(Request(key, reply.status, reply.ms,
                                                  reply.wire_bytes, round_no, reply.server_ms))
                    if reply.status == 200 and isinstance(reply.body, dict):
                        responses.append(reply.body.get("response", {}))
            changed: set[str] = set()
            inserted: set[str] = set()
            for response in responses:
                c, n = self._apply(response)
                changed |= c
                inserted |= n
            for key, props in self._triggered(changed).items():
                pending.setdefault(key, set()).update(props)
            for key in self._initial(inserted):
                pending.setdefault(key, set())
        raise RuntimeError("the page did not settle (a callback loop?)")

    def _send(self, payloads: list[dict[str, Any]]) -> list[Reply]:
        """One round's requests, ``parallel`` at a time; replies in the order sent."""
        post = lambda body: self.http.post_json("/_dash-update-component", body)  # noqa: E731
        if self.parallel <= 1 or len(payloads) < 2:
            return [post(body) for body in payloads]
        with ThreadPoolExecutor(max_workers=min(self.parallel, len(payloads))) as pool:
            return list(pool.map(post, payloads))

    # user actions ---------------------------------------------------------------------------
    def load(self, pathname: str, search: str) -> Trace:
        """Open a URL: the page's initial callbacks."""
        url = self.index.get(ids.Shell.URL)
        if url is None:
            raise RuntimeError(f"the layout has no dcc.Location {ids.Shell.URL!r}")
        url.update(pathname=pathname, search=search, href=f"http://x{pathname}{search}")
        return self.settle(self._initial(set(self.index)))

    def set_props(self, changes: dict[tuple[str, str], Any]) -> Trace:
        """The user changes component properties (a click, a picker)."""
        changed = set()
        for (cid, prop), value in changes.items():
            self.index[cid][prop] = value
            changed.add(f"{cid}.{prop}")
        return self.settle(self._triggered(changed))


def _clientside_name(fn: dict[str, Any] | None) -> str:
    return f"{fn.get('namespace')}.{fn.get('function_name')}" if fn else ""


def _parse_id(cid: str) -> Any:
    return json.loads(cid) if cid.startswith("{") else cid


def _dep(dep: dict[str, Any]) -> dict[str, Any]:
    """A dependency with a pattern-matching id (sent as a JSON string) parsed to a dict."""
    cid = dep["id"]
    return {**dep, "id": _parse_id(cid) if isinstance(cid, str) else cid}


# --- the standard interactions ---------------------------------------------------------------

@dataclass(frozen=True)
class Areas:
    county: str
    town: str
    village: str


Action = Callable[[Browser], Trace]


def interactions(areas: Areas, as_of: date, browser: Browser) -> list[tuple[str, list[Action],
                                                                            Action]]:
    """(name, setup actions, measured action) for each standard interaction."""
    search = f"?area={areas.county}"
    last = as_of - timedelta(days=1)

    def overview(b: Browser) -> Trace:
        return b.load("/", search)

    def click(code: str) -> Action:
        point = {"points": [{"location": code}]}
        return lambda b: b.set_props({(ids.Map.GRAPH, "clickData"): point})

    def metric(b: Browser) -> Trace:
        options = b.value(ids.Map.METRIC, "options") or []
        current = b.value(ids.Map.METRIC, "value")
        values = [o["value"] if isinstance(o, dict) else o for o in options]
        other = next((v for v in values if v != current), current)
        return b.set_props({(ids.Map.METRIC, "value"): other})

    def period(b: Browser) -> Trace:
        start = (last - timedelta(days=364)).isoformat()
        return b.set_props({(ids.Shell.PERIOD, "start_date"): start})

    def case_page(b: Browser) -> Trace:
        # a navbar link: dcc.Link changes the path, the query stays
        return b.set_props({(ids.Shell.URL, "pathname"): "/cases"})

    out: list[tuple[str, list[Action], Action]] = [
        ("open_overview", [], overview),
        ("drill_town", [overview], click(areas.town)),
        ("drill_village", [overview, click(areas.town)], click(areas.village)),
        ("change_metric", [overview, click(areas.town), click(areas.village)], metric),
        ("change_period", [overview, click(areas.town), click(areas.village)], period),
    ]
    has_cases = any(cb.key.startswith("cases-") or "..cases-" in cb.key
                    for cb in browser.callbacks)
    if has_cases:
        out.append(("open_case_page", [overview], case_page))
    return out


# --- data ------------------------------------------------------------------------------------

def _meta(url: str) -> dict[str, str]:
    from dashboard import db, migrate
    from queries.stamp import meta

    engine = db.get_engine(url)
    try:
        if not migrate.is_initialised(engine):
            return {}
        return meta(engine)
    except Exception:  # noqa: BLE001 - a missing or foreign database is simply rebuilt
        return {}


def _matches(url: str, scale: str, seed: int, as_of: date) -> bool:
    info = _meta(url)
    return (info.get("scale") == scale and info.get("seed") == str(seed)
            and info.get("as_of", "").startswith(as_of.isoformat()))


def _build(url: str, scale: str, seed: int, as_of: date, log: Callable[[str], None]) -> None:
    from dashboard import db
    from dashboard.setup import init_database

    log(f"building the {scale} demo county into {_safe(url)} (takes a while at large scale)")
    started = time.perf_counter()
    init_database(db.get_engine(url), demo=True, seed=seed, as_of=as_of, scale=scale,
                  replace=True)
    log(f"built in {time.perf_counter() - started:.0f} s")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def ensure_sqlite(scale: str, seed: int, as_of: date, log: Callable[[str], None],
                  directory: Path | None = None) -> str:
    """``var/bench/<scale>.sqlite``, built once and reused while scale, seed and as-of match."""
    from dashboard import db

    path = (directory or ROOT / "var" / "bench") / f"{scale}.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{path}"
    if path.exists() and _matches(url, scale, seed, as_of):
        return url
    db.forget_engines()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    _build(url, scale, seed, as_of, log)
    return url


def ensure_postgres(admin_url: str, scale: str, seed: int, as_of: date,
                    log: Callable[[str], None]) -> str:
    """Database ``countydash_bench_<scale>`` on the admin URL's server, created if missing
    and rebuilt unless it holds this scale, seed and as-of."""
    from sqlalchemy.engine import make_url

    from dashboard.settings import normalise_url
    from queries.bulk import ensure_database

    admin_url = normalise_url(admin_url)
    name = f"countydash_bench_{scale}"  # built from a choice of two
    ensure_database(admin_url, name)
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    if not _matches(url, scale, seed, as_of):
        _build(url, scale, seed, as_of, log)
    return url


def pick_areas(url: str) -> Areas:
    """The county, its first town (by code) and that town's first village."""
    from dashboard import db
    from queries.areas import first_areas

    county, town, village = first_areas(db.get_engine(url))
    if village is None:
        raise RuntimeError(f"{url}: no county with a town and a village to drill down to")
    return Areas(str(county), str(town), str(village))


def count_cases(url: str) -> int:
    from dashboard import db
    from queries.stats import count_cases as count

    return count(db.get_engine(url))


# --- the server ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_alive(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - no Redis: fall back to a file cache
        return False


@dataclass
class CacheBackend:
    """The shared cache the server uses, and how to empty it (cold runs)."""

    env: dict[str, str]
    kind: str
    prefix: str = ""
    redis_url: str = ""
    directory: str = ""

    def flush(self) -> int:
        if self.kind == "redis":
            import redis

            client = redis.Redis.from_url(self.redis_url)
            keys = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
            for i in range(0, len(keys), 500):
                client.delete(*keys[i:i + 500])
            return len(keys)
        removed = 0
        for child in Path(self.directory).glob("*"):
            child.unlink(missing_ok=True)
            removed += 1
        return removed

    def close(self) -> None:
        self.flush()
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)


def cache_backend(redis_url: str = DEFAULT_REDIS) -> CacheBackend:
    """Redis under a fresh key prefix when Redis answers, else a fresh cache directory."""
    if redis_alive(redis_url):
        prefix = f"countydash-bench-{uuid.uuid4().hex[:10]}:"
        return CacheBackend({"COUNTYDASH_CACHE": "redis", "COUNTYDASH_REDIS_URL": redis_url,
                             "COUNTYDASH_CACHE_PREFIX": prefix}, "redis", prefix=prefix,
                            redis_url=redis_url)
    directory = tempfile.mkdtemp(prefix="countydash-bench-cache-")
    return CacheBackend({"COUNTYDASH_CACHE": "filesystem", "COUNTYDASH_CACHE_DIR": directory},
                        "filesystem", directory=directory)


def _children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command may hold spaces and parentheses: fields follow the last ")"
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            out.append(int(entry.name))
    return out


def proc_kb(pid: int, key: str, file: str = "status") -> int:
    """One ``key: N kB`` figure of ``/proc/<pid>/<file>`` (0 for a process that is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def smaps_kb(pid: int, key: str = "Pss") -> int:
    """One figure of ``/proc/<pid>/smaps_rollup`` in kB.

    ``Pss``, the proportional set size, is the process's private pages plus its share of
    each page it shares (a page four processes map counts a quarter in each);
    ``Shared_Dirty`` the pages written before a fork that the process still shares."""
    return proc_kb(pid, key, "smaps_rollup")


class MemorySampler:
    """The peak of the server's memory: the processes' proportional set sizes, summed.

    The workers are forked from a master that loaded the app (``preload_app``), so they share
    its pages until they write to them; a sum of resident sets would count every shared page
    once per process. The kernel keeps no peak of the proportional size, so a thread samples
    it every ``interval`` seconds (and :meth:`sample` once more on demand).
    """

    def __init__(self, pids: Callable[[], list[int]], interval: float = 0.25) -> None:
        self.pids = pids
        self.interval = interval
        self.peak_mb = 0.0
        self.peak_each: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def sample(self) -> float:
        each = [smaps_kb(pid) / 1024 for pid in self.pids()]
        if sum(each) > self.peak_mb:
            self.peak_mb, self.peak_each = sum(each), each
        return sum(each)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


class Server:
    """``gunicorn app:server`` on a free loopback port, in its own process group."""

    def __init__(self, database_url: str, cache: CacheBackend, workers: int = 2,
                 extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": database_url, **cache.env,
               "COUNTYDASH_SECRET_KEY": uuid.uuid4().hex, "COUNTYDASH_SERVER_TIMING": "1",
               **(extra_env or {})}
        cmd = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
               "--workers", str(workers),
               "--bind", f"127.0.0.1:{self.port}", "--no-control-socket",
               "--chdir", str(ROOT), "--timeout", "300", "--graceful-timeout", "5",
               "--log-level", "warning", "app:server"]
        # the server's log outlives this call: closed in stop()
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="countydash-bench-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.workers = workers
        self.memory = MemorySampler(self.pids)

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self.log_text()[-2000:]}")
            try:
                up = Http(self.base, timeout=5).get("/login").status == 200
                if up and len(_children_of(self.proc.pid)) >= self.workers:
                    self.memory.start()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not start in {timeout:.0f} s")

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def pids(self) -> list[int]:
        return [self.proc.pid, *_children_of(self.proc.pid)]

    def peak_rss_mb(self) -> tuple[float, list[float]]:
        """The server's peak memory (shared pages counted once, :class:`MemorySampler`) and
        each process's share at that peak."""
        self.memory.sample()
        return self.memory.peak_mb, self.memory.peak_each

    def rss_sum_mb(self) -> float:
        """The sum of each process's own peak resident set (``VmHWM``): pages the workers
        share with the master (the preloaded app) are counted once per process."""
        return sum(proc_kb(pid, "VmHWM") for pid in self.pids()) / 1024

    def stop(self) -> None:
        self.memory.stop()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


@contextmanager
def running_server(database_url: str, workers: int = 2, redis_url: str = DEFAULT_REDIS
                   ) -> Iterator[tuple[Server, CacheBackend]]:
    cache = cache_backend(redis_url)
    server = Server(database_url, cache, workers)
    try:
        server.wait_ready()
        yield server, cache
    finally:
        server.stop()
        cache.close()


# --- the run ---------------------------------------------------------------------------------

def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (as numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * p
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def new_browser(base: str, deps: Any = None, layout: Any = None) -> Browser:
    http = Http(base)
    http.login(USER, PASSWORD)
    return Browser(http, deps, layout)


def measure(server: Server, cache: CacheBackend, areas: Areas, as_of: date, cold: int,
            warm: int, warmup: int, log: Callable[[str], None],
            floors: dict[str, Callable[[], float]] | None = None) -> list[dict[str, Any]]:
    """Cold and warm traces of every interaction; with ``floors`` (interaction -> a call
    that times its floor once), the floor timed just before each cold run, so that the
    ratio compares the two over the same minutes (this machine's speed drifts by up to
    half within minutes, the floors' with it)."""
    browser = new_browser(server.base)
    initial = browser.snapshot()
    plan = interactions(areas, as_of, browser)
    # build each worker's per-process geometry (immutable per data version) before timing
    for _ in range(warmup):
        for _name, setup, action in plan:
            browser.restore(initial)
            for step in (*setup, action):
                step(browser)
    results = []
    for name, setup, action in plan:
        browser.restore(initial)
        for step in setup:
            step(browser)
        start_state = browser.snapshot()
        colds: list[Trace] = []
        warms: list[Trace] = []
        floor_ms: list[float] = []
        for _ in range(cold):
            if floors and name in floors:
                floor_ms.append(floors[name]())
            browser.restore(start_state)
            cache.flush()
            colds.append(action(browser))
            for _ in range(warm):
                browser.restore(start_state)
                warms.append(action(browser))
        # the same, with each round's requests sent at once as a browser sends them
        browser.parallel = BROWSER_CONNECTIONS
        as_browser: dict[str, list[Trace]] = {"cold": [], "warm": []}
        for _ in range(cold):
            browser.restore(start_state)
            cache.flush()
            as_browser["cold"].append(action(browser))
            for _ in range(warm):
                browser.restore(start_state)
                as_browser["warm"].append(action(browser))
        browser.parallel = 1
        errors = [r for t in colds + warms + as_browser["cold"] + as_browser["warm"]
                  for r in t.errors]
        if errors:
            raise RuntimeError(f"{name}: HTTP {errors[0].status} from {errors[0].key}; the "
                               f"server's log ends:\n{server.log_text()[-3000:]}")
        results.append({"name": name, "cold": colds, "warm": warms, "floor": floor_ms,
                        "browser_cold": as_browser["cold"], "browser_warm": as_browser["warm"]})
        cold_ms = [t.critical_ms for t in colds]
        log(f"{name:15s} cold p50 {percentile(cold_ms, .5):7.1f} ms  warm p95 "
            f"{percentile([t.critical_ms for t in warms], .95):6.1f} ms  as a browser: cold "
            f"p50 {percentile([t.wall_ms for t in as_browser['cold']], .5):6.1f} ms  "
            f"{len(colds[0].requests)} requests, {colds[0].wire_bytes / 1024:.0f} KB")
    return results


def summarise(raw: list[dict[str, Any]], floors: dict[str, float]) -> list[dict[str, Any]]:
    # the floors (queries.floors) are imported where they are used: every `countydash`
    # command imports this module for its arguments, and they bring pandas along
    from queries.floors import FLOOR_COVERS

    out = []
    for item in raw:
        cold = [t.critical_ms for t in item["cold"]]
        warm = [t.critical_ms for t in item["warm"]]
        floor = (statistics.median(item["floor"]) if item.get("floor")
                 else floors.get(item["name"], math.nan))
        p50 = percentile(cold, 0.5)
        sum_p50 = percentile([t.sum_ms for t in item["cold"]], 0.5)
        # an interaction made in the browser alone (a metric change) sends no request
        slowest = max(item["cold"][0].requests, key=lambda r: r.app_ms, default=None)
        trips = [t.critical_round_trip_ms for t in item["cold"]]
        out.append({
            "name": item["name"],
            "cold_p50_ms": round(p50, 1),
            "cold_p95_ms": round(percentile(cold, 0.95), 1),
            "warm_p50_ms": round(percentile(warm, 0.5), 1),
            "warm_p95_ms": round(percentile(warm, 0.95), 1),
            "cold_sum_p50_ms": round(sum_p50, 1),
            # the same path as round trips seen by the client (the HTTP transport on top)
            "cold_round_trip_p50_ms": round(percentile(trips, 0.5), 1),
            "cold_round_trip_p95_ms": round(percentile(trips, 0.95), 1),
            "warm_round_trip_p95_ms": round(percentile(
                [t.critical_round_trip_ms for t in item["warm"]], 0.95), 1),
            "browser_cold_p50_ms": round(percentile(
                [t.wall_ms for t in item["browser_cold"]], 0.5), 1),
            "browser_cold_p95_ms": round(percentile(
                [t.wall_ms for t in item["browser_cold"]], 0.95), 1),
            "browser_warm_p95_ms": round(percentile(
                [t.wall_ms for t in item["browser_warm"]], 0.95), 1),
            "floor_ms": round(floor, 2),
            "floor_runs": len(item.get("floor") or ()),
            "ratio_to_floor": round(p50 / floor, 2) if floor > 0 else math.nan,
            # the critical path overlaps the panels' requests (several workers); their sum
            # is the work the server did for the same figures
            "sum_ratio_to_floor": round(sum_p50 / floor, 2) if floor > 0 else math.nan,
            "floor_covers": FLOOR_COVERS.get(item["name"], ""),
            "bytes": int(statistics.median(t.wire_bytes for t in item["cold"])),
            "requests": len(item["cold"][0].requests),
            "rounds": len({r.round for r in item["cold"][0].requests}),
            "slowest_cold_callback": slowest.key if slowest else None,
        })
    return out


def run(scale: str = "large", database: str = "sqlite", *, database_url: str | None = None,
        pg_admin_url: str | None = None, seed: int = SEED, as_of: date = AS_OF,
        cold: int = 5, warm: int = 4, warmup: int = 2, workers: int = 2,
        redis_url: str = DEFAULT_REDIS, log: Callable[[str], None] | None = None
        ) -> dict[str, Any]:
    """Run the benchmark and return its report (the ``--json`` object).

    ``database_url`` benchmarks an existing database as it is (no build); otherwise the
    demo county of ``scale`` is built or reused in ``var/bench`` (SQLite) or in database
    ``countydash_bench_<scale>`` (PostgreSQL, created through ``pg_admin_url``).
    """
    say = log or (lambda _msg: None)
    if database_url is None:
        if database == "sqlite":
            database_url = ensure_sqlite(scale, seed, as_of, say)
        elif database == "postgresql":
            database_url = ensure_postgres(pg_admin_url or os.environ.get(
                "COUNTYDASH_BENCH_PG_URL", DEFAULT_PG_ADMIN), scale, seed, as_of, say)
        else:
            raise ValueError(f"unknown database {database!r}: sqlite or postgresql")
    from dashboard import db
    from dashboard.settings import normalise_url
    from queries import stamp

    database_url = normalise_url(database_url)
    engine = db.get_engine(database_url)
    as_of = stamp.as_of(engine).date()
    areas = pick_areas(database_url)
    from queries.floors import floor_statements, time_floor

    statements = floor_statements(areas, as_of, engine.dialect.name)
    floors = {name: time_floor(database_url, sql, params)
              for name, (sql, params) in statements.items()}
    # and once more before each cold run (the report's floor: the median of those)
    again = {name: functools.partial(time_floor, database_url, sql, params, runs=1)
             for name, (sql, params) in statements.items()}
    with running_server(database_url, workers, redis_url) as (server, cache):
        say(f"server {server.base} ({workers} workers, cache: {cache.kind})")
        raw = measure(server, cache, areas, as_of, cold, warm, warmup, say, again)
        peak, each = server.peak_rss_mb()
        rss_sum = server.rss_sum_mb()
        cache_kind = cache.kind
    rows = summarise(raw, floors)
    names = {r["name"] for r in rows}
    missing = [n for n in ("open_case_page",) if n not in names]
    report: dict[str, Any] = {
        "scale": _meta(database_url).get("scale", scale),
        "database": engine.dialect.name,
        "cases": count_cases(database_url),
        "interactions": rows,
        "peak_rss_mb": round(peak, 1),
        "peak_rss_mb_per_process": [round(x, 1) for x in each],
        "memory": "peak of the processes' proportional set sizes, summed (shared pages "
                  "counted once); rss_sum_mb adds up each process's own peak resident set",
        "rss_sum_mb": round(rss_sum, 1),
        "workers": workers,
        "cache": cache_kind,
        "server_time": "critical path of the callback requests (slowest per round, summed)",
        "missing": missing,
        "targets": TARGETS,
        "failing": failing(rows, peak),
    }
    return report


def failing(rows: list[dict[str, Any]], peak: float) -> list[str]:
    """Targets a run misses (reported, not asserted)."""
    out = []
    for r in rows:
        if r["cold_p95_ms"] > TARGETS["cold_p95_ms"]:
            out.append(f"{r['name']}: cold p95 {r['cold_p95_ms']} ms > 300")
        if r["warm_p95_ms"] > TARGETS["warm_p95_ms"]:
            out.append(f"{r['name']}: warm p95 {r['warm_p95_ms']} ms > 30")
        if r["ratio_to_floor"] > TARGETS["ratio_to_floor"]:
            out.append(f"{r['name']}: {r['ratio_to_floor']}x the SQL floor > 1.5")
        if r["name"].startswith("drill") and r["bytes"] > TARGETS["bytes"]:
            out.append(f"{r['name']}: {r['bytes']} bytes > 300 KB")
    if peak > TARGETS["peak_rss_mb"]:
        out.append(f"peak memory {peak:.0f} MB > 600")
    return out


def format_table(report: dict[str, Any]) -> str:
    """The report as a Markdown table (for the README)."""
    lines = [
        f"{report['database']}, {report['scale']} ({report['cases']:,} cases), "
        f"{report['workers']} workers, cache {report['cache']}, peak memory "
        f"{report['peak_rss_mb']:.0f} MB",
        "",
        "| interaction | cold p50 ms | cold p95 ms | warm p95 ms | floor ms | ratio "
        "| ratio of the sum | round trip: cold p50 ms | warm p95 ms | KB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["interactions"]:
        floor = f"{r['floor_ms']:.0f}" if r["floor_ms"] >= 10 else f"{r['floor_ms']:.1f}"
        lines.append(f"| {r['name']} | {r['cold_p50_ms']:.1f} | {r['cold_p95_ms']:.1f} | "
                     f"{r['warm_p95_ms']:.1f} | {floor} | "
                     f"{r['ratio_to_floor']:.2f} | {r['sum_ratio_to_floor']:.1f} | "
                     f"{r['cold_round_trip_p50_ms']:.1f} | {r['warm_round_trip_p95_ms']:.1f} | "
                     f"{r['bytes'] / 1024:.0f} |")
    for name in report["missing"]:
        lines.append(f"| {name} | missing | | | | | | | | |")
    if report["failing"]:
        lines += ["", "Above target: " + "; ".join(report["failing"])]
    return "\n".join(lines)


def main(args: Any) -> int:
    """The ``countydash bench`` command."""
    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    report = run(args.scale, args.database, database_url=args.database_url,
                 pg_admin_url=args.pg_url, cold=args.cold, warm=args.warm,
                 workers=args.workers, log=log)
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_table(report))
    return 0


def add_arguments(parser: Any) -> None:
    """The ``bench`` subcommand's options (called from :mod:`dashboard.cli`)."""
    parser.add_argument("--scale", choices=("reference", "large"), default="large")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", default=None,
                        help="benchmark this existing database as it is (no build)")
    parser.add_argument("--pg-url", default=None,
                        help="PostgreSQL server for the bench database (default "
                             "$COUNTYDASH_BENCH_PG_URL or postgres@127.0.0.1:5432)")
    parser.add_argument("--cold", type=int, default=5, help="cold runs per interaction")
    parser.add_argument("--warm", type=int, default=4, help="warm runs after each cold run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
