"""The map metrics: what each measures, its unit, and which way is worse.

A metric's column is computed per child area by ``queries``; layouts read this registry to
colour, label and format it. Rates and times need a minimum sample (``min_sample`` cases in
the period); counts do not.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    unit_key: str
    fmt: str  # int | pct | hours | ratio | tier
    higher_is_worse: bool
    needs_sample: bool


MAP_METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("cases", "unit.cases", "int", True, False),
        Metric("cases_per_1k", "unit.per_1k", "ratio", True, False),
        Metric("open_now", "unit.cases", "int", True, False),
        Metric("overdue_now", "unit.cases", "int", True, False),
        Metric("median_hours", "unit.hours", "hours", True, True),
        Metric("within_sla_rate", "unit.percent", "pct", False, True),
        Metric("coverage_index", "coverage.unit.index", "ratio", False, False),
        Metric("warning_tier", "unit.tier", "tier", True, False),
    )
}
DEFAULT_MAP_METRIC = "overdue_now"


def map_metric(name: str | None) -> Metric:
    """The named metric, or the default for an unknown or missing name."""
    return MAP_METRICS.get(name or "", MAP_METRICS[DEFAULT_MAP_METRIC])
