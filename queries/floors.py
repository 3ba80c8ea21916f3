"""The benchmark's floor: per standard interaction, one hand-written SQL statement over the
raw tables that computes the figures the interaction's panels show (``countydash bench``
compares the app's server time with it).

SQL lives in ``queries/``, so these do; but they are deliberately raw text, not built from
the app's own query builders beside them: what a competent hand costs with the same
indexes. ``tests/db/test_bench_floor.py`` checks every part of every statement against the
app's own queries, on both databases.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta
from typing import Any

# the published definitions: the histogram's bins, the backlog's ages, the stages, the
# comparison periods and instants, a day range's instants
from queries.case_analytics import (
    AGE_EDGES,
    HIST_EDGES,
    LIST_CAP,
    STAGES,
    comparison_instants,
    comparison_periods,
)
from queries.cases import period_bounds

# Every value is bound; the few fragments that differ between the
# databases (seconds between two instants, a quantile, gathering a group's values) are filled
# in per dialect by floor_sql(). Over the county (the tree's root) no area condition is
# written, as the app writes none.
#
# The overview page and every drill-down, metric or period change redraw the same panels of
# the view's area: per child area (map and table) cases, resolved, within the time limit,
# the median resolution time, open and overdue now; for the area itself (KPI cards) the same
# counts with the mean, median and 90th percentile; and the party-branch coverage panel,
# each month's index over the area's branches (the spread - Gini, fifths - is computed
# from the gathered values outside SQL, by numpy, as the app does: not timed here).
FLOOR_OVERVIEW = """
WITH kids AS (
  SELECT p.descendant_code AS code, a.code AS child
  FROM areas a JOIN area_paths p ON p.ancestor_code = a.code
  WHERE a.parent_code = :area
), period AS (
  SELECT c.area_code, c.resolved_at, c.due_at,
    CASE WHEN c.resolved_at <= :now THEN {seconds} END AS s
  FROM cases c
  WHERE c.reported_at >= :lo AND c.reported_at < :hi {case_in_area}
), open_now AS (
  SELECT c.area_code, c.due_at FROM cases c
   WHERE c.resolved_at IS NULL AND c.reported_at <= :now {case_in_area}
  UNION ALL
  SELECT c.area_code, c.due_at FROM cases c
   WHERE c.resolved_at > :now AND c.reported_at <= :now {late_in_area}
), branch_months AS (
  SELECT m.month, {index} AS v
  FROM coverage_monthly m {branch_join}
  WHERE m.month <= :upto {branch_in_area}
)
SELECT 'child' AS part, k.child AS k, COUNT(*) AS n1,
  SUM(CASE WHEN x.s IS NOT NULL THEN 1 ELSE 0 END) AS n2,
  SUM(CASE WHEN x.s IS NOT NULL AND x.resolved_at <= x.due_at THEN 1 ELSE 0 END) AS n3,
  CAST(NULL AS {real}) AS x1, {q50} AS x2, CAST(NULL AS {real}) AS x3,
  CAST(NULL AS TEXT) AS gathered
FROM period x JOIN kids k ON k.code = {case_key} GROUP BY k.child
UNION ALL
SELECT 'child_open', k.child, COUNT(*), SUM(CASE WHEN x.due_at < :now THEN 1 ELSE 0 END),
  NULL, NULL, NULL, NULL, NULL
FROM open_now x JOIN kids k ON k.code = {case_key} GROUP BY k.child
UNION ALL
SELECT 'area', NULL, COUNT(*), SUM(CASE WHEN x.s IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN x.s IS NOT NULL AND x.resolved_at <= x.due_at THEN 1 ELSE 0 END),
  AVG(x.s) / 3600.0, {q50}, {q90}, NULL
FROM period x
UNION ALL
SELECT 'area_open', NULL, COUNT(*), SUM(CASE WHEN x.due_at < :now THEN 1 ELSE 0 END),
  NULL, NULL, NULL, NULL, NULL
FROM open_now x
UNION ALL
SELECT 'month', {month_text}, COUNT(*), NULL, NULL, NULL, NULL, NULL, {gather}
FROM branch_months b GROUP BY b.month
"""

#: Per dialect: the fragments of both statements (``{a}``, ``{b}``, ``{p}``, ``{v}``: the
#: columns and the probability a fragment applies to).
DIALECTS = {
    "postgresql": {
        "sec": "date_part('epoch', {b} - {a})",
        "quantile": "(percentile_cont({p}) WITHIN GROUP (ORDER BY {v}) / 3600.0)",
        "real": "double precision", "int": "bigint", "unindexed": "",
        # a hash join of the month's cases to the children's subtrees, not 6,000 index
        # probes (63 -> 30 ms at county level, as the app's queries do it)
        "case_key": "x.area_code || ''",
        "gather": "string_agg(b.v::text, ',') FILTER (WHERE b.v IS NOT NULL)",
        "month_text": "CAST(b.month AS text)",
        "day": "to_char(date_trunc('day', x.reported_at), 'YYYY-MM-DD')",
        "dow": "CAST(EXTRACT(dow FROM x.reported_at) AS INTEGER)",
        "hour": "CAST(EXTRACT(hour FROM x.reported_at) AS INTEGER)",
    },
    "sqlite": {
        # whole seconds, gathered as integers (faster to write and to read than doubles);
        # cd_quantile: the quantile of a gathered list, registered on every SQLite connection
        "sec": "(unixepoch({b}) - unixepoch({a}))",
        "quantile": "(cd_quantile(group_concat({v}), {p}) / 3600.0)",
        "real": "REAL", "int": "INTEGER", "unindexed": "+",
        "case_key": "x.area_code",
        "gather": "group_concat(b.v)",
        "month_text": "CAST(b.month AS TEXT)",
        "day": "date(x.reported_at)",
        "dow": "CAST(strftime('%w', x.reported_at) AS INTEGER)",
        "hour": "CAST(strftime('%H', x.reported_at) AS INTEGER)",
    },
}

#: The area's subtree, as every scan below the root is held to it.
BELOW = "(SELECT descendant_code FROM area_paths WHERE ancestor_code = :area)"


def dialect_of(name: str) -> dict[str, str]:
    return DIALECTS["postgresql" if name == "postgresql" else "sqlite"]


def case_conditions(d: dict[str, str], root: bool) -> tuple[str, str]:
    """The area conditions of a scan of cases, and of its "resolved after now" part: read
    from the (resolved_at, ...) index, where SQLite would pick the area's index and read
    every case of the area ("+": not indexed). None over the root."""
    if root:
        return "", ""
    return f"AND c.area_code IN {BELOW}", f"AND {d['unindexed']}c.area_code IN {BELOW}"


#: The coverage index's shares, as in the published formula (a zero denominator: NULL).
FLOOR_SHARES = {
    "registered": "CAST(m.registered AS {real}) / NULLIF(m.members, 0)",
    "active": "CAST(m.active_30d AS {real}) / NULLIF(m.members, 0)",
    "study": "CAST(m.study_completion AS {real})",
    "meetings": "CAST(m.meetings_recorded AS {real}) / NULLIF(m.meetings_required, 0)",
    "broadband": "CAST(m.broadband_households AS {real}) / NULLIF(m.households, 0)",
}


def floor_sql(template: str, dialect: str, weights: dict[str, float], root: bool) -> str:
    """``template`` with the fragments of ``dialect``; the coverage index written out with
    the weights in force (bound as ``:w_<indicator>``); no area condition over the root."""
    d = dialect_of(dialect)
    terms = [f":w_{k} * " + FLOOR_SHARES[k].format(real=d["real"])
             for k, w in weights.items() if w > 0]
    index = "100.0 * (" + " + ".join(terms) + ")" if terms else "NULL"
    in_area, late_in_area = case_conditions(d, root)

    def q(p: float) -> str:
        return d["quantile"].format(p=p, v="x.s")

    return template.format(
        seconds=d["sec"].format(a="c.reported_at", b="c.resolved_at"), q50=q(0.5), q90=q(0.9),
        gather=d["gather"], month_text=d["month_text"], index=index, real=d["real"],
        case_key=d["case_key"], case_in_area=in_area, late_in_area=late_in_area,
        branch_join="" if root else "JOIN party_branches b2 ON b2.id = m.branch_id",
        branch_in_area="" if root else f"AND b2.area_code IN {BELOW}",
    )


# The case page shows twelve panels of the same view: the KPI cards of the period, the one
# before and the year before (counts, rates' bases, mean / median / p90 hours, open and
# overdue at each period's "now"); the stage medians; the group table (per child area:
# counts, median and p90 hours, four stage medians, open and overdue now); the resolution
# histogram and the time-limit mix; the category and source bars; the weekday x hour map;
# the daily trend with its medians; the backlog by age; the 200 most overdue cases and the
# cases falling due within 24 hours, with the names the lists show. One statement: the
# period's cases read once into ``p`` and the open ones into ``o``, every panel a branch of
# a UNION ALL over generic columns (``k*`` text, ``n*`` counts, ``x*`` numbers).

#: Generic columns of the case page's floor.
CASE_TEXT = [f"k{i}" for i in range(1, 16)]
CASE_COUNTS = [f"n{i}" for i in range(1, 13)]
CASE_NUMBERS = [f"x{i}" for i in range(1, 9)]

#: The rows of the two lists as the page shows them (layouts.cases: SCREEN_ROWS, the
#: default horizon DEFAULT_RISK_HOURS; the risk list is capped at LIST_CAP).
OVERDUE_ROWS, RISK_ROWS, RISK_HOURS = 200, LIST_CAP, 24

def as_counts(exprs: list[str]) -> dict[str, str]:
    """``exprs`` as the first count columns (n1, n2, ...)."""
    return dict(zip(CASE_COUNTS[:len(exprs)], exprs, strict=True))


def case_page_sql(dialect: str, root: bool) -> str:
    """The case page's floor (see above) for ``dialect``; no area condition over the root."""
    d = dialect_of(dialect)
    in_area, late_in_area = case_conditions(d, root)

    def sec(a: str, b: str) -> str:
        return d["sec"].format(a=a, b=b)

    def q(p: float, v: str) -> str:
        return d["quantile"].format(p=p, v=v)

    def period(name: str, lo: str, hi: str, wide: bool) -> str:
        cols = ["c.resolved_at", "c.due_at", "c.reopen_count", "c.satisfaction",
                f"CASE WHEN c.resolved_at <= :now THEN {sec('c.reported_at', 'c.resolved_at')}"
                " END AS s"]
        if wide:
            cols = ["c.area_code", "c.category_code", "c.source", "c.reported_at",
                    "c.accepted_at", "c.dispatched_at", "c.closed_at", *cols]
        return (f"{name} AS (SELECT {', '.join(cols)} FROM cases c\n"
                f"  WHERE c.reported_at >= :{lo} AND c.reported_at < :{hi} {in_area})")

    def open_at(name: str, at: str, wide: bool) -> str:
        cols = "c.id, c.area_code, c.reported_at, c.due_at" if wide else "c.due_at"
        return (f"{name} AS (SELECT {cols} FROM cases c\n"
                f"  WHERE c.resolved_at IS NULL AND c.reported_at <= :{at} {in_area}\n"
                f"  UNION ALL SELECT {cols} FROM cases c\n"
                f"  WHERE c.resolved_at > :{at} AND c.reported_at <= :{at} {late_in_area})")

    counts = ["COUNT(*)", "SUM(CASE WHEN x.s IS NOT NULL THEN 1 ELSE 0 END)",
              "SUM(CASE WHEN x.s IS NOT NULL AND x.resolved_at <= x.due_at THEN 1 ELSE 0 END)",
              "SUM(CASE WHEN x.reopen_count > 0 THEN 1 ELSE 0 END)",
              "SUM(CASE WHEN x.satisfaction IS NOT NULL THEN 1 ELSE 0 END)",
              "COALESCE(SUM(x.satisfaction), 0)",
              "SUM(CASE WHEN x.satisfaction <= 2 THEN 1 ELSE 0 END)"]

    def stage(a: str, b: str) -> tuple[str, str, str]:
        ok = (f"x.{a} IS NOT NULL AND x.{b} IS NOT NULL AND x.{b} <= :now "
              f"AND x.{b} >= x.{a}")
        bad = f"x.{a} IS NOT NULL AND x.{b} IS NOT NULL AND x.{b} <= :now AND x.{b} < x.{a}"
        return ok, bad, q(0.5, f"CASE WHEN {ok} THEN {sec(f'x.{a}', f'x.{b}')} END")

    stages = [stage(a, b) for _, a, b in STAGES]
    hours = "x.s / 3600.0"
    hist_bin = ("CASE " + " ".join(f"WHEN {hours} < {e} THEN {i}" for i, e in
                                   enumerate(HIST_EDGES)) + f" ELSE {len(HIST_EDGES)} END")
    age = ("CASE " + " ".join(f"WHEN x.reported_at > :age{i} THEN {i}" for i in
                              range(len(AGE_EDGES))) + f" ELSE {len(AGE_EDGES)} END")
    parts: list[tuple[str, dict[str, str], str]] = []
    for label, src in (("current", "p"), ("previous", "pp"), ("year_ago", "py")):
        parts.append(("kpi", {"k1": f"'{label}'", **as_counts(counts),
                              "x1": "AVG(x.s) / 3600.0", "x2": q(0.5, "x.s"),
                              "x3": q(0.9, "x.s")}, f"FROM {src} x"))
    for label, src, at in (("current", "o", "now"), ("previous", "o_prev", "t_prev"),
                           ("year_ago", "o_ya", "t_ya")):
        parts.append(("kpi_open", {"k1": f"'{label}'", "n1": "COUNT(*)",
                                   "n2": f"SUM(CASE WHEN x.due_at < :{at} THEN 1 ELSE 0 END)"},
                      f"FROM {src} x"))
    stage_cols: dict[str, str] = {}
    for i, (ok, bad, median) in enumerate(stages):
        stage_cols[f"n{2 * i + 1}"] = f"SUM(CASE WHEN {ok} THEN 1 ELSE 0 END)"
        stage_cols[f"n{2 * i + 2}"] = f"SUM(CASE WHEN {bad} THEN 1 ELSE 0 END)"
        stage_cols[f"x{i + 1}"] = median
    parts.append(("stages", stage_cols, "FROM p x"))
    parts.append(("child", {"k1": "k.child", **as_counts(counts),
                            "x1": q(0.5, "x.s"), "x2": q(0.9, "x.s"),
                            **{f"x{i + 3}": m for i, (_, _, m) in enumerate(stages)}},
                  "FROM p x JOIN kids k ON k.code = {key} GROUP BY k.child"))
    parts.append(("child_open", {"k1": "k.child", "n1": "COUNT(*)",
                                 "n2": "SUM(CASE WHEN x.due_at < :now THEN 1 ELSE 0 END)"},
                  "FROM o x JOIN kids k ON k.code = {key} GROUP BY k.child"))
    parts.append(("hist", {"k1": f"CAST({hist_bin} AS TEXT)",
                           "k2": "CASE WHEN x.resolved_at <= x.due_at THEN '1' ELSE '0' END",
                           "n1": "COUNT(*)"},
                  f"FROM p x WHERE x.s IS NOT NULL GROUP BY {hist_bin}, "
                  "CASE WHEN x.resolved_at <= x.due_at THEN '1' ELSE '0' END"))
    sla = f"{sec('x.reported_at', 'x.due_at')} / 3600.0"
    parts.append(("sla", {"n1": "COUNT(*)", "x1": sla}, f"FROM p x GROUP BY {sla}"))
    parts.append(("major", {"k1": "COALESCE(m.parent_code, m.code)",
                            **as_counts(counts)},
                  "FROM p x JOIN case_categories m ON m.code = x.category_code "
                  "GROUP BY COALESCE(m.parent_code, m.code)"))
    parts.append(("source", {"k1": "x.source", **as_counts(counts)},
                  "FROM p x GROUP BY x.source"))
    parts.append(("heat", {"k1": f"CAST({d['dow']} AS TEXT)",
                           "k2": f"CAST({d['hour']} AS TEXT)", "n1": "COUNT(*)"},
                  f"FROM p x GROUP BY {d['dow']}, {d['hour']}"))
    parts.append(("day", {"k1": d["day"], **as_counts(counts[:3]),
                          "x1": q(0.5, "x.s")}, f"FROM p x GROUP BY {d['day']}"))
    late = "CASE WHEN x.due_at < :now THEN '1' ELSE '0' END"
    parts.append(("backlog", {"k1": f"CAST({age} AS TEXT)", "k2": late, "n1": "COUNT(*)"},
                  f"FROM o x GROUP BY {age}, {late}"))
    listed = {"k1": "CAST(c.id AS TEXT)", "k2": "g.name", "k3": "t.name",
              "k4": "COALESCE(ma.name, mi.name)", "k5": "COALESCE(ma.name_en, mi.name_en)",
              "k6": "mi.name", "k7": "mi.name_en", "k8": "c.reporter_name",
              "k9": "c.reporter_phone", "k10": "c.summary", "k11": "c.status",
              "k12": "c.source", "k13": "c.handling_unit",
              "k14": "CAST(c.reported_at AS TEXT)", "k15": "CAST(c.due_at AS TEXT)"}
    joins = ("JOIN cases c ON c.id = pick.id JOIN areas g ON g.code = c.area_code "
             "LEFT JOIN area_paths tp ON tp.descendant_code = c.area_code AND tp.ancestor_code "
             "IN (SELECT code FROM areas WHERE level = 'town') "
             "LEFT JOIN areas t ON t.code = tp.ancestor_code "
             "JOIN case_categories mi ON mi.code = c.category_code "
             "LEFT JOIN case_categories ma ON ma.code = mi.parent_code")
    parts.append(("overdue", {**listed, "x1": f"{sec('c.due_at', ':now')} / 3600.0"},
                  "FROM (SELECT x.id FROM o x WHERE x.due_at < :now ORDER BY x.due_at, x.id "
                  f"LIMIT {OVERDUE_ROWS}) pick {joins}"))
    parts.append(("risk", {**listed, "x1": f"{sec(':now', 'c.due_at')} / 3600.0"},
                  "FROM (SELECT x.id FROM o x WHERE x.due_at >= :now AND x.due_at < :horizon "
                  f"ORDER BY x.due_at, x.id LIMIT {RISK_ROWS}) pick {joins}"))

    def branch(i: int, part: str, cols: dict[str, str], frm: str) -> str:
        def col(name: str, kind: str) -> str:
            value = cols.get(name, "NULL")
            return f"CAST({value} AS {kind})" if i == 0 else value  # the first fixes the types

        out = [f"'{part}'" + (" AS part" if i == 0 else "")]
        out += [col(k, "TEXT") for k in CASE_TEXT]
        out += [col(n, d["int"]) for n in CASE_COUNTS]
        out += [col(x, d["real"]) for x in CASE_NUMBERS]
        if i == 0:
            out = [out[0]] + [f"{v} AS {n}" for v, n in
                              zip(out[1:], CASE_TEXT + CASE_COUNTS + CASE_NUMBERS, strict=True)]
        return f"SELECT {', '.join(out)}\n{frm.format(key=d['case_key'])}"

    ctes = [period("p", "lo", "hi", True), period("pp", "lo_prev", "hi_prev", False),
            period("py", "lo_ya", "hi_ya", False), open_at("o", "now", True),
            open_at("o_prev", "t_prev", False), open_at("o_ya", "t_ya", False),
            "kids AS (SELECT p2.descendant_code AS code, a.code AS child FROM areas a "
            "JOIN area_paths p2 ON p2.ancestor_code = a.code WHERE a.parent_code = :area)"]
    body = "\nUNION ALL\n".join(branch(i, *part) for i, part in enumerate(parts))
    return "WITH " + ",\n".join(ctes) + "\n" + body


def case_page_params(area: str, as_of: date, days: int = 30) -> dict[str, Any]:
    """The bound values of :func:`case_page_sql` for the last ``days`` days before ``as_of``
    (the view's default period), compared as the page compares them: the periods and the
    snapshot instants of :mod:`queries.case_analytics`."""
    from datetime import datetime

    now = datetime.combine(as_of, datetime.min.time())
    start, end = as_of - timedelta(days=days), as_of - timedelta(days=1)
    periods = {name: period_bounds(lo, hi)
               for name, (lo, hi) in comparison_periods(start, end).items()}
    instants = comparison_instants(now, start, end)
    return {"area": area, "now": now,
            "lo": periods["current"][0], "hi": periods["current"][1],
            "lo_prev": periods["previous"][0], "hi_prev": periods["previous"][1],
            "lo_ya": periods["year_ago"][0], "hi_ya": periods["year_ago"][1],
            "t_prev": instants["previous"], "t_ya": instants["year_ago"],
            "horizon": now + timedelta(hours=RISK_HOURS),
            **{f"age{i}": now - timedelta(hours=h) for i, h in enumerate(AGE_EDGES)}}


#: What each interaction's floor computes (reported beside its ratio).
FLOOR_COVERS = {
    "open_overview": "all panels",
    "drill_town": "all panels",
    "drill_village": "all panels",
    "change_metric": "all panels",
    "change_period": "all panels",
    "open_case_page": "all panels",
}


def floor_statements(areas: Any, as_of: date, dialect: str,
                     weights: dict[str, float] | None = None
                     ) -> dict[str, tuple[str, dict[str, Any]]]:
    """Per interaction, the floor's statement and its bound values."""
    from datetime import datetime

    from dashboard.indicators import configured_weights

    w = configured_weights() if weights is None else weights
    now = datetime.combine(as_of, datetime.min.time())
    hi = now
    lo30, lo365 = hi - timedelta(days=30), hi - timedelta(days=365)
    upto = (as_of - timedelta(days=1)).replace(day=1)
    bound = {f"w_{k}": float(v) for k, v in w.items() if v > 0}

    def overview(area: str, lo: datetime) -> tuple[str, dict[str, Any]]:
        sql = floor_sql(FLOOR_OVERVIEW, dialect, w, root=area == areas.county)
        return sql, {"area": area, "lo": lo, "hi": hi, "now": now, "upto": upto, **bound}

    return {  # the order of FLOOR_COVERS
        "open_overview": overview(areas.county, lo30),
        "drill_town": overview(areas.town, lo30),
        "drill_village": overview(areas.village, lo30),
        "change_metric": overview(areas.village, lo30),
        "change_period": overview(areas.village, lo365),
        "open_case_page": (case_page_sql(dialect, root=True),
                           case_page_params(areas.county, as_of)),
    }


def time_floor(url: str, sql: str, params: dict[str, Any], runs: int = 5) -> float:
    """Median milliseconds of one statement (after one untimed run), on one connection."""
    from sqlalchemy import text

    from dashboard import db

    engine = db.get_engine(url)
    times = []
    with engine.connect() as conn:
        conn.execute(text(sql), params).fetchall()
        for _ in range(runs):
            started = time.perf_counter()
            conn.execute(text(sql), params).fetchall()
            times.append((time.perf_counter() - started) * 1e3)
    return statistics.median(times)


