"""Open311 GeoReport v2 service requests (JSON) as a source of cases.

A GeoReport v2 ``requests.json`` is a list of service requests (or an object holding one
under ``service_requests``). Each becomes a case: ``service_request_id`` -> id,
``service_code`` -> category (named after ``service_name`` when created), ``requested_datetime``
-> reported_at, status ``closed`` -> closed (resolved and closed at ``updated_datetime``),
``open`` -> reported, ``lat`` / ``long`` -> coordinates (placed in the deepest areas),
``agency_responsible`` -> handling unit, ``description`` -> summary. Timestamps carry their
offset (W3C format). An optional mapping file adds ``[source]`` (timezone for naive
timestamps, default_source), ``[categories]`` and ``[values]``; by default unknown service
codes are created as categories and the source is ``app``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dashboard.importer.mapping import Mapping, parse_mapping
from dashboard.importer.tabular import ROW

#: GeoReport v2 attribute -> our column (as mapped in :data:`OPEN311_COLUMNS`).
OPEN311_COLUMNS: dict[str, str] = {
    "id": "service_request_id",
    "category": "service_code",
    "category_name": "service_name",
    "reported_at": "requested_datetime",
    "status": "status",
    "resolved_at": "resolved_datetime",
    "closed_at": "closed_datetime",
    "lon": "long",
    "lat": "lat",
    "handling_unit": "agency_responsible",
    "summary": "description",
}


def read_open311(path: Path) -> pd.DataFrame:
    """The requests as a text table (:data:`ROW` = position in the list, from 1), with
    ``resolved_datetime`` / ``closed_datetime`` derived from closed requests."""
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"no such file: {path}") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{Path(path).name} is not JSON: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("service_requests", data.get("requests"))
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ValueError(f"{Path(path).name}: expected a GeoReport v2 list of service requests")
    fields = [*dict.fromkeys([*OPEN311_COLUMNS.values(), "updated_datetime", "address"])]
    fields = [f for f in fields if f not in ("resolved_datetime", "closed_datetime")]

    def text(value: Any) -> str:
        return "" if value is None else str(value).strip()

    table = pd.DataFrame({f: [text(r.get(f)) for r in data] for f in fields})
    closed = table["status"].str.lower().eq("closed")
    table["resolved_datetime"] = table["updated_datetime"].where(closed, "")
    table["closed_datetime"] = table["resolved_datetime"]
    table[ROW] = np.arange(1, len(table) + 1)
    return table


def open311_mapping(extra: dict[str, Any] | None = None) -> Mapping:
    """The built-in GeoReport v2 mapping, overlaid with a user's [source] / [categories] /
    [values] tables."""
    from dashboard.importer.cases import CASE_FIELDS, CASE_REQUIRED

    extra = extra or {}
    data: dict[str, Any] = {
        "columns": dict(OPEN311_COLUMNS),
        "source": {"timezone": "UTC", "default_source": "app",
                   **extra.get("source", {})},
        "categories": {"create_missing": True, **extra.get("categories", {})},
        "values": {"status": {"open": "reported", "closed": "closed"},
                   **extra.get("values", {})},
    }
    data["columns"].update(extra.get("columns", {}))
    return parse_mapping(data, fields=CASE_FIELDS, required=CASE_REQUIRED,
                         where="(Open311 GeoReport v2)")
