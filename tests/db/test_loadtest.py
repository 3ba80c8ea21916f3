"""A short load test: several clients walking the dashboard, zero errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import bench, loadtest


def test_short_load_test_has_no_errors(sqlite_path: Path) -> None:
    with bench.running_server(f"sqlite:///{sqlite_path}", workers=2) as (server, _cache):
        report = loadtest.run_load(server.base, clients=5, seconds=5)
    print(report)
    assert report["errors"] == 0, report["error_samples"]
    assert report["requests"] > 20 and report["walks"] >= 1
    assert report["throughput_rps"] > 0 and report["p95_ms"] >= report["p50_ms"] > 0


def test_load_test_is_bounded_and_loopback_only() -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        loadtest.run_load("http://10.0.0.1:8050", clients=1, seconds=1)
    with pytest.raises(ValueError, match="clients"):
        loadtest.run_load("http://127.0.0.1:1", clients=1000, seconds=1)
    with pytest.raises(ValueError, match="seconds"):
        loadtest.run_load("http://127.0.0.1:1", clients=1, seconds=3600)
