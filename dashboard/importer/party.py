"""``import-branches`` and ``import-coverage``: party branches and their monthly coverage.

Without a mapping file the columns are expected under the fields' own names (``id``,
``name``, ``kind``, ``area`` / ``branch``, ``month``, ``members``, ...).
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from dashboard import schema
from dashboard.importer.common import check_target, classify, finish, transaction
from dashboard.importer.mapping import Mapping, identity_mapping, load_mapping, parse_mapping
from dashboard.importer.report import (
    Progress,
    Rejection,
    Summary,
    default_rejects_path,
    write_rejects,
)
from dashboard.importer.tabular import ROW, check_columns, read_table
from queries import imports as q

BRANCH_FIELDS: tuple[str, ...] = ("id", "name", "kind", "area")
BRANCH_REQUIRED: tuple[str, ...] = ("id", "name", "area")
BRANCH_KINDS: dict[str, str] = {"branch": "branch", "general": "general", "党支部": "branch",
                                "支部": "branch", "党总支": "general", "总支": "general",
                                "党总支部": "general"}

COUNT_FIELDS: tuple[str, ...] = ("members", "registered", "active_30d", "meetings_required",
                                 "meetings_recorded", "households", "broadband_households",
                                 "app_users", "mobile_members", "mobile_active")
COVERAGE_FIELDS: tuple[str, ...] = ("branch", "month", *COUNT_FIELDS, "study_completion",
                                    "has_5g")
COVERAGE_REQUIRED: tuple[str, ...] = ("branch", "month", "members", "registered",
                                      "active_30d")
#: (part, whole): a count that cannot exceed another.
BOUNDS: tuple[tuple[str, str], ...] = (("registered", "members"), ("active_30d", "members"),
                                       ("mobile_members", "members"),
                                       ("mobile_active", "mobile_members"),
                                       ("broadband_households", "households"))
TRUE = {"1", "true", "yes", "y", "是", "有", "t"}
FALSE = {"0", "false", "no", "n", "否", "无", "f"}


def mapping_for(path: Path | None, table: pd.DataFrame, fields: tuple[str, ...],
                required: tuple[str, ...]) -> Mapping:
    """The mapping file's, or one naming the file's own columns after our fields."""
    if path is not None:
        return load_mapping(path, fields=fields, required=required, need_timezone=False)
    present = [c for c in table.columns if c != ROW]
    return parse_mapping(identity_mapping(fields, present), fields=fields, required=required,
                         where="(columns named after the fields)", need_timezone=False)


def parse_month(value: str) -> date | None:
    """``2026-03``, ``2026-03-01``, ``2026/3``, ``202603``, ``2026年3月`` -> 2026-03-01."""
    text = value.strip().replace("年", "-").replace("月", "").replace("/", "-").replace(".", "-")
    if len(text) == 6 and text.isdigit():
        text = f"{text[:4]}-{text[4:]}"
    parts = text.split("T")[0].split(" ")[0].split("-")
    try:
        year, month = int(parts[0]), int(parts[1])
        return date(year, month, 1)
    except (ValueError, IndexError):
        return None


def _summary_and_rejects(summary: Summary, rejections: list[Rejection], table: pd.DataFrame,
                         source: Path, rejects: Path | None) -> None:
    summary.rejections = rejections
    if rejections:
        originals = {int(r[ROW]): {k: v for k, v in r.items() if k != ROW}
                     for r in table.to_dict("records")}
        summary.rejects_path = write_rejects(rejects or default_rejects_path(source),
                                             rejections, originals)


def import_branches(engine: Engine, path: Path, mapping_path: Path | None = None, *,
                    rejects: Path | None = None, dry_run: bool = False,
                    as_of: datetime | None = None) -> Summary:
    """Upsert party branches (id, name, kind, village area code) in one transaction."""
    started = time.perf_counter()
    path = Path(path)
    first = read_table(path)
    mapping = mapping_for(mapping_path, first, BRANCH_FIELDS, BRANCH_REQUIRED)
    table = read_table(path, sheet=mapping.sheet, encoding=mapping.encoding) \
        if (mapping.sheet or mapping.encoding) else first
    check_columns(table, mapping.columns, mapping.path)
    cols = mapping.columns
    summary = Summary(what="party branches", source=path.name, read=len(table),
                      dry_run=dry_run)
    kinds = dict(BRANCH_KINDS)
    kinds.update(mapping.values.get("kind", {}))
    with transaction(engine, dry_run=dry_run) as conn:
        check_target(conn)
        areas = q.fetch_table(conn, schema.areas, ["code", "level"])
        level_of = dict(zip(areas["code"], areas["level"], strict=True))
        reasons: dict[int, list[str]] = defaultdict(list)
        rows: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for rec in table.to_dict("records"):
            row, why = int(rec[ROW]), reasons[int(rec[ROW])]
            bid, name, area = (rec[cols[f]] for f in ("id", "name", "area"))
            kind_raw = rec[cols["kind"]] if "kind" in cols else ""
            if not bid:
                why.append("no id")
            elif len(bid) > 40:
                why.append("id longer than 40 characters")
            elif bid in seen:
                why.append(f"duplicate id {bid} (first on row {seen[bid]})")
            else:
                seen[bid] = row
            if not name:
                why.append("no name")
            elif len(name) > 120:
                why.append("name longer than 120 characters")
            kind = kinds.get(kind_raw.lower(), kinds.get(kind_raw)) if kind_raw else "branch"
            if kind not in ("branch", "general"):
                why.append(f"unknown kind {kind_raw!r} (branch or general; map it in "
                           "[values.kind])")
            if not area:
                why.append("no area code")
            elif area not in level_of:
                why.append(f"unknown area code {area!r}")
            elif level_of[area] != "village":
                why.append(f"area {area} is a {level_of[area]}: a branch belongs to a village")
            if not why:
                rows.append({"id": bid, "name": name, "kind": kind, "area_code": area})
        cols_out = ["name", "kind", "area_code"]
        old = q.fetch_by_keys(conn, schema.party_branches, "id", [r["id"] for r in rows],
                              cols_out)
        added, updated, same = classify(rows, old, "id", cols_out)
        q.upsert_rows(conn, schema.party_branches, added + updated, cols_out)
        finish(conn, bool(added or updated), as_of)
    summary.added, summary.updated, summary.unchanged = len(added), len(updated), same
    rejections = [Rejection(r, str(table.loc[table[ROW] == r, cols["id"]].iloc[0]),
                            "; ".join(w)) for r, w in sorted(reasons.items()) if w]
    _summary_and_rejects(summary, rejections, table, path, rejects)
    summary.seconds = time.perf_counter() - started
    return summary


def import_coverage(engine: Engine, path: Path, mapping_path: Path | None = None, *,
                    rejects: Path | None = None, dry_run: bool = False,
                    as_of: datetime | None = None, show_progress: bool | None = None,
                    ) -> Summary:
    """Upsert monthly coverage figures per branch, keyed by (branch, month)."""
    started = time.perf_counter()
    path = Path(path)
    first = read_table(path)
    mapping = mapping_for(mapping_path, first, COVERAGE_FIELDS, COVERAGE_REQUIRED)
    table = read_table(path, sheet=mapping.sheet, encoding=mapping.encoding) \
        if (mapping.sheet or mapping.encoding) else first
    check_columns(table, mapping.columns, mapping.path)
    cols = mapping.columns
    summary = Summary(what="monthly coverage", source=path.name, read=len(table),
                      dry_run=dry_run)
    with transaction(engine, dry_run=dry_run) as conn:
        check_target(conn)
        branches = set(q.fetch_table(conn, schema.party_branches, ["id"])["id"])
        reasons: dict[int, list[str]] = defaultdict(list)
        rows: list[dict[str, Any]] = []
        seen: dict[tuple[str, date], int] = {}
        for rec in table.to_dict("records"):
            row, why = int(rec[ROW]), reasons[int(rec[ROW])]
            out: dict[str, Any] = {"branch_id": rec[cols["branch"]]}
            if not out["branch_id"]:
                why.append("no branch id")
            elif out["branch_id"] not in branches:
                why.append(f"unknown branch {out['branch_id']!r} (import branches first)")
            month = parse_month(rec[cols["month"]])
            if month is None:
                why.append(f"cannot read month {rec[cols['month']]!r} (e.g. 2026-03)")
            out["month"] = month
            for f in COUNT_FIELDS:
                raw = rec[cols[f]] if f in cols else ""
                if not raw:
                    if f in COVERAGE_REQUIRED:
                        why.append(f"no {f}")
                    out[f] = None
                    continue
                num = pd.to_numeric(raw, errors="coerce")
                if pd.isna(num) or num < 0 or float(num) % 1:
                    why.append(f"{f} must be a whole number >= 0, not {raw!r}")
                    out[f] = None
                else:
                    out[f] = int(num)
            for part, whole in BOUNDS:
                if out.get(part) is not None and out.get(whole) is not None \
                        and out[part] > out[whole]:
                    why.append(f"{part} ({out[part]}) exceeds {whole} ({out[whole]})")
            out["study_completion"] = None
            if cols.get("study_completion") and rec[cols["study_completion"]]:
                raw = rec[cols["study_completion"]]
                pct = raw.endswith("%")
                num = pd.to_numeric(raw.rstrip("%"), errors="coerce")
                value = float(num) / 100 if pct and not pd.isna(num) else num
                if pd.isna(value) or not 0 <= value <= 1:
                    why.append(f"study_completion must be a share 0-1 or a percentage, "
                               f"not {raw!r}")
                else:
                    out["study_completion"] = float(value)
            out["has_5g"] = None
            if cols.get("has_5g") and rec[cols["has_5g"]]:
                raw = rec[cols["has_5g"]].lower()
                if raw in TRUE or raw in FALSE:
                    out["has_5g"] = raw in TRUE
                else:
                    why.append(f"has_5g must be yes/no (1/0, 是/否), not {raw!r}")
            key = (out["branch_id"], month)
            if not why and key in seen:
                why.append(f"duplicate branch and month (first on row {seen[key]})")
            if not why:
                seen[key] = row  # type: ignore[index]
                rows.append(out)
        update = [f for f in (*COUNT_FIELDS, "study_completion", "has_5g")
                  if f in COVERAGE_REQUIRED or f in cols]
        old = q.fetch_by_keys(conn, schema.coverage_monthly, "branch_id",
                              sorted({r["branch_id"] for r in rows}), ["month", *update])
        if len(old):
            old["month"] = pd.to_datetime(old["month"]).dt.date
        added, updated, same = classify(rows, old, ["branch_id", "month"], update)
        now = datetime.now().replace(microsecond=0)
        changed = added + updated
        for r in changed:
            r["updated_at"] = now
        progress = Progress("coverage", len(changed), enabled=show_progress)
        q.upsert_rows(conn, schema.coverage_monthly, changed, [*update, "updated_at"],
                      progress=progress)
        progress.close()
        finish(conn, bool(changed), as_of)
    summary.added, summary.updated, summary.unchanged = len(added), len(updated), same
    rejections = [Rejection(r, str(table.loc[table[ROW] == r, cols["branch"]].iloc[0]),
                            "; ".join(w)) for r, w in sorted(reasons.items()) if w]
    _summary_and_rejects(summary, rejections, table, path, rejects)
    summary.seconds = time.perf_counter() - started
    return summary


__all__ = ["import_branches", "import_coverage", "parse_month"]
