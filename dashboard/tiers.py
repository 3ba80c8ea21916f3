"""Warning tiers now and over time: metrics per unit, rule evaluation, daily snapshots.

The current tiers are evaluated at the data's as-of instant over the rules' window, with the
tiers held at the last snapshot before today for hysteresis. ``snapshot`` writes one day's
tiers (idempotent per day); ``backfill`` writes a history for the demo.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Engine

from dashboard.cache import data_cached
from dashboard.rules import TIER_RANK, RuleSet, evaluate
from queries.context import QueryContext
from queries.unit_figures import fetch_level_figures
from queries.warnings import fetch_held, fetch_history, replace_day

#: unit_type -> function(ctx, window start, instant, metrics used) -> frame with code, name,
#: sample and the metrics
UnitSource = Callable[[QueryContext, datetime, datetime, frozenset[str]], pd.DataFrame]


def _areas(level: str) -> UnitSource:
    def source(ctx: QueryContext, lo: datetime, hi: datetime, used: frozenset[str]
               ) -> pd.DataFrame:
        return fetch_level_figures(ctx, level, lo, hi, with_median="median_hours" in used)
    return source


def _branches(ctx: QueryContext, lo: datetime, hi: datetime, used: frozenset[str]
              ) -> pd.DataFrame:
    from queries.branch_metrics import fetch_branch_metrics

    return fetch_branch_metrics(ctx, hi)


SOURCES: dict[str, UnitSource] = {
    "town": _areas("town"), "village": _areas("village"), "grid": _areas("grid"),
    "branch": _branches,
}


def evaluate_at(ctx: QueryContext, rules: RuleSet, instant: datetime,
                held: dict[tuple[str, str], str] | None = None) -> pd.DataFrame:
    """Every unit's tier at ``instant``: unit_type, code, name, tier, reasons."""
    held = held or {}
    lo = instant - timedelta(days=rules.window_days)
    frames = []
    for unit_type in sorted({r.unit_type for r in rules.rules}):
        used = frozenset(r.metric for r in rules.for_unit(unit_type))
        units = SOURCES[unit_type](ctx, lo, instant, used)
        mine = {code: tier for (u, code), tier in held.items() if u == unit_type}
        result = evaluate(rules.for_unit(unit_type), units, mine)
        result.insert(0, "unit_type", unit_type)
        result["area_code"] = (units["area_code"] if "area_code" in units
                               else units["code"]).to_numpy()
        frames.append(result)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["unit_type", "code", "name", "tier", "reasons", "area_code"])
    out["rank"] = out["tier"].map(TIER_RANK)
    return out


def within_area(warnings: pd.DataFrame, codes: frozenset[str]) -> pd.DataFrame:
    """The warnings of units inside an area (branches by their village)."""
    where = warnings["area_code"] if "area_code" in warnings else warnings["code"]
    return warnings[where.isin(codes)]


def to_json_records(warnings: pd.DataFrame) -> list[dict[str, object]]:
    """The ``countydash warnings --json`` shape, most severe first."""
    rows = warnings[warnings["tier"].notna()].sort_values(["rank", "unit_type", "code"])
    return [{"unit_type": r.unit_type, "code": r.code, "name": r.name, "tier": r.tier,
             "reasons": [{"rule": x["rule"], "metric": x["metric"], "value": x["value"],
                          "threshold": x["threshold"]} for x in r.reasons]}
            for r in rows.itertuples()]


@data_cached
def current_warnings(ctx: QueryContext, rules: RuleSet) -> pd.DataFrame:
    """Tiers at the data's as-of instant, cached per data version and caller scope."""
    return current(ctx, rules)


def current(ctx: QueryContext, rules: RuleSet) -> pd.DataFrame:
    """Tiers at the data's as-of instant (hysteresis against the last snapshot before it)."""
    day = ctx.now.date()
    return evaluate_at(ctx, rules, ctx.now, fetch_held(ctx.engine, day + timedelta(days=1)))


def snapshot(engine: Engine, rules: RuleSet, day: date) -> int:
    """Evaluate at ``day`` 00:00 and store the tiers for that day (replacing a same-day run).

    Returns the number of units holding a tier.
    """
    ctx = QueryContext(engine=engine)
    rows = evaluate_at(ctx, rules, datetime.combine(day, time()), fetch_held(engine, day))
    return replace_day(engine, day, rows)


def backfill(engine: Engine, rules: RuleSet, last_day: date, days: int = 120,
             step: int = 1) -> int:
    """Snapshots for ``days`` days up to ``last_day``, every ``step`` days, oldest first."""
    written = 0
    first = last_day - timedelta(days=days)
    day = first
    while day <= last_day:
        written += snapshot(engine, rules, day)
        day += timedelta(days=step)
    return written


def streaks(engine: Engine, today: date, weeks: int = 26) -> pd.DataFrame:
    """For every unit in today's snapshot: since when it holds its tier and whether it is new
    this week. Columns unit_type, code, tier, since (date), days_held, new_this_week."""
    hist = fetch_history(engine, today - timedelta(weeks=weeks))
    cols = ["unit_type", "code", "tier", "since", "days_held", "new_this_week"]
    if hist.empty:
        return pd.DataFrame(columns=cols)
    days = sorted(hist["day"].unique())
    latest = days[-1]
    now_rows = hist[hist["day"] == latest]
    by_unit = {k: dict(zip(g["day"], g["tier"], strict=True))
               for k, g in hist.groupby(["unit_type", "code"])}
    out = []
    for r in now_rows.itertuples():
        seen = by_unit[(r.unit_type, r.code)]
        since = latest
        for d in reversed(days):
            if seen.get(d) != r.tier:
                break
            since = d
        out.append({"unit_type": r.unit_type, "code": r.code, "tier": r.tier, "since": since,
                    "days_held": (latest - since).days + 1,
                    "new_this_week": (latest - since).days < 7})
    return pd.DataFrame(out, columns=cols)
