"""Text of chart exports and the briefing pack."""

from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {
    "export.bar": ("导出", "Export"),
    "export.charts": ("图表（高清）", "Charts (high resolution)"),
    "export.png": ("PNG", "PNG"),
    "export.svg": ("SVG", "SVG"),
    "export.brief": ("简报", "Briefing pack"),
    "export.pptx": ("简报 PPTX", "Briefing PPTX"),
    "export.pdf": ("简报 PDF", "Briefing PDF"),
    "export.hint": ("按当前区域和时段生成；大文件需十几秒，不影响他人使用。",
                    "For the area and period on screen; a pack takes a few seconds."),
    "export.footer": ("导出：{user} · {when}", "Exported by {user} · {when}"),
    "export.title_line": ("{area} · {chart} · {period}", "{area} · {chart} · {period}"),
    "export.as_of": ("截至{as_of}", "as of {as_of}"),
    "export.period": ("{start}—{end}", "{start} to {end}"),
    "export.chart.map": ("案件地图", "Case map"),
    "export.chart.stages": ("各环节办理时长", "Time per step"),
    "export.chart.categories": ("案件分类", "Cases by category"),
    "export.chart.coverage": ("数字化覆盖差距", "Digital coverage spread"),
    "export.chart.trend": ("案件趋势", "Case trend"),
    "export.chart.histogram": ("办结时长分布", "Resolution time distribution"),
    "export.chart.sources": ("案件来源", "Cases by source"),
    "export.chart.heatmap": ("上报时段分布", "Reports by hour and weekday"),
    "export.chart.backlog": ("积压案件账龄", "Backlog by age"),
    "export.chart.lorenz": ("覆盖率洛伦兹曲线", "Coverage Lorenz curve"),
    "export.chart.ranking_worst": ("覆盖最弱支部", "Weakest branches"),
    "export.chart.ranking_best": ("覆盖最好支部", "Best covered branches"),
    "export.chart_links": ("下载本图", "Download this chart"),
    "export.brief.title": ("{area}指挥中心工作简报", "{area} command center briefing"),
    "export.brief.period": ("统计时段：{period}", "Period: {period}"),
    "export.brief.as_of": ("数据截至：{as_of}", "Data as of: {as_of}"),
    "export.brief.demo": ("演示数据（模拟），不代表真实情况", "Demo data (synthetic), not real"),
    "export.brief.prepared": ("生成：{user} · {when}", "Prepared by {user} · {when}"),
    "export.brief.kpis": ("核心指标", "Headline figures"),
    "export.brief.col.metric": ("指标", "Figure"),
    "export.brief.col.value": ("本期", "This period"),
    "export.brief.col.unit": ("单位", "Unit"),
    "export.brief.col.previous": ("环比", "vs previous period"),
    "export.brief.col.year_ago": ("同比", "vs a year earlier"),
    "export.brief.map": ("各辖区{metric}", "{metric} by area"),
    "export.brief.stages": ("办理时长（按环节，中位数）", "Resolution time by step (median)"),
    "export.brief.categories": ("案件分类（按大类）", "Cases by major category"),
    "export.brief.coverage": ("数字化覆盖差距（基尼系数、前后五分之一差距）",
                              "Digital coverage spread (Gini, top-bottom fifth gap)"),
    "export.brief.coverage_note": (
        "{month}：基尼系数 {gini}，前后五分之一差距 {gap} 分，参与评价支部 {judged} 个。",
        "{month}: Gini {gini}, top-bottom fifth gap {gap} points, {judged} branches judged."),
    "export.brief.coverage_none": ("本区域暂无覆盖率数据。", "No coverage figures for this area."),
    "export.brief.warnings": ("红黄蓝预警及原因", "Red / yellow / blue warnings and reasons"),
    "export.brief.warnings_count": ("共 {n} 条预警（红 {red}，黄 {yellow}，蓝 {blue}）",
                                    "{n} warnings (red {red}, yellow {yellow}, blue {blue})"),
    "export.brief.warnings_more": ("另有 {n} 条见系统预警页。",
                                   "{n} more on the warnings page."),
    "export.brief.warnings_none": ("当前无预警。", "No warnings now."),
    "export.brief.col.tier": ("等级", "Tier"),
    "export.brief.col.unit_type": ("类型", "Type"),
    "export.brief.col.name": ("单位", "Unit"),
    "export.brief.col.reasons": ("原因", "Reasons"),
    "export.brief.notes": ("数据来源与口径", "Sources and definitions"),
    "export.brief.sources": ("数据来源：{source}。", "Source: {source}."),
    "export.brief.defs": (
        "口径：本期指统计时段内上报的案件；办结率 = 已办结 / 上报；按期办结率 = 在时限内办结 / "
        "上报；办结时长 = 办结时间 − 上报时间（小时，中位数）；环比与等长的上一时段比较，"
        "同比与上年同期比较（比率为百分点差，件数为百分比变化）；当前未办结、当前超期为数据截至"
        "时刻的快照；覆盖指数与差距见系统覆盖率页面公式。",
        "Definitions: cases reported in the period; completion rate = resolved / reported; "
        "within-SLA rate = resolved within the time limit / reported; resolution time = "
        "resolved - reported (hours, median); vs previous period compares with the period of "
        "equal length just before, vs a year earlier with the same days a year before (rates "
        "in percentage points, counts in per cent); open and overdue are snapshots at the "
        "as-of instant; the coverage index and spread follow the formula on the coverage "
        "page."),
    "export.brief.footer": ("{area} · {period} · 数据截至 {as_of} · 来源：{source} · {exported}",
                            "{area} · {period} · data as of {as_of} · source: {source} · "
                            "{exported}"),
    "export.brief.page": ("第 {n} 页", "Page {n}"),
    "export.error.area": ("无权查看该区域或区域不存在", "Unknown area or not in your scope"),
    "export.error.chart": ("没有这个图表", "No such chart"),
    "export.error.period": ("时段无效（需 YYYY-MM-DD，且不超过 3 年）",
                            "Invalid period (YYYY-MM-DD, at most 3 years)"),
}
