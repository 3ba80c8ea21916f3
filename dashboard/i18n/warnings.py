"""Catalogue of the warning tiers (红黄蓝三色预警)."""

from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {
    "warnings.heading": ("{area} · 三色预警", "{area} · Warnings"),
    "warnings.counts": ("预警数量", "Warnings"),
    "warnings.list": ("预警清单", "Warning list"),
    "warnings.unit_type": ("对象类型", "Unit type"),
    "warnings.all_types": ("全部", "All"),
    "warnings.none": ("当前没有预警。", "No warnings at present."),
    "warnings.note": (
        "按规则文件计算：案件指标取数据时点前{days}天，党支部指标取最近月份；"
        "样本不足的单位不参与判定。",
        "Evaluated by the rules file: case figures over the {days} days before the data's "
        "as-of time, branch figures on the latest month; units with too small a sample are "
        "not judged.",
    ),
    "warnings.new_red": ("本周新增红色", "Newly red this week"),
    "warnings.red_weeks": ("连续红色≥{n}周", "Red for {n}+ weeks running"),
    "tier.red": ("红", "Red"),
    "tier.yellow": ("黄", "Yellow"),
    "tier.blue": ("蓝", "Blue"),
    "tier.none": ("无", "None"),
    "tier.red.long": ("红色预警", "Red warning"),
    "tier.yellow.long": ("黄色预警", "Yellow warning"),
    "tier.blue.long": ("蓝色预警", "Blue warning"),
    "unit.town": ("镇（街道）", "Town"),
    "unit.village": ("村（社区）", "Village"),
    "unit.grid": ("网格", "Grid"),
    "unit.branch": ("党支部", "Party branch"),
    "warnings.col.tier": ("等级", "Tier"),
    "warnings.col.unit": ("类型", "Type"),
    "warnings.col.name": ("名称", "Name"),
    "warnings.col.reasons": ("原因（实际值 / 阈值 / 解除条件）",
                             "Reasons (value / threshold / to lift)"),
    "warnings.col.held": ("持续天数", "Days held"),
    "warnings.col.since": ("起始日期", "Since"),
    "warnings.reason": (
        "{reason}：实际{value}，阈值{threshold}，需{direction}{lift}",
        "{reason}: value {value}, threshold {threshold}; needs {direction} {lift}",
    ),
    "warnings.dir.up": ("升至", "to reach"),
    "warnings.dir.down": ("降至", "to fall to"),
    "warnings.dir.below": ("低于", "below"),
    "warnings.dir.above": ("高于", "above"),
    "warnings.new": ("本周新增", "new this week"),
    "warnings.sep": ("；", "; "),
}
