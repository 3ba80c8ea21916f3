"""Mapping files (TOML): which source column feeds which field, and how to read values.

Example for cases::

    [source]
    timezone = "Asia/Shanghai"          # of the timestamps in the file (required)
    timestamp_format = "%Y/%m/%d %H:%M"  # optional; ISO 8601 by default
    coordinates = "wgs84"               # or "gcj02" (Chinese web maps), "cgcs2000"
    sheet = "Sheet1"                    # Excel: the sheet (default: the first)
    encoding = "gb18030"                # CSV: default UTF-8, then GB18030
    default_source = "hotline"          # when there is no source column

    [columns]
    id = "工单编号"
    category = "大类"
    reported_at = "上报时间"

    [categories]
    create_missing = true
    sla_hours = 48

    [values.status]
    "处理中" = "dispatched"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Mapping:
    """A parsed, checked mapping."""

    columns: dict[str, str]
    timezone: str = "Asia/Shanghai"
    timestamp_format: str | None = None
    coordinates: str = "wgs84"
    sheet: str | None = None
    encoding: str | None = None
    default_source: str = "other"
    create_missing: bool = False
    sla_hours: float = 24.0
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    path: str = "(built in)"


COORDINATES = ("wgs84", "gcj02", "cgcs2000")


def parse_mapping(data: dict[str, Any], *, fields: tuple[str, ...], required: tuple[str, ...],
                  where: str = "(built in)", need_timezone: bool = True) -> Mapping:
    """Check a mapping's tables against the fields of one kind of import."""
    def fail(message: str) -> MappingError:
        return MappingError(f"mapping {where}: {message}")

    unknown_tables = sorted(set(data) - {"source", "columns", "categories", "values"})
    if unknown_tables:
        raise fail(f"unknown table [{unknown_tables[0]}]; expected [source], [columns], "
                   "[categories], [values]")
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise fail("needs a [columns] table naming the source column of each field")
    unknown = sorted(set(columns) - set(fields))
    if unknown:
        raise fail(f"unknown field {unknown[0]!r} in [columns]; fields are: {', '.join(fields)}")
    missing = [f for f in required if f not in columns]
    if missing:
        raise fail(f"[columns] must name the source column of {', '.join(missing)}")
    for key, value in columns.items():
        if not isinstance(value, str) or not value.strip():
            raise fail(f"[columns] {key} must be a column name (text)")
    source = data.get("source", {})
    if not isinstance(source, dict):
        raise fail("[source] must be a table")
    allowed = {"timezone", "timestamp_format", "coordinates", "sheet", "encoding",
               "default_source"}
    bad = sorted(set(source) - allowed)
    if bad:
        raise fail(f"unknown key {bad[0]!r} in [source]; keys are: {', '.join(sorted(allowed))}")
    if need_timezone and "timezone" not in source:
        raise fail('[source] needs timezone = "Asia/Shanghai" (the zone of the timestamps)')
    tz = str(source.get("timezone", "Asia/Shanghai"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise fail(f"[source] timezone {tz!r} is not an IANA zone such as Asia/Shanghai") \
            from exc
    coords = str(source.get("coordinates", "wgs84")).lower().replace("-", "")
    if coords not in COORDINATES:
        raise fail(f"[source] coordinates must be one of {', '.join(COORDINATES)}")
    cats = data.get("categories", {})
    if not isinstance(cats, dict) or set(cats) - {"create_missing", "sla_hours"}:
        raise fail("[categories] takes create_missing = true/false and sla_hours = number")
    create = cats.get("create_missing", False)
    if not isinstance(create, bool):
        raise fail("[categories] create_missing must be true or false")
    sla = cats.get("sla_hours", 24.0)
    if isinstance(sla, bool) or not isinstance(sla, int | float) or sla <= 0:
        raise fail("[categories] sla_hours must be a positive number of hours")
    values = data.get("values", {})
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise fail('[values.<field>] tables map source values to ours, e.g. "已办结" = "resolved"')
    return Mapping(
        columns={k: v.strip() for k, v in columns.items()},
        timezone=tz,
        timestamp_format=source.get("timestamp_format"),
        coordinates=coords,
        sheet=source.get("sheet"),
        encoding=source.get("encoding"),
        default_source=str(source.get("default_source", "other")),
        create_missing=create,
        sla_hours=float(sla),
        values={k: {str(a): str(b) for a, b in v.items()} for k, v in values.items()},
        path=where,
    )


def load_mapping(path: Path | str, *, fields: tuple[str, ...], required: tuple[str, ...],
                 need_timezone: bool = True) -> Mapping:
    """Read and check a mapping TOML file (MappingError with the reason if it is wrong)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise MappingError(f"no mapping file {p}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"mapping {p} is not valid TOML: {exc}") from exc
    return parse_mapping(data, fields=fields, required=required, where=str(p),
                         need_timezone=need_timezone)


def identity_mapping(fields: tuple[str, ...], present: list[str]) -> dict[str, Any]:
    """A mapping whose columns are the fields themselves (files already in our format)."""
    return {"columns": {f: f for f in fields if f in present}}
