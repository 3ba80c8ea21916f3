"""One grid's card: its worker, households, party group and latest cases."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, select

from dashboard import db
from dashboard.cache import data_cached
from dashboard.privacy import mask_name, mask_phone
from dashboard.schema import areas, case_categories, cases, grid_party_groups, grid_workers
from queries.context import QueryContext
from queries.scope import in_scope


def build_grid_info(ctx: QueryContext, code: str) -> Select:
    return (
        select(areas.c.code, areas.c.name, areas.c.level, areas.c.households,
               areas.c.population, grid_workers.c.name.label("worker"),
               grid_workers.c.phone.label("worker_phone"),
               grid_party_groups.c.name.label("party_group"))
        .select_from(areas)
        .outerjoin(grid_workers, grid_workers.c.grid_code == areas.c.code)
        .outerjoin(grid_party_groups, grid_party_groups.c.grid_code == areas.c.code)
        .where(areas.c.code == code, in_scope(areas.c.code, ctx.scope))
        .limit(1)
    )


def build_latest_cases(ctx: QueryContext, code: str, limit: int = 5) -> Select:
    return (
        select(cases.c.id, cases.c.reported_at, case_categories.c.name.label("category"),
               cases.c.status)
        .join(case_categories, case_categories.c.code == cases.c.category_code)
        .where(cases.c.area_code == code, cases.c.reported_at <= ctx.now,
               in_scope(cases.c.area_code, ctx.scope))
        .order_by(cases.c.reported_at.desc())
        .limit(limit)
    )


@data_cached
def fetch_grid_card(ctx: QueryContext, code: str) -> tuple[dict[str, object] | None,
                                                            pd.DataFrame]:
    """The grid's facts (worker masked unless the scope allows personal data) and its five
    latest cases; ``(None, empty)`` for an unknown grid, one outside the caller's scope, or a
    caller limited to aggregates."""
    if ctx.scope.aggregates_only:  # analysts and kiosks see no person and no single case
        return None, pd.DataFrame()
    info = db.read_frame(ctx.engine, build_grid_info(ctx, code))
    if info.empty:
        return None, pd.DataFrame()
    rec = info.iloc[0].to_dict()
    if not ctx.scope.pii:
        rec["worker"] = mask_name(rec["worker"])
        rec["worker_phone"] = mask_phone(rec["worker_phone"])
    latest = db.read_frame(ctx.engine, build_latest_cases(ctx, code))
    return rec, latest
