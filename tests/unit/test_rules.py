"""Warning rules: parsing errors name the rule and field; evaluation on hand-built frames."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from dashboard.rules import Rule, RulesError, evaluate, load_rules, parse_rules

BASE = {"id": "r1", "unit_type": "town", "metric": "within_sla_rate", "comparison": "<",
        "threshold": 0.9, "tier": "red", "reason_zh": "低", "reason_en": "low"}


def rule(**kw: object) -> Rule:
    return parse_rules({"rule": [{**BASE, **kw}]}).rules[0]


def units(*values: float, sample: int = 100) -> pd.DataFrame:
    return pd.DataFrame({"code": [f"U{i}" for i in range(len(values))],
                         "name": [f"unit {i}" for i in range(len(values))],
                         "sample": sample, "within_sla_rate": list(values)})


@pytest.mark.parametrize("comparison,value,broken", [
    ("<", 0.89, True), ("<", 0.9, False), ("<=", 0.9, True), ("<=", 0.91, False),
    (">", 0.91, True), (">", 0.9, False), (">=", 0.9, True), (">=", 0.89, False),
])
def test_rules_every_comparison(comparison: str, value: float, broken: bool) -> None:
    out = evaluate([rule(comparison=comparison)], units(value))
    assert (out.loc[0, "tier"] == "red") is broken


def test_rules_most_severe_tier_wins_and_all_reasons_kept() -> None:
    rules = [rule(id="b", tier="blue", threshold=0.95), rule(id="r", tier="red", threshold=0.8),
             rule(id="y", tier="yellow", threshold=0.9)]
    out = evaluate(rules, units(0.7, 0.85, 0.93, 0.99))
    assert out["tier"].tolist() == ["red", "yellow", "blue", None]
    assert [r["rule"] for r in out.loc[0, "reasons"]] == ["r", "y", "b"]
    first = out.loc[0, "reasons"][0]
    assert first["value"] == 0.7 and first["threshold"] == 0.8 and first["lift_to"] == 0.8


def test_rules_minimum_sample() -> None:
    r = [rule(min_sample=20)]
    assert evaluate(r, units(0.1, sample=19)).loc[0, "tier"] is None
    assert evaluate(r, units(0.1, sample=20)).loc[0, "tier"] == "red"


def test_rules_missing_value_breaks_nothing() -> None:
    assert evaluate([rule()], units(math.nan)).loc[0, "tier"] is None


def test_rules_hysteresis_keeps_a_held_tier_until_the_margin_is_crossed() -> None:
    r = [rule(threshold=0.9, hysteresis=0.02)]
    # a new unit at 0.905 is fine; one that was red stays red until it reaches 0.92
    assert evaluate(r, units(0.905)).loc[0, "tier"] is None
    held = evaluate(r, units(0.905), {"U0": "red"})
    assert held.loc[0, "tier"] == "red" and held.loc[0, "reasons"][0]["lift_to"] == 0.92
    assert evaluate(r, units(0.921), {"U0": "red"}).loc[0, "tier"] is None
    # hysteresis in the other direction for "greater than" rules
    g = [rule(comparison=">", threshold=10, hysteresis=2, metric="within_sla_rate")]
    assert evaluate(g, units(9), {"U0": "red"}).loc[0, "tier"] == "red"
    assert evaluate(g, units(8), {"U0": "red"}).loc[0, "tier"] is None


@pytest.mark.parametrize("change,message", [
    ({"metric": "happiness"}, "rule 'r1': field 'metric'"),
    ({"comparison": "=="}, "rule 'r1': field 'comparison'"),
    ({"tier": None}, "rule 'r1': missing field 'tier'"),
    ({"tier": "green"}, "rule 'r1': field 'tier'"),
    ({"threshold": "ninety"}, "rule 'r1': field 'threshold' must be a number"),
    ({"unit_type": "province"}, "rule 'r1': field 'unit_type'"),
    ({"min_sample": -1}, "rule 'r1': field 'min_sample'"),
    ({"colour": "red"}, "rule 'r1': unknown field 'colour'"),
])
def test_rules_invalid_files_name_rule_and_field(tmp_path: Path, change: dict[str, object],
                                                 message: str) -> None:
    raw = {**BASE, **change}
    lines = ["[[rule]]"] + [f"{k} = {v!r}".replace("'", '"') for k, v in raw.items()
                            if v is not None]
    path = tmp_path / "rules.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(path)
    assert message in str(err.value)


def test_rules_broken_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]\nid = ", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules(bad)
    with pytest.raises(RulesError, match="not found"):
        load_rules(tmp_path / "nope.toml")


def test_rules_default_file_is_valid_and_has_all_tiers() -> None:
    rules = load_rules()
    assert {r.tier for r in rules.rules} == {"red", "yellow", "blue"}
    assert {r.unit_type for r in rules.rules} >= {"town", "village", "branch"}
