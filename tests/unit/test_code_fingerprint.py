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


def test_every_cache_key_carries_it() -> None:
    class Ctx:
        def cache_key(self) -> str:
            return "db;scope"

        def version_for(self, on: str) -> str:
            return f"v-{on}"

    key = cache.cache_key("out:x", Ctx(), "all", ("a",), {})
    assert key.startswith(f"out:x:{cache.CODE_VERSION}:db;scope:v-all:")
