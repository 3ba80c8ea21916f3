"""Warning snapshots: read the tiers held on past days, write one day's tiers."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
from sqlalchemy import Engine, Select, delete, func, insert, select

from dashboard import db
from dashboard.schema import warning_snapshots as ws


def build_latest_before(day: date) -> Select:
    """The tiers of the most recent snapshot strictly before ``day``."""
    last = select(func.max(ws.c.day)).where(ws.c.day < day).scalar_subquery()
    return select(ws.c.unit_type, ws.c.code, ws.c.tier).where(ws.c.day == last)


def fetch_held(engine: Engine, day: date) -> dict[tuple[str, str], str]:
    """``{(unit_type, code): tier}`` held at the last snapshot before ``day``."""
    frame = db.read_frame(engine, build_latest_before(day))
    return {(u, c): t for u, c, t in zip(frame["unit_type"], frame["code"], frame["tier"],
                                         strict=True)}


def replace_day(engine: Engine, day: date, rows: pd.DataFrame) -> int:
    """Write ``day``'s snapshot (unit_type, code, tier, reasons), replacing any earlier one
    of the same day in one transaction: running it twice a day leaves one snapshot."""
    records = [{"day": day, "unit_type": r.unit_type, "code": r.code, "tier": r.tier,
                "reasons": json.dumps(r.reasons, ensure_ascii=False)}
               for r in rows.itertuples() if r.tier]
    with engine.begin() as conn:
        conn.execute(delete(ws).where(ws.c.day == day))
        if records:
            conn.execute(insert(ws), records)
    return len(records)


def build_history(codes_since: date) -> Select:
    return (select(ws.c.day, ws.c.unit_type, ws.c.code, ws.c.tier)
            .where(ws.c.day >= codes_since).order_by(ws.c.day))


def fetch_history(engine: Engine, since: date) -> pd.DataFrame:
    """Every snapshot row since ``since``: day, unit_type, code, tier."""
    frame = db.read_frame(engine, build_history(since))
    if not frame.empty:
        frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def fetch_snapshot_days(engine: Engine) -> list[date]:
    frame = db.read_frame(engine, select(ws.c.day).distinct().order_by(ws.c.day))
    return [pd.Timestamp(d).date() for d in frame["day"]]
