"""The cache keys carry the code's fingerprint: a new release never reads an older release's
entries from a shared Redis (an output whose shape changed would fail on them)."""

from __future__ import annotations

import shutil
from pathlib import Path

from dashboard import cache

ROOT = Path(__file__).resolve().parents[2]


def test_the_fingerprint_follows_every_code_change(tmp_path: Path) -> None:
    for package in cache.CODE_PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "assets", "glyphdata"))
    first = cache.code_fingerprint(tmp_path)
    assert first == cache.code_fingerprint(tmp_path) == cache.CODE_VERSION
    changed = tmp_path / "callbacks" / "shell.py"
    changed.write_text(changed.read_text() + "\n# another release\n")
    second = cache.code_fingerprint(tmp_path)
    assert second != first
    (tmp_path / "queries" / "new_module.py").write_text("X = 1\n")  # a new file too
    assert cache.code_fingerprint(tmp_path) != second


class _Ctx:
    def cache_key(self) -> str:
        return "db;scope"

    def version_for(self, on: str) -> str:
        return f"v-{on}"


def test_every_cache_key_carries_it() -> None:
    key = cache.cache_key("out:x", _Ctx(), "all", ("a",), {})
    assert key.startswith(f"out:x:{cache.CODE_VERSION}:db;scope:v-all:")


def test_another_rules_file_gives_other_keys() -> None:
    from dataclasses import replace

    from flask import Flask

    from dashboard.rules import load_rules, rules_fingerprint

    rules = load_rules()
    stricter = replace(rules, rules=(replace(rules.rules[0],
                                             threshold=rules.rules[0].threshold + 1),
                                     *rules.rules[1:]))
    assert rules_fingerprint(rules) == rules_fingerprint(load_rules())
    assert rules_fingerprint(stricter) != rules_fingerprint(rules)
    keys = []
    for version in (rules_fingerprint(rules), rules_fingerprint(stricter)):
        app = Flask("rules")
        app.config["COUNTYDASH_RULES_VERSION"] = version
        with app.app_context():
            keys.append(cache.cache_key("out:x", _Ctx(), "all", (), {}))
    assert keys[0] != keys[1] and f"+{rules_fingerprint(rules)}:" in keys[0]
