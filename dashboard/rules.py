"""Red / yellow / blue warning rules: declared in TOML, validated, evaluated on frames.

A rule says: for units of ``unit_type``, when ``metric`` ``comparison`` ``threshold`` holds
(judged only with at least ``min_sample`` cases or members), the unit is at ``tier``. A unit's
tier is the most severe rule it breaks. A unit that already held a rule's tier leaves it only
when its value has moved ``hysteresis`` beyond the threshold, so it does not flap.
"""

from __future__ import annotations

import hashlib
import math
import operator
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

TIERS: tuple[str, ...] = ("red", "yellow", "blue")  # most severe first
TIER_RANK = {tier: i for i, tier in enumerate(TIERS)}
UNIT_TYPES: tuple[str, ...] = ("branch", "grid", "village", "town")
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
#: Metrics each unit type can be judged on (computed in queries/warnings.py).
METRICS: dict[str, tuple[str, ...]] = {
    "town": ("within_sla_rate", "completion_rate", "overdue_now", "open_now",
             "median_hours", "reopen_rate", "low_satisfaction_rate", "cases"),
    "village": ("within_sla_rate", "completion_rate", "overdue_now", "open_now",
                "median_hours", "reopen_rate", "low_satisfaction_rate", "cases"),
    "grid": ("within_sla_rate", "completion_rate", "overdue_now", "open_now",
             "median_hours", "reopen_rate", "low_satisfaction_rate", "cases"),
    "branch": ("coverage_index", "registered_share", "active_share", "study_completion",
               "meetings_share", "broadband_share"),
}
DEFAULT_RULES = Path(__file__).with_name("rules.default.toml")
REQUIRED = ("id", "unit_type", "metric", "comparison", "threshold", "tier", "reason_zh",
            "reason_en")


class RulesError(ValueError):
    """An invalid rules file; the message names the rule and the field."""


@dataclass(frozen=True)
class Rule:
    id: str
    unit_type: str
    metric: str
    comparison: str
    threshold: float
    tier: str
    reason_zh: str
    reason_en: str
    min_sample: int = 0
    hysteresis: float = 0.0

    def breaks(self, value: float, held: bool) -> bool:
        """Does ``value`` break this rule? A unit holding the tier needs the margin to leave."""
        if value is None or math.isnan(value):
            return False
        threshold = self.threshold
        if held and self.hysteresis:
            # widen the rule by the margin in the direction that keeps the unit in the tier
            threshold += self.hysteresis if self.comparison in ("<", "<=") else -self.hysteresis
        return COMPARISONS[self.comparison](value, threshold)

    def lift_value(self, held: bool) -> float:
        """The value the unit must reach to leave this rule's tier."""
        margin = self.hysteresis if held else 0.0
        return self.threshold + margin if self.comparison in ("<", "<=") else \
            self.threshold - margin


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    window_days: int = 30

    def for_unit(self, unit_type: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.unit_type == unit_type)


def _number(rule_id: str, field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesError(f"rule {rule_id!r}: field {field!r} must be a number, got {value!r}")
    if math.isnan(float(value)):
        raise RulesError(f"rule {rule_id!r}: field {field!r} must be a number, got NaN")
    return float(value)


def parse_rules(data: Mapping[str, Any]) -> RuleSet:
    """Validate a parsed TOML document; every problem names the rule and the field."""
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesError("the rules file has no [[rule]] tables")
    window = data.get("window_days", 30)
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise RulesError(f"field 'window_days' must be a whole number of days, got {window!r}")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules, start=1):
        rule_id = str(raw.get("id") or f"#{index}")
        for field in REQUIRED:
            if field not in raw or raw[field] in ("", None):
                raise RulesError(f"rule {rule_id!r}: missing field {field!r}")
        unknown = set(raw) - set(REQUIRED) - {"min_sample", "hysteresis"}
        if unknown:
            raise RulesError(f"rule {rule_id!r}: unknown field {sorted(unknown)[0]!r}")
        if rule_id in seen:
            raise RulesError(f"rule {rule_id!r}: field 'id' is used twice")
        seen.add(rule_id)
        unit_type = raw["unit_type"]
        if unit_type not in UNIT_TYPES:
            raise RulesError(f"rule {rule_id!r}: field 'unit_type' must be one of "
                             f"{', '.join(UNIT_TYPES)}, got {unit_type!r}")
        if raw["metric"] not in METRICS[unit_type]:
            raise RulesError(f"rule {rule_id!r}: field 'metric' {raw['metric']!r} is not a "
                             f"{unit_type} metric ({', '.join(METRICS[unit_type])})")
        if raw["comparison"] not in COMPARISONS:
            raise RulesError(f"rule {rule_id!r}: field 'comparison' must be one of "
                             f"{' '.join(COMPARISONS)}, got {raw['comparison']!r}")
        if raw["tier"] not in TIERS:
            raise RulesError(f"rule {rule_id!r}: field 'tier' must be red, yellow or blue, "
                             f"got {raw['tier']!r}")
        threshold = _number(rule_id, "threshold", raw["threshold"])
        min_sample = _number(rule_id, "min_sample", raw.get("min_sample", 0))
        hysteresis = _number(rule_id, "hysteresis", raw.get("hysteresis", 0))
        if min_sample < 0 or hysteresis < 0:
            field = "min_sample" if min_sample < 0 else "hysteresis"
            raise RulesError(f"rule {rule_id!r}: field {field!r} must not be negative")
        rules.append(Rule(id=rule_id, unit_type=unit_type, metric=raw["metric"],
                          comparison=raw["comparison"], threshold=threshold, tier=raw["tier"],
                          reason_zh=str(raw["reason_zh"]), reason_en=str(raw["reason_en"]),
                          min_sample=int(min_sample), hysteresis=hysteresis))
    return RuleSet(rules=tuple(rules), window_days=window)


def rules_fingerprint(rules: RuleSet) -> str:
    """A digest of every rule and setting of ``rules`` (part of every cache key)."""
    return hashlib.sha1(repr(rules).encode()).hexdigest()[:12]


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Read and validate a rules file (default: the shipped ``rules.default.toml``)."""
    path = Path(path) if path else DEFAULT_RULES
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RulesError(f"rules file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"rules file {path} is not valid TOML: {exc}") from exc
    return parse_rules(data)


def evaluate(rules: Sequence[Rule], units: pd.DataFrame,
             held: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Tier of every unit of one type.

    Parameters
    ----------
    rules
        The rules of this unit type.
    units
        One row per unit: ``code``, ``name``, ``sample`` (cases or members behind the
        figures) and one column per metric the rules use (NaN where unknown).
    held
        The tier each unit held at the previous evaluation (for hysteresis).

    Returns
    -------
    DataFrame with code, name, tier (None when no rule is broken) and reasons: a list of
    dicts ``{rule, metric, value, threshold, comparison, tier, lift_to, reason_zh,
    reason_en}`` for every rule broken, most severe first.
    """
    held = held or {}
    out_tiers: list[str | None] = []
    out_reasons: list[list[dict[str, Any]]] = []
    records = units.to_dict("records")
    for rec in records:
        previous = held.get(rec["code"])
        broken = []
        for rule in rules:
            if rec.get("sample", 0) < rule.min_sample:
                continue
            value = rec.get(rule.metric)
            if value is None:
                continue
            holds = previous is not None and TIER_RANK[previous] <= TIER_RANK[rule.tier]
            if rule.breaks(float(value), holds):
                broken.append({"rule": rule.id, "metric": rule.metric, "value": float(value),
                               "threshold": rule.threshold, "comparison": rule.comparison,
                               "tier": rule.tier, "lift_to": rule.lift_value(holds),
                               "reason_zh": rule.reason_zh, "reason_en": rule.reason_en})
        broken.sort(key=lambda r: TIER_RANK[r["tier"]])
        out_tiers.append(broken[0]["tier"] if broken else None)
        out_reasons.append(broken)
    return pd.DataFrame({"code": [r["code"] for r in records],
                         "name": [r["name"] for r in records],
                         "tier": pd.Series(out_tiers, dtype=object),
                         "reasons": pd.Series(out_reasons, dtype=object)})
