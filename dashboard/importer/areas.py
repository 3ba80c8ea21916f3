"""``countydash import-areas``: polygons of one level into ``areas``, then the closure."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from dashboard import schema
from dashboard.importer.common import check_target, classify, finish, records, transaction
from dashboard.importer.report import Summary, default_rejects_path, write_rejects
from geodata.importer import AreaSource, plan_areas, read_features
from queries import imports as q

#: Columns an area import always writes (households / population only when named).
AREA_COLUMNS = ["code", "name", "level", "parent_code", "geom", "geom_crs", "geom_source"]


def import_areas(engine: Engine, source: AreaSource, *, rejects: Path | None = None,
                 dry_run: bool = False, as_of: datetime | None = None) -> Summary:
    """Read, check and upsert one level of areas in one transaction; rebuild ``area_paths``.

    Returns the summary (rejected features go to the rejects file: ``rejects`` or
    ``<file>.rejects.csv``). Raises ValueError for a file that cannot be imported at all.
    """
    started = time.perf_counter()
    path = Path(source.path)
    gdf, crs_findings = read_features(source)
    summary = Summary(what=f"{source.level} areas", source=path.name, read=len(gdf),
                      dry_run=dry_run)
    columns = list(AREA_COLUMNS)
    if source.households_field:
        columns.append("households")
    if source.population_field:
        columns.append("population")
    with transaction(engine, dry_run=dry_run) as conn:
        check_target(conn)
        existing = q.fetch_areas(conn)
        plan = plan_areas(gdf, source, existing)
        new = records(plan.rows, columns)
        old = existing[existing["code"].isin(plan.rows["code"])][columns]
        added, updated, same = classify(new, old, "code", columns)
        if plan.root is not None:
            q.upsert_rows(conn, schema.areas, [plan.root], [])
            summary.created["county root (derived)"] = 1
        q.upsert_rows(conn, schema.areas, added + updated, columns)
        q.rebuild_area_paths(conn)
        finish(conn, bool(added or updated or plan.root), as_of)
    summary.added, summary.updated, summary.unchanged = len(added), len(updated), same
    summary.repaired = plan.repaired
    summary.rejections = plan.rejections
    summary.findings = crs_findings + plan.findings
    if plan.rejections:
        summary.rejects_path = write_rejects(rejects or default_rejects_path(path),
                                             plan.rejections, plan.originals)
    summary.seconds = time.perf_counter() - started
    return summary
