"""Per-branch coverage figures of one month, for warning rules on party branches."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Select, func, select

from dashboard import db
from dashboard.cache import data_cached
from dashboard.schema import coverage_monthly as cov
from dashboard.schema import party_branches as pb
from queries.context import QueryContext
from queries.coverage import share_columns
from queries.scope import in_scope


def latest_month_before(ctx: QueryContext, instant: datetime) -> Select:
    return select(func.max(cov.c.month)).where(cov.c.month <= (instant - timedelta(seconds=1))
                                               .date())


def build_branch_month(ctx: QueryContext, month: date) -> Select:
    """Shares per branch for ``month`` (NULL where the denominator is 0), with the same
    share expressions as the coverage page."""
    shares = share_columns()
    return (
        select(pb.c.id.label("code"), pb.c.name, pb.c.area_code, cov.c.members.label("sample"),
               shares["registered"].label("registered_share"),
               shares["active"].label("active_share"),
               cov.c.study_completion,
               shares["meetings"].label("meetings_share"),
               shares["broadband"].label("broadband_share"))
        .join(cov, cov.c.branch_id == pb.c.id)
        .where(cov.c.month == month, in_scope(pb.c.area_code, ctx.scope))
        .order_by(pb.c.id)
    )


@data_cached
def fetch_branch_metrics(ctx: QueryContext, instant: datetime) -> pd.DataFrame:
    """Every visible branch's figures for the latest month before ``instant``.

    Columns code (branch id), name, area_code (its village), sample (members), the five
    shares (0-1) and coverage_index (0-100, see :func:`dashboard.indicators.coverage_index`).
    """
    from dashboard.indicators import coverage_index

    month = db.read_scalar(ctx.engine, latest_month_before(ctx, instant))
    if month is None:
        return pd.DataFrame(columns=["code", "name", "area_code", "sample", "coverage_index"])
    frame = db.read_frame(ctx.engine, build_branch_month(ctx, pd.Timestamp(month).date()))
    frame["coverage_index"] = coverage_index(frame)
    return frame
