"""Warning tiers on the demo: all three tiers, JSON equal to the page, snapshots, startup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from dashboard import tiers
from dashboard.rules import load_rules
from dashboard.schema import warning_snapshots
from queries.context import QueryContext

ROOT = Path(__file__).resolve().parents[2]


def cli(args: list[str], url: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": url, **env},
                          capture_output=True, text=True, timeout=300)


def test_demo_has_all_three_tiers_with_reasons(demo_engine: Engine) -> None:
    now = tiers.current(QueryContext(engine=demo_engine), load_rules())
    held = now[now["tier"].notna()]
    assert set(held["tier"]) == {"red", "yellow", "blue"}
    assert set(held["unit_type"]) >= {"town", "village", "branch"}
    for reasons in held["reasons"]:
        assert reasons and all({"rule", "value", "threshold", "lift_to"} <= set(r)
                               for r in reasons)


def test_warnings_json_matches_the_page(sqlite_path: Path, sqlite_engine: Engine) -> None:
    from dashboard.factory import create_app
    from dashboard.settings import Settings
    from tests.db.test_auth import call_every_callback, client_as

    url = f"sqlite:///{sqlite_path}"
    out = cli(["warnings", "--json", "--area", "211122"], url)
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert {r["tier"] for r in records} == {"red", "yellow", "blue"}
    assert all(set(r) == {"unit_type", "code", "name", "tier", "reasons"} for r in records)
    app = create_app(Settings.from_env({"DATABASE_URL": url, "COUNTYDASH_CACHE": "null"}))
    key = next(k for k in app.callback_map if "warnings-table" in k)
    [(_, status, body)] = [r for r in call_every_callback(app, client_as(app, "county"),
                                                          "211122") if r[0] == key]
    assert status == 200
    payload = json.loads(body)["response"]
    rows = payload["warnings-table"]["children"]["props"]["data"]
    shown = sorted((r["code"], r["tier_key"]) for r in rows)
    assert shown == sorted((r["code"], r["tier"]) for r in records)
    counts = {c["props"]["data-tier-count"]: c["props"]["children"]
              for card in payload["warnings-counts"]["children"]
              for c in card["props"]["children"] if "data-tier-count" in c["props"]}
    for tier in ("red", "yellow", "blue"):
        assert int(counts[tier]) == sum(r["tier"] == tier for r in records)


def test_snapshot_is_idempotent_per_day_and_history_has_streaks(sqlite_path: Path,
                                                                 sqlite_engine: Engine) -> None:
    day = date(2026, 11, 22)
    count = select(func.count()).select_from(warning_snapshots).where(
        warning_snapshots.c.day == day)
    with sqlite_engine.connect() as conn:
        before = conn.execute(count).scalar()
    for _ in range(2):
        out = cli(["warnings", "snapshot", "--day", day.isoformat()], f"sqlite:///{sqlite_path}")
        assert out.returncode == 0, out.stderr
    with sqlite_engine.connect() as conn:
        assert conn.execute(count).scalar() == before > 0
    held = tiers.streaks(sqlite_engine, day)
    assert (held["days_held"] > 7).any()  # the demo history has tiers held for weeks
    assert held["new_this_week"].dtype == bool


@pytest.mark.parametrize("line,field", [
    ('metric = "happiness"', "'metric'"), ('comparison = "=="', "'comparison'"),
    ('threshold = "high"', "'threshold'"), ('tier = "purple"', "'tier'"),
])
def test_invalid_rules_file_stops_startup_with_a_named_error(tmp_path: Path, sqlite_path: Path,
                                                            line: str, field: str) -> None:
    rules = tmp_path / "rules.toml"
    base = {"id": '"bad-rule"', "unit_type": '"town"', "metric": '"within_sla_rate"',
            "comparison": '"<"', "threshold": "0.9", "tier": '"red"', "reason_zh": '"低"',
            "reason_en": '"low"'}
    key = line.split(" = ")[0]
    base[key] = line.split(" = ")[1]
    rules.write_text("[[rule]]\n" + "\n".join(f"{k} = {v}" for k, v in base.items()),
                     encoding="utf-8")
    out = subprocess.run([sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, env={**os.environ, "DATABASE_URL":
                                           f"sqlite:///{sqlite_path}",
                                           "COUNTYDASH_RULES": str(rules)})
    assert out.returncode != 0
    assert "rule 'bad-rule'" in out.stderr and field in out.stderr
    assert "Traceback" not in out.stderr


def test_unknown_area_in_cli_is_a_clear_error(sqlite_path: Path) -> None:
    out = cli(["warnings", "--json", "--area", "nope"], f"sqlite:///{sqlite_path}")
    assert out.returncode == 2 and "unknown area code" in out.stderr
    assert "Traceback" not in out.stderr

