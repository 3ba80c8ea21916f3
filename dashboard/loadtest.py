"""``countydash loadtest``: a bounded load test against a server on this machine.

``--clients`` simulated users (30 by default) each sign in and walk the dashboard for
``--seconds`` (60 by default): open the county overview, drill into a random town and one of
its villages, change the map metric, change the period - the callback requests a browser
sends (:class:`dashboard.bench.Browser`). Only loopback targets are accepted; without
``--url`` the command starts gunicorn itself (as the benchmark does) on ``DATABASE_URL``.
It reports throughput, latency percentiles and errors; any error makes it exit non-zero.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dashboard import bench, ids

MAX_CLIENTS = 100
MAX_SECONDS = 600


@dataclass
class Tally:
    """Every request of every client (thread-safe appends)."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    walks: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, trace: bench.Trace) -> None:
        with self.lock:
            self.latencies_ms += [r.ms for r in trace.requests]
            self.errors += [f"HTTP {r.status} {r.key}" for r in trace.errors]

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def locations(browser: bench.Browser) -> list[str]:
    """Area codes drawn on the map (the children the user can click)."""
    figure = browser.value(ids.Map.GRAPH, "figure") or {}
    for trace in figure.get("data", []) if isinstance(figure, dict) else []:
        codes = trace.get("locations")
        if codes:
            return [str(c) for c in codes]
    return []


def walk(browser: bench.Browser, tally: Tally, rng: random.Random, as_of: date,
         county: str, deadline: float) -> None:
    """One user's visit: overview -> town -> village -> metric -> period."""
    tally.add(browser.load("/", f"?area={county}"))
    towns = locations(browser)
    steps = 0
    while towns and time.monotonic() < deadline and steps < 4:
        steps += 1
        if steps == 1:
            point = {"points": [{"location": rng.choice(towns)}]}
            tally.add(browser.set_props({(ids.Map.GRAPH, "clickData"): point}))
        elif steps == 2:
            villages = locations(browser)
            if villages:
                point = {"points": [{"location": rng.choice(villages)}]}
                tally.add(browser.set_props({(ids.Map.GRAPH, "clickData"): point}))
        elif steps == 3:
            options = browser.value(ids.Map.METRIC, "options") or []
            values = [o["value"] if isinstance(o, dict) else o for o in options]
            if values:
                tally.add(browser.set_props({(ids.Map.METRIC, "value"): rng.choice(values)}))
        else:
            days = rng.choice((7, 30, 90, 365))
            start = (as_of - timedelta(days=days)).isoformat()
            tally.add(browser.set_props({(ids.Shell.PERIOD, "start_date"): start}))
    with tally.lock:
        tally.walks += 1


def client(base: str, deps: Any, layout: Any, tally: Tally, seed: int, as_of: date,
           county: str, deadline: float) -> None:
    rng = random.Random(seed)
    try:
        browser = bench.new_browser(base, deps, layout)
    except Exception as exc:  # noqa: BLE001 - every failure is counted, none is hidden
        tally.error(f"login: {exc}")
        return
    initial = browser.snapshot()
    while time.monotonic() < deadline:
        browser.restore(initial)
        try:
            walk(browser, tally, rng, as_of, county, deadline)
        except Exception as exc:  # noqa: BLE001
            tally.error(f"{type(exc).__name__}: {exc}")


def run_load(base: str, clients: int = 30, seconds: float = 60.0, seed: int = 1
             ) -> dict[str, Any]:
    """Drive ``base`` (loopback only) with ``clients`` users for ``seconds``; the report."""
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"--clients must be 1..{MAX_CLIENTS}")
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"--seconds must be in (0, {MAX_SECONDS}]")
    probe = bench.new_browser(base)  # refuses a non-loopback base
    probe.load("/", "")
    view = probe.value(ids.Shell.VIEW, "data") or {}
    county = str(view.get("area") or "")
    as_of = date.fromisoformat(str(view.get("end"))) + timedelta(days=1)
    layout = probe.http.get("/_dash-layout").body
    raw_deps = probe.http.get("/_dash-dependencies").body
    tally = Tally()
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=client, daemon=True,
                                args=(base, raw_deps, layout, tally, seed + i, as_of, county,
                                      deadline))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 300)
    elapsed = time.monotonic() - started
    lat = tally.latencies_ms
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(lat),
        "walks": tally.walks,
        "throughput_rps": round(len(lat) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(bench.percentile(lat, 0.5), 1),
        "p95_ms": round(bench.percentile(lat, 0.95), 1),
        "max_ms": round(max(lat), 1) if lat else 0.0,
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
    }


def main(args: Any) -> int:
    """The ``countydash loadtest`` command."""
    if args.url:
        report = run_load(args.url, args.clients, args.seconds)
    else:
        from dashboard.settings import Settings

        url = Settings.from_env().database_url
        with bench.running_server(url, args.workers) as (server, cache):
            report = run_load(server.base, args.clients, args.seconds)
            report["workers"] = args.workers
            report["cache"] = cache.kind
            report["peak_rss_mb"] = round(server.peak_rss_mb()[0], 1)
            report["rss_sum_mb"] = round(server.rss_sum_mb(), 1)
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(f"{report['clients']} clients x {report['seconds']} s: {report['requests']} "
              f"requests, {report['throughput_rps']} req/s, p50 {report['p50_ms']} ms, "
              f"p95 {report['p95_ms']} ms, {report['errors']} errors")
        for sample in report["error_samples"]:
            print(f"  {sample}")
    return 1 if report["errors"] else 0


def add_arguments(parser: Any) -> None:
    """The ``loadtest`` subcommand's options (called from :mod:`dashboard.cli`)."""
    parser.add_argument("--url", default=None,
                        help="a running server on 127.0.0.1 (default: start gunicorn on "
                             "DATABASE_URL)")
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (no --url)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
