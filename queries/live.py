"""Writes of the case simulator (``countydash simulate``): new cases, resolutions, the clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, and_, insert, select, update

from dashboard import db
from dashboard.schema import areas, case_categories, cases, dataset_meta


def fetch_grids_and_categories(engine: Engine) -> tuple[list[str], pd.DataFrame]:
    """Codes of the deepest areas (grids, or villages without grids) and the minor
    categories with their SLA hours."""
    leaves = db.read_frame(engine, select(areas.c.code).where(
        ~areas.c.code.in_(select(areas.c.parent_code).where(areas.c.parent_code.is_not(None)))
    ).order_by(areas.c.code))
    cats = db.read_frame(engine, select(case_categories.c.code, case_categories.c.sla_hours)
                         .where(case_categories.c.parent_code.is_not(None))
                         .order_by(case_categories.c.code))
    return leaves["code"].tolist(), cats


def fetch_open_ids(engine: Engine, limit: int) -> list[str]:
    """The oldest open cases (by report time)."""
    frame = db.read_frame(engine, select(cases.c.id).where(cases.c.resolved_at.is_(None))
                          .order_by(cases.c.reported_at.desc()).limit(limit))
    return frame["id"].tolist()


def insert_cases(engine: Engine, rows: Sequence[dict[str, object]]) -> None:
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(cases), list(rows))


def resolve_cases(engine: Engine, ids: Sequence[str], at: datetime) -> None:
    if ids:
        with engine.begin() as conn:
            conn.execute(update(cases).where(and_(cases.c.id.in_(list(ids)),
                                                  cases.c.resolved_at.is_(None)))
                         .values(resolved_at=at, status="resolved", updated_at=at))


def set_as_of(engine: Engine, at: datetime) -> None:
    """Move the data's as-of instant (the simulated clock)."""
    with engine.begin() as conn:
        done = conn.execute(update(dataset_meta).where(dataset_meta.c.key == "as_of")
                            .values(value=at.isoformat())).rowcount
        if not done:
            conn.execute(insert(dataset_meta).values(key="as_of", value=at.isoformat()))
