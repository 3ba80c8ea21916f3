"""Catalogue of the digital-coverage page and its overview panel."""

from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {
    "coverage.heading": ("{area} · 党支部数字化覆盖",
                         "{area} · Digital coverage of party branches"),
    "coverage.month": ("{year}年{month}月", "{month}/{year}"),
    "coverage.month_note": (
        "统计月份：{month}（所选周期结束日 {end} 所在月份）。趋势为截至该月的各月数据。",
        "Month shown: {month} (the month holding the period's last day, {end}). "
        "Trends cover every month up to it.",
    ),
    "coverage.month_fallback": (
        "所选周期结束日 {end} 所在月份尚无覆盖数据，显示最近有数据的月份：{month}。",
        "No coverage figures yet for the month of the period's last day ({end}); "
        "showing the latest month with figures: {month}.",
    ),
    "coverage.no_data": ("该区域在所选月份及以前没有支部覆盖数据。",
                         "No branch coverage figures for this area up to the selected month."),
    # KPI cards
    "coverage.kpi.index": ("覆盖指数（均值）", "Coverage index (mean)"),
    "coverage.kpi.gini": ("支部间基尼系数", "Gini across branches"),
    "coverage.kpi.gap": ("强弱支部差距", "Top vs bottom fifth"),
    "coverage.kpi.branches": ("参评支部", "Branches rated"),
    "coverage.kpi.registered": ("党员注册率", "Members registered"),
    "coverage.kpi.active": ("30天活跃率", "Active in 30 days"),
    "coverage.kpi.mobile": ("流动党员活跃", "Mobile members active"),
    "coverage.unit.points": ("分", "points"),
    "coverage.unit.branches": ("个", "branches"),
    "coverage.unit.percent": ("%", "%"),
    "coverage.since": ("较{month} {delta}", "{delta} since {month}"),
    "coverage.flagged_note": ("{n}个支部无法评分", "{n} not rated"),
    "coverage.mobile_value": ("{active}/{total}人", "{active} of {total}"),
    "coverage.kpi.help.index": (
        "各支部覆盖指数（0-100）的平均值，计算方法见页面下方“指数口径”。",
        "Mean of the branches' coverage index (0-100); see 'How the index is built' below.",
    ),
    "coverage.kpi.help.gini": (
        "0表示各支部完全均衡，越大表示强弱支部差距越大。",
        "0 means every branch is equal; the larger, the wider the gap between branches.",
    ),
    "coverage.kpi.help.gap": (
        "指数最高的五分之一支部均值减去最低的五分之一支部均值。",
        "Mean index of the top fifth of branches minus that of the bottom fifth.",
    ),
    # the spread (Matthew effect)
    "coverage.spread.title": ("强弱差距（马太效应）", "The gap between strong and weak branches"),
    "coverage.spread.widening": (
        "差距在扩大：自{first}以来，基尼系数由{g0}升至{g1}，强弱支部差距由{d0}分扩大到{d1}分。"
        "弱支部正在进一步落后。",
        "The gap is widening: since {first} the Gini rose from {g0} to {g1} and the gap "
        "between the top and bottom fifth grew from {d0} to {d1} points. Weak branches are "
        "falling further behind.",
    ),
    "coverage.spread.narrowing": (
        "差距在缩小：自{first}以来，基尼系数由{g0}降至{g1}，强弱支部差距由{d0}分缩小到{d1}分。",
        "The gap is narrowing: since {first} the Gini fell from {g0} to {g1} and the gap "
        "between the top and bottom fifth shrank from {d0} to {d1} points.",
    ),
    "coverage.spread.stable": (
        "差距基本稳定：自{first}以来，基尼系数由{g0}变为{g1}，强弱支部差距由{d0}分变为{d1}分。",
        "The gap is about stable: since {first} the Gini moved from {g0} to {g1} and the gap "
        "between the top and bottom fifth from {d0} to {d1} points.",
    ),
    "coverage.spread.one_month": ("仅有一个月的数据，暂无法判断差距走势。",
                                  "Only one month of figures: no trend yet."),
    "coverage.spread.too_few": ("本区域最近一个月仅{n}个支部纳入评价，不比较强弱差距。",
                                "Only {n} branch judged here in the last month: no gap between "
                                "strong and weak to compare."),
    "coverage.trend.title": ("强弱支部指数走势", "Strong and weak branches, month by month"),
    "coverage.trend.top": ("最强五分之一支部", "Top fifth of branches"),
    "coverage.trend.bottom": ("最弱五分之一支部", "Bottom fifth of branches"),
    "coverage.trend.mean": ("全部支部均值", "All branches (mean)"),
    "coverage.trend.gap": ("差距", "gap"),
    "coverage.trend.gini": ("基尼系数", "Gini coefficient"),
    "coverage.trend.index_axis": ("覆盖指数", "Coverage index"),
    "coverage.trend.gini_axis": ("基尼系数", "Gini"),
    "coverage.lorenz.title": ("洛伦兹曲线", "Lorenz curve"),
    "coverage.lorenz.equal": ("完全均衡线", "Perfect equality"),
    "coverage.lorenz.month": ("{month}（基尼 {gini}）", "{month} (Gini {gini})"),
    "coverage.lorenz.x": ("支部累计占比（由弱到强）", "Share of branches (weakest first)"),
    "coverage.lorenz.y": ("覆盖指数累计占比", "Share of the total index"),
    "coverage.lorenz.hover": ("最弱的{x}支部占指数总量的{y}",
                              "The weakest {x} of branches hold {y} of the index"),
    # ranking
    "coverage.ranking.title": ("支部排名", "Branch ranking"),
    "coverage.ranking.best": ("最好的{n}个支部", "Best {n} branches"),
    "coverage.ranking.worst": ("最弱的{n}个支部及主要短板", "Weakest {n} branches and what "
                               "pulls them down"),
    "coverage.ranking.mean": ("均值 {value}", "mean {value}"),
    "coverage.ranking.drag": ("短板：{names}", "weak on: {names}"),
    "coverage.ranking.hover": ("<b>{name}</b><br>{village}<br>覆盖指数：{value}",
                               "<b>{name}</b><br>{village}<br>Coverage index: {value}"),
    "coverage.ranking.click": ("点击条形查看支部详情。", "Click a bar to open the branch below."),
    "coverage.ranking.none": ("没有可排名的支部。", "No branch to rank."),
    "coverage.sep": ("、", ", "),
    # indicators
    "coverage.ind.registered": ("注册", "registration"),
    "coverage.ind.active": ("活跃", "activity"),
    "coverage.ind.study": ("在线学习", "online study"),
    "coverage.ind.meetings": ("三会一课", "meetings online"),
    "coverage.ind.broadband": ("宽带入户", "broadband"),
    "coverage.ind.long.registered": ("平台注册率：已注册党员 ÷ 党员数",
                                     "Registered: members registered on the platform / members"),
    "coverage.ind.long.active": ("30天活跃率：近30天登录党员 ÷ 党员数",
                                 "Active: members active in the last 30 days / members"),
    "coverage.ind.long.study": ("在线学习完成率：已完成学习计划的比例",
                                "Online study: share of the study plan completed"),
    "coverage.ind.long.meetings": ("三会一课线上记录率：线上记录次数 ÷ 应开次数",
                                   "Meetings: 'three meetings and one lesson' recorded online / "
                                   "required"),
    "coverage.ind.long.broadband": ("宽带入户率：通宽带户数 ÷ 户数",
                                    "Broadband: households with broadband / households"),
    # branch table
    "coverage.table.title": ("各支部指标", "Every branch"),
    "coverage.col.name": ("支部", "Branch"),
    "coverage.col.village": ("村（社区）", "Village / community"),
    "coverage.col.members": ("党员", "Members"),
    "coverage.col.registered": ("注册率", "Registered"),
    "coverage.col.active": ("30天活跃", "Active 30 d"),
    "coverage.col.study": ("学习完成", "Study"),
    "coverage.col.meetings": ("三会一课", "Meetings"),
    "coverage.col.broadband": ("宽带入户", "Broadband"),
    "coverage.col.g5": ("5G", "5G"),
    "coverage.col.app": ("App用户/百户", "App users /100 hh"),
    "coverage.col.mobile": ("流动党员(活跃/总数)", "Mobile (active/all)"),
    "coverage.col.index": ("覆盖指数", "Index"),
    "coverage.col.flag": ("说明", "Note"),
    "coverage.table.filter": ("筛选…", "filter…"),
    "coverage.yes": ("有", "yes"),
    "coverage.no": ("无", "no"),
    "coverage.flag.no_members": ("无党员，未评分", "No members: not rated"),
    "coverage.flag.no_data": ("本月无数据", "No figures this month"),
    "coverage.flag.incomplete": ("指标缺失，未评分", "Figures missing: not rated"),
    # branch detail
    "coverage.detail.title": ("支部详情", "Branch detail"),
    "coverage.detail.pick": ("选择支部", "Branch"),
    "coverage.detail.none": ("请选择一个支部。", "Pick a branch."),
    "coverage.detail.empty": ("该支部没有党员记录。", "This branch has no member records."),
    "coverage.detail.summary": (
        "党员{members}人，其中近30天活跃{active}人、已注册{registered}人、流动党员{mobile}人"
        "（按数据截至时点的党员名册统计）。",
        "{members} members: {active} active in the last 30 days, {registered} registered, "
        "{mobile} mobile (from the member roll at the data's as-of time).",
    ),
    "coverage.detail.active": ("近30天活跃", "Active (30 days)"),
    "coverage.detail.inactive": ("未活跃", "Not active"),
    "coverage.detail.age_axis": ("年龄段", "Age band"),
    "coverage.detail.count_axis": ("人数", "Members"),
    "coverage.detail.names_hidden": (
        "党员姓名属于个人信息，仅对有权限的角色显示。",
        "Member names are personal data and shown only to roles allowed to see them.",
    ),
    "coverage.detail.names": ("党员名单", "Members"),
    "coverage.detail.col.name": ("姓名", "Name"),
    "coverage.detail.col.birth": ("出生年份", "Born"),
    "coverage.detail.col.mobile": ("流动党员", "Mobile"),
    "coverage.detail.col.registered": ("已注册", "Registered"),
    "coverage.detail.col.active": ("近30天活跃", "Active 30 d"),
    "coverage.band.u35": ("35岁以下", "Under 35"),
    "coverage.band.35_49": ("35-49岁", "35-49"),
    "coverage.band.50_64": ("50-64岁", "50-64"),
    "coverage.band.65p": ("65岁及以上", "65 and over"),
    "coverage.band.unknown": ("年龄不详", "Age unknown"),
    # the formula
    "coverage.formula.title": ("指数口径", "How the index is built"),
    "coverage.formula.text": (
        "覆盖指数 = 100 × Σ（权重 × 指标），各指标为0-1之间的比例，权重合计为1。"
        "任一有权重的指标缺失（如支部无党员）时不计算指数，并在表中注明，不作推测。",
        "Coverage index = 100 × Σ (weight × indicator); each indicator is a share from 0 to 1 "
        "and the weights sum to 1. A branch missing any weighted indicator (e.g. one without "
        "members) gets no index and is flagged in the table; nothing is guessed.",
    ),
    "coverage.formula.weight": ("{name}：权重 {weight}", "{name}: weight {weight}"),
    "coverage.formula.spread": (
        "基尼系数按参评支部的指数计算（0为完全均衡）；强弱支部差距为指数最高的五分之一支部均值减去"
        "最低的五分之一支部均值（每组至少1个支部）。权重可由管理员通过环境变量"
        " COUNTYDASH_COVERAGE_WEIGHTS 调整。",
        "The Gini is computed over the rated branches' index (0 = all equal); the gap is the "
        "mean index of the top fifth of branches minus that of the bottom fifth (at least one "
        "branch each). Administrators set the weights with COUNTYDASH_COVERAGE_WEIGHTS.",
    ),
    "coverage.source": (
        "来源：党员管理系统月度覆盖数据（coverage_monthly）。",
        "Source: monthly coverage figures of the party-member system (coverage_monthly).",
    ),
    # overview panel
    "coverage.overview.title": ("党支部数字化覆盖", "Digital coverage of party branches"),
    "coverage.overview.more": ("查看覆盖详情", "Open the coverage page"),
    # the map metric
    "map.metric.coverage_index": ("数字化覆盖指数", "Digital coverage index"),
    "coverage.unit.index": ("分", "points"),
}
