"""Catalogue of the shell, the overview and the map."""

from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {
    # shell
    "app.title": ("网格化治理指挥中心", "Grid Governance Command Center"),
    "app.short": ("指挥中心", "Command Center"),
    "nav.overview": ("总览", "Overview"),
    "nav.cases": ("案件办理", "Cases"),
    "nav.coverage": ("数字化覆盖", "Coverage"),
    "nav.warnings": ("预警", "Warnings"),
    "nav.screen": ("大屏", "Big screen"),
    "nav.definitions": ("指标口径", "Definitions"),
    "lang.switch": ("English", "中文"),
    "demo.badge": ("演示数据（模拟）", "Demo data (synthetic)"),
    "demo.note": (
        "本系统当前显示的是按参考县规模生成的模拟数据，不代表任何真实地区。",
        "This dashboard shows synthetic data at the reference county's scale; "
        "it describes no real place.",
    ),
    "footer.as_of": ("数据截至 {as_of}", "Data as of {as_of}"),
    "footer.source": ("来源：{source}", "Source: {source}"),
    "footer.source_live": ("共享数据库", "shared database"),
    "period.label": ("统计周期", "Period"),
    "period.last7": ("近7天", "Last 7 days"),
    "period.last30": ("近30天", "Last 30 days"),
    "period.month": ("本月", "This month"),
    "period.year": ("本年", "This year"),
    "period.range": ("{start} 至 {end}", "{start} to {end}"),
    "area.label": ("区域", "Area"),
    "area.unknown": (
        "区域代码“{code}”不存在或无权查看，已显示{root}。",
        "Area code “{code}” is unknown or not visible to you; showing {root}.",
    ),
    "url.bad_date": (
        "日期“{value}”格式有误（应为 YYYY-MM-DD），已使用默认周期。",
        "Date “{value}” is malformed (expected YYYY-MM-DD); using the default period.",
    ),
    "url.bad_range": (
        "开始日期晚于结束日期，已交换。", "The start date was after the end date; swapped."
    ),
    "level.county": ("县", "County"),
    "level.town": ("镇（街道）", "Town / street"),
    "level.village": ("村（社区）", "Village / community"),
    "level.grid": ("网格", "Grid"),
    # overview
    "overview.heading": ("{area} · 运行总览", "{area} · Overview"),
    "overview.kpis": ("案件办理", "Case handling"),
    "overview.children": ("下辖区域", "Areas below"),
    "overview.no_children": ("这是最末一级区域，详情见地图下方的网格详情。",
                             "This is the lowest level; see the card below the map."),
    "kpi.cases": ("周期内上报案件", "Cases reported"),
    "kpi.open_now": ("当前未办结", "Open now"),
    "kpi.overdue_now": ("当前超期", "Overdue now"),
    "kpi.median_hours": ("中位办结时长", "Median resolution time"),
    "kpi.completion_rate": ("办结率", "Completion rate"),
    "kpi.within_sla_rate": ("按期办结率", "Resolved within SLA"),
    "kpi.mean_hours": ("平均办结时长", "Mean resolution time"),
    "kpi.help.cases": (
        "统计周期内上报的案件数。",
        "Cases reported on a day within the period.",
    ),
    "kpi.help.open_now": (
        "截至数据时点已上报、尚未办结的案件（不限上报日期）。",
        "Cases reported but not resolved at the data's as-of time (any report date).",
    ),
    "kpi.help.overdue_now": (
        "未办结且已超过所属类别办理时限的案件。",
        "Open cases past their category's time limit.",
    ),
    "kpi.help.median_hours": (
        "周期内已办结案件从上报到办结的小时数的中位数。",
        "Median hours from report to resolution of resolved cases in the period.",
    ),
    "kpi.help.completion_rate": (
        "周期内上报案件中已办结的比例：已办结 ÷ 上报。",
        "Share of the period's cases that are resolved: resolved / reported.",
    ),
    "unit.cases": ("件", "cases"),
    "unit.per_1k": ("件/千户", "per 1,000 households"),
    # map
    "map.title": ("网格地图", "Grid map"),
    "map.metric": ("着色指标", "Colour by"),
    "map.metric.cases": ("上报案件", "Cases reported"),
    "map.metric.cases_per_1k": ("每千户案件", "Cases per 1,000 households"),
    "map.metric.open_now": ("当前未办结", "Open now"),
    "map.metric.overdue_now": ("当前超期", "Overdue now"),
    "map.metric.median_hours": ("中位办结时长", "Median resolution time"),
    "map.metric.within_sla_rate": ("按期办结率", "Resolved within SLA"),
    "map.metric.warning_tier": ("预警等级", "Warning tier"),
    "map.not_judged": ("未判定（无适用规则或样本不足）",
                       "Not judged (no rule applies or too few cases)"),
    "map.label_tier": ("{name}·{tier}", "{name} · {tier}"),
    "unit.tier": ("等级", "tier"),
    "map.insufficient": ("样本不足（少于{n}件）", "Insufficient data (fewer than {n} cases)"),
    "map.hover": ("<b>{name}</b><br>{label}：{value} {unit}",
                  "<b>{name}</b><br>{label}: {value} {unit}"),
    "map.hover_weak": ("<b>{name}</b><br>{note}", "<b>{name}</b><br>{note}"),
    "map.no_geometry": (
        "该区域没有可显示的边界数据。", "No boundary data to show for this area."
    ),
    "map.hint": ("点击区域下钻，点击上方路径返回上级。", "Click an area to drill down; "
                 "use the path above to go back up."),
    "map.hint_grid": ("点击网格查看网格详情。", "Click a grid to open its card."),
    "grid.card": ("网格详情", "Grid card"),
    "grid.worker": ("网格员", "Grid worker"),
    "grid.worker_value": ("{name}（{phone}）", "{name} ({phone})"),
    "grid.households": ("户数", "Households"),
    "grid.population": ("人口", "Population"),
    "grid.party_group": ("网格党小组", "Grid party group"),
    "grid.latest": ("最近案件", "Latest cases"),
    "grid.none": ("暂无", "None"),
    "case.reported_at": ("上报时间", "Reported"),
    "case.category": ("类别", "Category"),
    "case.status": ("状态", "Status"),
    "status.reported": ("已上报", "Reported"),
    "status.accepted": ("已受理", "Accepted"),
    "status.dispatched": ("已派遣", "Dispatched"),
    "status.resolved": ("已办结", "Resolved"),
    "status.closed": ("已结案", "Closed"),
    "unit.hours": ("小时", "h"),
    "unit.percent": ("%", "%"),
    "value.none": ("—", "—"),
    "table.area": ("区域", "Area"),
    "table.level": ("层级", "Level"),
    "table.cases": ("上报", "Reported"),
    "table.open": ("未办结", "Open"),
    "table.overdue": ("超期", "Overdue"),
    "table.completion": ("办结率", "Completion"),
    "table.median": ("中位时长(时)", "Median h"),
    "table.within_sla": ("按期办结", "On time"),
    "table.households": ("户数", "Households"),
    "sample.small": ("样本不足", "Too few cases"),
    "table.filter": ("筛选…", "filter…"),
    "page.not_found": ("页面不存在：{path}", "No such page: {path}"),
    "page.coming": (
        "此页面将在后续版本提供。", "This page arrives in a later release."
    ),
    "error.database": (
        "数据库暂时无法访问，请稍后刷新。", "The database is unavailable; please refresh later."
    ),
}

