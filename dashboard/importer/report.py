"""What an import tells its user: rejections, findings, the summary, a progress bar."""

from __future__ import annotations

import csv
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO


@dataclass(frozen=True)
class Rejection:
    """A row that was not imported: its row number as a spreadsheet shows it (header = 1; for
    polygon files the feature number, from 1), its key (id or code) and why."""

    row: int
    key: str
    reason: str


@dataclass(frozen=True)
class Finding:
    """Something imported but worth knowing: a repaired polygon, an overlap, a gap, a polygon
    outside its parent, a CRS assumption. ``area_m2`` is the size involved, if any."""

    kind: str
    key: str
    detail: str
    area_m2: float | None = None


@dataclass
class Summary:
    """The outcome of one import."""

    what: str
    source: str
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    rejects_path: Path | None = None
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def lines(self, max_findings: int = 20) -> list[str]:
        """The summary as printed by the CLI."""
        verb = "would import" if self.dry_run else "imported"
        out = [f"{verb} {self.what} from {self.source} in {self.seconds:.1f} s: "
               f"{self.read} read, {self.added} added, {self.updated} updated, "
               f"{self.unchanged} unchanged, {self.repaired} repaired, {self.rejected} rejected"]
        for name, n in sorted(self.created.items()):
            out.append(f"  created {n} {name}")
        kinds: dict[str, int] = {}
        for f in self.findings:
            kinds[f.kind] = kinds.get(f.kind, 0) + 1
        for kind, n in sorted(kinds.items()):
            out.append(f"  {n} x {kind}")
        for f in self.findings[:max_findings]:
            size = f" [{format_area(f.area_m2)}]" if f.area_m2 is not None else ""
            out.append(f"  - {f.kind} {f.key}: {f.detail}{size}")
        if len(self.findings) > max_findings:
            out.append(f"  ... and {len(self.findings) - max_findings} more findings")
        if self.rejections:
            where = f" (all listed in {self.rejects_path})" if self.rejects_path else ""
            out.append(f"  rejected rows{where}:")
            for r in self.rejections[:10]:
                out.append(f"  - row {r.row} {r.key}: {r.reason}")
            if len(self.rejections) > 10:
                out.append(f"  ... and {len(self.rejections) - 10} more")
        return out


def format_area(m2: float | None) -> str:
    if m2 is None:
        return ""
    if m2 >= 1e6:
        return f"{m2 / 1e6:,.2f} km²"
    return f"{m2:,.0f} m²"


def default_rejects_path(source: Path) -> Path:
    """``<file>.rejects.csv`` beside the input, or in the working directory when the input's
    folder is read-only (shared data)."""
    candidate = source.with_name(source.name + ".rejects.csv")
    if os.access(candidate.parent, os.W_OK):
        return candidate
    return Path.cwd() / candidate.name


def write_rejects(path: Path, rejections: list[Rejection],
                  originals: dict[int, dict[str, object]] | None = None) -> Path:
    """Write one CSV line per rejected row: row, key, reason, then the row's own values
    (so that the file can be fixed and imported again). UTF-8 with BOM for Excel."""
    originals = originals or {}
    extra: list[str] = []
    for r in rejections:
        for col in originals.get(r.row, {}):
            if col not in extra and col not in ("row", "key", "reason"):
                extra.append(col)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "key", "reason", *extra])
        for r in rejections:
            values = originals.get(r.row, {})
            writer.writerow([r.row, r.key, r.reason,
                             *("" if values.get(c) is None else values.get(c) for c in extra)])
    return path


class Progress:
    """A one-line progress bar on stderr for long imports (only on a terminal, or when
    forced), redrawn at most ten times a second."""

    def __init__(self, label: str, total: int, *, stream: TextIO | None = None,
                 enabled: bool | None = None, min_total: int = 2000) -> None:
        self.label, self.total = label, max(total, 1)
        self.stream = stream or sys.stderr
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = (tty if enabled is None else enabled) and total >= min_total
        self._last = 0.0
        self.done = 0

    def __call__(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and done < self.total):
            return
        self._last = now
        share = min(done / self.total, 1.0)
        bar = "#" * int(share * 30)
        self.stream.write(f"\r{self.label} [{bar:<30}] {done}/{self.total} {share:4.0%}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self(self.total)
            self.stream.write("\n")
            self.stream.flush()
