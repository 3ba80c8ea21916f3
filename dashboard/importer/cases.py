"""``countydash import-cases``: cases from CSV / Excel (or Open311 JSON) into ``cases``.

Every row is checked on its own: id, category, area (its code, or its coordinates joined to
the deepest areas' polygons), timestamps (readable, in order), status, source, satisfaction.
A row that fails any check is rejected with all its reasons; the others are upserted by id in
one transaction. Rows identical to what is stored are left alone, so that importing the same
file twice changes nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine

from dashboard import schema
from dashboard.importer.common import check_target, classify, finish, records, transaction
from dashboard.importer.mapping import Mapping, MappingError
from dashboard.importer.report import (
    Progress,
    Rejection,
    Summary,
    default_rejects_path,
    write_rejects,
)
from dashboard.importer.tabular import ROW, check_columns, read_table
from queries import imports as q

#: Fields a case mapping may name ([columns]); the first three are required.
CASE_FIELDS: tuple[str, ...] = (
    "id", "category", "reported_at", "subcategory", "source", "accepted_at", "dispatched_at",
    "resolved_at", "closed_at", "status", "grid", "lon", "lat", "satisfaction",
    "category_name", "handling_unit", "summary", "reopen_count",
)
CASE_REQUIRED: tuple[str, ...] = ("id", "category", "reported_at")
STEPS: tuple[str, ...] = ("reported_at", "accepted_at", "dispatched_at", "resolved_at",
                          "closed_at")
#: Zone the database's naive timestamps are in unless dataset_meta says otherwise.
STORE_TIMEZONE = "Asia/Shanghai"

#: Source values understood without a [values.status] table (besides our own names).
DEFAULT_STATUS: dict[str, str] = {
    "上报": "reported", "已上报": "reported", "待受理": "reported", "新建": "reported",
    "受理": "accepted", "已受理": "accepted", "待派遣": "accepted",
    "派遣": "dispatched", "已派遣": "dispatched", "处置中": "dispatched",
    "办理中": "dispatched", "处理中": "dispatched",
    "办结": "resolved", "已办结": "resolved", "已处置": "resolved",
    "结案": "closed", "已结案": "closed", "已关闭": "closed", "归档": "closed",
}
DEFAULT_SOURCE: dict[str, str] = {
    "居民随手拍": "app", "随手拍": "app", "app": "app",
    "网格员巡查": "terminal", "巡查": "terminal", "网格员上报": "terminal",
    "12345热线": "hotline", "12345": "hotline", "热线": "hotline",
    "部门移交": "department", "领导交办": "leader", "其他": "other",
}


@dataclass
class PreparedCases:
    """Checked rows ready to write, what was rejected, and categories to create."""

    rows: pd.DataFrame
    rejections: list[Rejection]
    new_categories: list[dict[str, Any]] = field(default_factory=list)
    placed: int = 0  # rows whose area came from the spatial join
    update_cols: list[str] = field(default_factory=list)


def parse_times(raw: pd.Series, fmt: str | None, source_tz: str,
                store_tz: str) -> tuple[pd.Series, pd.Series]:
    """Text timestamps -> naive datetimes in the store's zone (whole seconds).

    Naive values are in ``source_tz``; values with an offset (``Z``, ``+08:00``) keep it.
    With ``fmt`` (strptime) the format is tried first, then ISO 8601. Returns the parsed
    series (NaT where blank or unreadable) and a mask of unreadable non-blank values.
    """
    text = raw.fillna("").astype(str).str.strip()
    blank = text.eq("")
    aware = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True) & ~blank
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    naive = ~blank & ~aware
    if naive.any():
        values = text[naive]
        parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        if fmt:
            parsed = pd.to_datetime(values, format=fmt, errors="coerce")
        rest = parsed.isna()
        if rest.any():
            parsed[rest] = pd.to_datetime(values[rest], format="ISO8601", errors="coerce")
        parsed = pd.to_datetime(parsed)
        if source_tz != store_tz:
            parsed = (parsed.dt.tz_localize(source_tz, ambiguous="NaT", nonexistent="NaT")
                      .dt.tz_convert(store_tz).dt.tz_localize(None))
        out[naive] = parsed.astype("datetime64[ns]")
    if aware.any():
        parsed = pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce")
        out[aware] = parsed.dt.tz_convert(store_tz).dt.tz_localize(None).astype("datetime64[ns]")
    out = out.dt.floor("s")
    return out, ~blank & out.isna()


def _lookup(mapping: Mapping, name: str, defaults: dict[str, str],
            allowed: tuple[str, ...]) -> dict[str, str]:
    table = {k.lower(): v for k, v in defaults.items()}
    table.update({a: a for a in allowed})
    for key, value in mapping.values.get(name, {}).items():
        if value not in allowed:
            raise MappingError(f"mapping {mapping.path}: [values.{name}] {key!r} = {value!r}: "
                               f"must be one of {', '.join(allowed)}")
        table[key.strip().lower()] = value
    return table


class _Categories:
    """Resolves category / subcategory text to a category code, creating when allowed."""

    def __init__(self, frame: pd.DataFrame, mapping: Mapping) -> None:
        self.mapping = mapping
        self.sla = dict(zip(frame["code"], frame["sla_hours"].astype(float), strict=True))
        self.parent = dict(zip(frame["code"], frame["parent_code"], strict=True))
        self.by_name: dict[tuple[Any, str], str] = {}
        for code, name, name_en, parent in zip(frame["code"], frame["name"], frame["name_en"],
                                               frame["parent_code"], strict=True):
            parent = parent if isinstance(parent, str) else None
            for label in (name, name_en):
                if isinstance(label, str) and label:
                    self.by_name.setdefault((parent, label.strip().lower()), code)
        self.created: list[dict[str, Any]] = []

    def find(self, value: str, parent: str | None) -> str | None:
        if value in self.sla and (parent is None or self.parent.get(value) == parent):
            return value
        return self.by_name.get((parent, value.lower()))

    def resolve(self, value: str, parent: str | None, label: str | None) -> str | None:
        code = self.find(value, parent)
        if code is None and parent is None:  # a minor category named directly
            code = next((c for (p, n), c in self.by_name.items() if n == value.lower()), None)
        if code is not None or not self.mapping.create_missing:
            return code
        code = value if len(value) <= 20 and value not in self.sla else \
            "imp" + hashlib.sha1(f"{parent}|{value}".encode()).hexdigest()[:12]
        row = {"code": code, "name": (label or value)[:60], "name_en": None,
               "parent_code": parent, "sla_hours": self.mapping.sla_hours}
        self.created.append(row)
        self.sla[code] = self.mapping.sla_hours
        self.parent[code] = parent
        self.by_name[(parent, value.lower())] = code
        return code


def _leaves(areas: pd.DataFrame) -> tuple[set[str], dict[str, str]]:
    """Codes of the areas without children (where cases belong) and every code's level."""
    parents = set(areas["parent_code"].dropna())
    leaves = set(areas.loc[~areas["code"].isin(parents), "code"])
    return leaves, dict(zip(areas["code"], areas["level"], strict=True))


def place_points(lon: np.ndarray, lat: np.ndarray, areas: pd.DataFrame,
                 leaves: set[str]) -> np.ndarray:
    """Spatial join: the code of the leaf area holding each WGS84 point (None outside).

    A point on a shared border goes to the area with the smallest code (deterministic).
    """
    from geodata.layers import to_geoseries

    shapes = areas[areas["code"].isin(leaves) & areas["geom"].notna()].sort_values("code")
    out = np.full(len(lon), None, dtype=object)
    if shapes.empty or not len(lon):
        return out
    geoms = to_geoseries(shapes["geom"].reset_index(drop=True),
                         shapes["geom_crs"].reset_index(drop=True)).to_numpy()
    tree = shapely.STRtree(geoms)
    points = shapely.points(lon, lat)
    pi, ai = tree.query(points, predicate="intersects")
    if len(pi):
        pairs = pd.DataFrame({"p": pi, "a": ai}).sort_values(["p", "a"]).drop_duplicates("p")
        out[pairs["p"].to_numpy()] = shapes["code"].to_numpy()[pairs["a"].to_numpy()]
    return out


def prepare_cases(table: pd.DataFrame, mapping: Mapping, categories: pd.DataFrame,
                  areas: pd.DataFrame, store_tz: str = STORE_TIMEZONE) -> PreparedCases:
    """Check every row of ``table`` (text cells, :data:`ROW` numbers) against the mapping.

    Returns the accepted rows with the ``cases`` columns (times naive in ``store_tz``,
    ``due_at`` = reported + the category's SLA), the rejections with all their reasons, and
    the categories to create.
    """
    from geodata.gcj02 import gcj02_to_wgs84

    cols = mapping.columns
    n = len(table)
    index = table.index
    reasons: dict[int, list[str]] = defaultdict(list)

    def get(name: str) -> pd.Series:
        if name in cols:
            return table[cols[name]].fillna("").astype(str).str.strip()
        return pd.Series([""] * n, index=index, dtype=object)

    def flag(mask: pd.Series, message: Any) -> None:
        for i in mask[mask].index:
            reasons[i].append(message(i) if callable(message) else message)

    if mapping.default_source not in schema.SOURCES:
        raise MappingError(f"mapping {mapping.path}: [source] default_source must be one of "
                           f"{', '.join(schema.SOURCES)}")
    ids = get("id")
    flag(ids.eq(""), "no id")
    flag(ids.str.len() > 40, "id longer than 40 characters")
    first_row = dict(zip(ids[::-1], table[ROW][::-1], strict=True))
    flag(ids.duplicated(keep="first") & ids.ne(""),
         lambda i: f"duplicate id {ids[i]} (first on row {first_row[ids[i]]})")

    times: dict[str, pd.Series] = {}
    expected = mapping.timestamp_format or "ISO 8601"
    for step in STEPS:
        if step not in cols:
            times[step] = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
            continue
        raw = get(step)
        parsed, bad = parse_times(raw, mapping.timestamp_format, mapping.timezone, store_tz)
        flag(bad, lambda i, s=step, r=raw: f"cannot read {s} {r[i]!r} (expected {expected})")
        times[step] = parsed
    flag(get("reported_at").eq(""), "no reported_at")
    # steps must not go backwards: each present step >= the last present one before it
    prev = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    prev_name = pd.Series("", index=index, dtype=object)
    for step in STEPS:
        cur = times[step]
        back = cur.notna() & prev.notna() & (cur < prev)
        flag(back, lambda i, s=step, c=cur, p=prev, pn=prev_name:
             f"timestamps go backwards: {s} {c[i]} is before {pn[i]} {p[i]}")
        has = cur.notna()
        prev = prev.where(~has, cur)
        prev_name = prev_name.where(~has, step)

    # status: mapped values, or derived from the last step present
    derived = pd.Series("reported", index=index, dtype=object)
    for step in STEPS[1:]:
        derived = derived.where(times[step].isna(), step.removesuffix("_at"))
    status = derived.copy()
    if "status" in cols:
        lookup = _lookup(mapping, "status", DEFAULT_STATUS, schema.STATUSES)
        raw = get("status")
        mapped = raw.str.lower().map(lookup)
        unknown = raw.ne("") & mapped.isna()
        flag(unknown, lambda i: f"unknown status {raw[i]!r} (map it in [values.status] to one "
                                f"of {', '.join(schema.STATUSES)})")
        status = mapped.where(mapped.notna(), derived)
    done = status.isin(["resolved", "closed"]) & times["resolved_at"].isna()
    flag(done, lambda i: f"status {status[i]} but no resolved_at")

    source = pd.Series(mapping.default_source, index=index, dtype=object)
    if "source" in cols:
        lookup = _lookup(mapping, "source", DEFAULT_SOURCE, schema.SOURCES)
        raw_src = get("source")
        mapped = raw_src.str.lower().map(lookup)
        flag(raw_src.ne("") & mapped.isna(),
             lambda i: f"unknown source {raw_src[i]!r} (map it in [values.source] to one of "
                       f"{', '.join(schema.SOURCES)})")
        source = mapped.where(mapped.notna(), mapping.default_source)

    cats = _Categories(categories, mapping)
    major_raw, minor_raw, label_raw = get("category"), get("subcategory"), get("category_name")
    category = pd.Series(None, index=index, dtype=object)
    for i in index:
        if not major_raw[i]:
            reasons[i].append("no category")
            continue
        label = label_raw[i] or None
        major = cats.resolve(major_raw[i], None, None if minor_raw[i] else label)
        if major is None:
            reasons[i].append(f"unknown category {major_raw[i]!r} (set [categories] "
                              "create_missing = true to create it)")
            continue
        if minor_raw[i]:
            minor = cats.resolve(minor_raw[i], major, label)
            if minor is None:
                reasons[i].append(f"unknown subcategory {minor_raw[i]!r} of {major} (set "
                                  "[categories] create_missing = true to create it)")
                continue
            major = minor
        category[i] = major

    # area: the code given, else the point's leaf area
    leaves, level_of = _leaves(areas)
    bottom = "grid" if "grid" in level_of.values() else "village"
    area = get("grid")
    lon = pd.to_numeric(get("lon").replace("", np.nan), errors="coerce")
    lat = pd.to_numeric(get("lat").replace("", np.nan), errors="coerce")
    flag(get("lon").ne("") & lon.isna(), lambda i: f"lon is not a number: {get('lon')[i]!r}")
    flag(get("lat").ne("") & lat.isna(), lambda i: f"lat is not a number: {get('lat')[i]!r}")
    flag(lon.notna() != lat.notna(), "only one of lon / lat given")
    bad_range = (lon.notna() & ~lon.between(-180, 180)) | (lat.notna() & ~lat.between(-90, 90))
    flag(bad_range, lambda i: f"coordinates out of range: {lon[i]}, {lat[i]}")
    if mapping.coordinates == "gcj02":
        both = lon.notna() & lat.notna()
        wl, wa = gcj02_to_wgs84(lon[both].to_numpy(), lat[both].to_numpy())
        lon[both], lat[both] = wl, wa
    has_code = area.ne("")
    known = area.isin(list(level_of))
    flag(has_code & ~known, lambda i: f"unknown area code {area[i]!r}")
    inner = has_code & known & ~area.isin(list(leaves))
    flag(inner, lambda i: f"area {area[i]} is a {level_of[area[i]]} with smaller areas below "
                          f"it: a case belongs to the deepest area ({bottom})")
    need = ~has_code & lon.notna() & lat.notna() & ~bad_range
    flag(~has_code & ~(lon.notna() & lat.notna()),
         "no area code and no coordinates: the case cannot be placed")
    placed = 0
    if need.any():
        found = place_points(lon[need].to_numpy(), lat[need].to_numpy(), areas, leaves)
        area = area.copy()
        area[need] = found
        outside = need & area.isna()
        flag(outside, lambda i: f"point ({lon[i]:.6f}, {lat[i]:.6f}) lies outside every "
                                f"{bottom}")
        placed = int((need & area.notna()).sum())

    satisfaction = pd.Series(None, index=index, dtype=object)
    if "satisfaction" in cols:
        raw_sat = get("satisfaction")
        num = pd.to_numeric(raw_sat.replace("", np.nan), errors="coerce")
        ok = num.between(1, 5) & (num % 1 == 0)
        flag(raw_sat.ne("") & ~ok,
             lambda i: f"satisfaction must be a whole number 1-5, not {raw_sat[i]!r}")
        satisfaction = num.where(ok).astype(object)
    reopen = pd.Series(0, index=index, dtype=object)
    if "reopen_count" in cols:
        raw_re = get("reopen_count")
        num = pd.to_numeric(raw_re.replace("", "0"), errors="coerce")
        ok = num.notna() & (num >= 0) & (num % 1 == 0) & (num < 32768)
        flag(~ok, lambda i: f"reopen_count must be a whole number >= 0, not {raw_re[i]!r}")
        reopen = num.where(ok).astype(object)
    unit = get("handling_unit")
    flag(unit.str.len() > 80, "handling_unit longer than 80 characters")

    good = pd.Series([i not in reasons for i in index], index=index)
    sla_hours = category.map(cats.sla)
    rows = pd.DataFrame({
        "id": ids, "source": source, "category_code": category, "area_code": area,
        "lon": lon.where(lon.notna() & lat.notna()), "lat": lat.where(lon.notna() & lat.notna()),
        **{s: times[s] for s in STEPS},
        "status": status, "satisfaction": satisfaction, "reopen_count": reopen,
        "handling_unit": unit.where(unit.ne(""), None),
        "summary": get("summary").where(get("summary").ne(""), None),
        "row": table[ROW],
    })[good]
    rows["due_at"] = rows["reported_at"] + pd.to_timedelta(
        sla_hours[good].astype(float), unit="h")
    rows["due_at"] = rows["due_at"].dt.floor("s")
    rejections = [Rejection(int(table.loc[i, ROW]), ids[i], "; ".join(reasons[i]))
                  for i in sorted(reasons)]
    update_cols = ["category_code", "area_code", "reported_at", "due_at", "status"]
    optional = {"source": ["source"], "lon": ["lon", "lat"], "lat": ["lon", "lat"],
                "satisfaction": ["satisfaction"], "reopen_count": ["reopen_count"],
                "handling_unit": ["handling_unit"], "summary": ["summary"]}
    for name, targets in optional.items():
        if name in cols:
            update_cols += [t for t in targets if t not in update_cols]
    update_cols += [s for s in STEPS[1:] if s in cols]
    return PreparedCases(rows=rows.reset_index(drop=True), rejections=rejections,
                         new_categories=cats.created, placed=placed, update_cols=update_cols)


CASE_COLUMNS = ["id", "source", "category_code", "area_code", "lon", "lat", *STEPS, "due_at",
                "status", "satisfaction", "reopen_count", "handling_unit", "summary"]


def write_cases(conn: Connection, prepared: PreparedCases, now: datetime,
                progress: Progress | None = None) -> tuple[int, int, int]:
    """Upsert the prepared rows (and new categories); returns (added, updated, unchanged)."""
    new = records(prepared.rows, CASE_COLUMNS)
    old = q.fetch_by_keys(conn, schema.cases, "id", [r["id"] for r in new],
                          prepared.update_cols)
    added, updated, same = classify(new, old, "id", prepared.update_cols)
    if prepared.new_categories:
        majors = [c for c in prepared.new_categories if c["parent_code"] is None]
        minors = [c for c in prepared.new_categories if c["parent_code"] is not None]
        q.upsert_rows(conn, schema.case_categories, majors + minors, [])
    changed = added + updated
    for row in changed:
        row["updated_at"] = now
    if progress is not None:
        progress.total = max(len(changed), 1)
    q.upsert_rows(conn, schema.cases, changed, [*prepared.update_cols, "updated_at"],
                  progress=progress)
    return len(added), len(updated), same


def import_case_table(engine: Engine, table: pd.DataFrame, mapping: Mapping, source_name: str,
                      *, rejects: Path | None = None, dry_run: bool = False,
                      as_of: datetime | None = None, show_progress: bool | None = None,
                      originals: dict[int, dict[str, object]] | None = None) -> Summary:
    """Check and import an already-read table of cases in one transaction."""
    started = time.perf_counter()
    check_columns(table, mapping.columns, mapping.path)
    summary = Summary(what="cases", source=Path(source_name).name, read=len(table),
                      dry_run=dry_run)
    with transaction(engine, dry_run=dry_run) as conn:
        meta = check_target(conn)
        areas = q.fetch_areas(conn)
        if areas.empty:
            raise ValueError("the database has no areas: import the area tree first "
                             "(countydash import-areas)")
        categories = q.fetch_table(conn, schema.case_categories)
        prepared = prepare_cases(table, mapping, categories, areas,
                                 meta.get("timezone", STORE_TIMEZONE))
        progress = Progress("cases", len(prepared.rows), enabled=show_progress)
        now = datetime.now().replace(microsecond=0)
        added, updated, same = write_cases(conn, prepared, now, progress)
        progress.close()
        finish(conn, bool(added or updated or prepared.new_categories), as_of)
    summary.added, summary.updated, summary.unchanged = added, updated, same
    summary.rejections = prepared.rejections
    if prepared.new_categories:
        summary.created["categories"] = len(prepared.new_categories)
    if prepared.placed:
        summary.created["placed by coordinates"] = prepared.placed
    if prepared.rejections:
        if originals is None:
            originals = {int(r[ROW]): {k: v for k, v in r.items() if k != ROW}
                         for r in table.to_dict("records")}
        summary.rejects_path = write_rejects(
            rejects or default_rejects_path(Path(source_name)), prepared.rejections, originals)
    summary.seconds = time.perf_counter() - started
    return summary


def import_cases(engine: Engine, path: Path, mapping: Mapping, **kwargs: Any) -> Summary:
    """``countydash import-cases FILE --mapping M``: read the CSV / Excel file and import."""
    table = read_table(Path(path), sheet=mapping.sheet, encoding=mapping.encoding)
    return import_case_table(engine, table, mapping, str(path), **kwargs)
