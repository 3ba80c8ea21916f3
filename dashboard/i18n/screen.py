"""Catalogue of the big screen (指挥中心大屏)."""

from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {
    "screen.title": ("{county} 网格化治理指挥中心", "{county} Grid Governance Command Center"),
    "screen.kpi.last24": ("近24小时上报", "Reported, last 24 h"),
    "screen.kpi.open": ("当前未办结", "Open now"),
    "screen.kpi.overdue": ("当前超期", "Overdue now"),
    "screen.kpi.at_risk": ("24小时内临期", "Due within 24 h"),
    "screen.kpi.sla": ("按期办结率·近30天", "Within SLA, 30 days"),
    "screen.kpi.median": ("中位办结时长·近30天", "Median hours, 30 days"),
    "screen.trend": ("近30天每日上报与办结", "Reported and resolved per day, 30 days"),
    "screen.trend.cases": ("上报", "Reported"),
    "screen.trend.resolved": ("已办结", "Resolved"),
    "screen.map": ("预警地图", "Warning map"),
    "screen.tiers": ("三色预警", "Warnings"),
    "screen.redlist": ("红色预警清单", "Red warnings"),
    "screen.redlist.none": ("当前无红色预警", "No red warnings"),
    "screen.spread": ("党支部数字化覆盖差距", "Coverage gap between branches"),
    "screen.spread.gini": ("基尼系数", "Gini"),
    "screen.spread.none": ("暂无覆盖数据", "No coverage data"),
    "screen.as_of": ("数据截至 {as_of}", "Data as of {as_of}"),
    "screen.stale": ("数据库连接中断，显示的是 {since} 的数据",
                     "Database unreachable: figures from {since}"),
    "screen.live": ("实时", "Live"),
    "screen.kiosk_only": ("大屏链接只能查看大屏。", "A kiosk link shows the big screen only."),
    "screen.touring": ("轮播", "Touring"),
}
