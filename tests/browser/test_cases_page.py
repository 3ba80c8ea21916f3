"""The case page in real headless Chromium: period and category filters change KPIs, charts
and lists together, all equal to pandas; the CSV opens with Chinese intact and masks what
the user may not see."""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import login
from tests.db.test_case_analytics import Ref

pytestmark = pytest.mark.browser

COUNTY = "211122"
KPIS = ("cases", "open_now", "overdue_now", "completion_rate", "reopen_rate",
        "low_satisfaction_rate", "mean_satisfaction", "within_sla_rate", "median_hours",
        "p90_hours")


def read_kpis(page) -> dict[str, float]:  # type: ignore[no-untyped-def]
    page.wait_for_selector('[data-case-kpi="p90_hours"][data-value]', timeout=30_000)
    out = {}
    for name in KPIS:
        raw = page.locator(f'[data-case-kpi="{name}"]').get_attribute("data-value") or ""
        out[name] = float(raw) if raw else math.nan
    return out


def assert_kpis(shown: dict[str, float], want: dict[str, float]) -> None:
    for name in KPIS:
        if isinstance(want[name], float) and math.isnan(want[name]):
            assert math.isnan(shown[name]), name
        else:
            assert shown[name] == pytest.approx(want[name], rel=1e-9), name


def figure(page, graph_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """The plotted traces of a dcc.Graph (x, y, name) as the browser holds them."""
    return page.evaluate(
        """id => Array.from(document.getElementById(id).querySelector('.js-plotly-plot').data)
              .map(t => ({name: t.name || '', x: Array.from(t.x || []),
                          y: Array.from(t.y || []), mode: t.mode || ''}))""", graph_id)


def wait_for_value_change(page, name: str, before: float) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "([n, v]) => { const e = document.querySelector(`[data-case-kpi=\"${n}\"]`);"
        " return e && e.dataset.value !== '' && Number(e.dataset.value) !== v; }",
        arg=[name, before], timeout=30_000)


AGREE_JS = """k => {
  const data = id => { const g = document.getElementById(id);
    const p = g && g.querySelector('.js-plotly-plot'); return p && p.data; };
  const sum = a => Array.from(a || []).reduce((x, y) => x + y, 0);
  const trend = data('cases-trend'), hist = data('cases-histogram'),
        backlog = data('cases-backlog'), heat = data('cases-heatmap');
  const count = document.getElementById('cases-overdue-count');
  if (!(trend && hist && backlog && heat && count)) return false;
  const m = count.innerText.match(/共([\\d,]+)件/);
  return sum(trend[0].y) === k.cases
    && sum(hist[0].y) === k.within && sum(hist[0].y) + sum(hist[1].y) === k.resolved
    && sum(backlog[1].y) === k.overdue_now
    && sum(backlog[0].y) + sum(backlog[1].y) === k.open_now
    && heat[0].z.flat().reduce((x, y) => x + y, 0) === k.cases
    && (m ? Number(m[1].replace(/,/g, '')) : 0) === k.overdue_now;
}"""


def wait_for_figures(page, kpis: dict[str, float]) -> None:  # type: ignore[no-untyped-def]
    """Wait until every chart and the list count agree with the KPI cards (they arrive
    from separate callbacks); on a timeout the assertions below say which one does not."""
    want = {"cases": kpis["cases"], "open_now": kpis["open_now"],
            "overdue_now": kpis["overdue_now"],
            "within": round(kpis["within_sla_rate"] * kpis["cases"]),
            "resolved": round(kpis["completion_rate"] * kpis["cases"])}
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(AGREE_JS, arg=want, timeout=30_000)


def overdue_count(page) -> int:  # type: ignore[no-untyped-def]
    text = page.locator("#cases-overdue-count").inner_text()
    match = re.search(r"共(\d[\d,]*)件", text)
    return int(match.group(1).replace(",", "")) if match else 0


def assert_page_agrees(page, kpis: dict[str, float]) -> None:  # type: ignore[no-untyped-def]
    """Charts and lists tell the same story as the KPI cards."""
    wait_for_figures(page, kpis)
    assert sum(figure(page, "cases-trend")[0]["y"]) == kpis["cases"]
    hist = figure(page, "cases-histogram")
    within, late = sum(hist[0]["y"]), sum(hist[1]["y"])
    assert within == round(kpis["within_sla_rate"] * kpis["cases"])
    assert within + late == round(kpis["completion_rate"] * kpis["cases"])
    backlog = figure(page, "cases-backlog")
    assert sum(backlog[1]["y"]) == kpis["overdue_now"]
    assert sum(backlog[0]["y"]) + sum(backlog[1]["y"]) == kpis["open_now"]
    assert overdue_count(page) == kpis["overdue_now"]
    heat = page.evaluate("""() => document.getElementById('cases-heatmap')
        .querySelector('.js-plotly-plot').data[0].z.flat().reduce((a, b) => a + b, 0)""")
    assert heat == kpis["cases"]


def test_period_and_category_filters_change_everything_together(
        watched_page, live_server, sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    ref = Ref(sqlite_engine)
    start, end = date(2026, 10, 1), date(2026, 10, 31)
    page.goto(f"{live_server.url}/cases?from={start}&to={end}")
    first = read_kpis(page)
    assert_kpis(first, ref.kpis(COUNTY, start, end))
    assert_page_agrees(page, first)

    # the period: a preset rewrites the URL; every figure follows
    page.get_by_role("button", name="本月").click()
    page.wait_for_url("**from=2026-11-01**", timeout=30_000)
    wait_for_value_change(page, "cases", first["cases"])
    month = read_kpis(page)
    assert_kpis(month, ref.kpis(COUNTY, date(2026, 11, 1), date(2026, 11, 21)))
    assert_page_agrees(page, month)

    # a major category: URL, KPIs, category bars (now its minors) and the list follow
    page.locator("#cases-major").click()
    page.get_by_role("option", name="环境卫生").click()
    page.wait_for_url("**cat=07**", timeout=30_000)
    wait_for_value_change(page, "cases", month["cases"])
    filtered = read_kpis(page)
    params = parse_qs(urlparse(page.url).query)
    assert params["from"] == ["2026-11-01"] and params["cat"] == ["07"]
    assert_kpis(filtered, ref.kpis(COUNTY, date(2026, 11, 1), date(2026, 11, 21), "07"))
    assert_page_agrees(page, filtered)
    bars = figure(page, "cases-category")[0]
    assert sum(bars["x"]) == filtered["cases"]
    minors = set(ref.cats.loc[ref.cats["parent_code"] == "07", "name"])
    assert set(bars["y"]) <= minors and len(bars["y"]) >= 3
    assert "环境卫生" in page.locator("#cases-filter-note").inner_text()
    rows = page.locator("#cases-overdue-table tr:has(td.dash-cell)").count()
    assert rows == min(filtered["overdue_now"], 12)
    watched_page.screenshot("cases-1366x768")
    watched_page.assert_clean()


def test_csv_download_chinese_intact_and_masked(browser, live_server, sqlite_engine,  # type: ignore[no-untyped-def]
                                               tmp_path) -> None:
    """The town user (no personal-data permission) downloads its overdue list."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                  accept_downloads=True)
    login(context, live_server.url, "town")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/cases?src=app")
    kpis = read_kpis(page)
    page.wait_for_selector("#cases-overdue-table", timeout=30_000)
    assert "个人信息已脱敏" in page.locator("#cases-overdue-count").inner_text()
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="下载CSV").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    assert "超期案件" in download.suggested_filename
    path = tmp_path / "overdue.csv"
    download.save_as(str(path))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["编号", "类别", "来源"]
    assert len(body) == kpis["overdue_now"] > 0
    col = {name: i for i, name in enumerate(header)}
    ref = Ref(sqlite_engine)
    town = sorted(ref.areas.loc[ref.areas["level"] == "town", "code"])[0]
    raw_cases = ref.select(town, None, "app").set_index("id")
    for row in body:
        assert row[col["来源"]] == "居民随手拍"
        real = raw_cases.loc[row[col["编号"]]]
        name, phone = row[col["反映人"]], row[col["电话"]]
        if isinstance(real["reporter_name"], str):
            assert name == real["reporter_name"][0] + "*" * (len(real["reporter_name"]) - 1)
            assert name != real["reporter_name"]
            assert re.fullmatch(r"\d{3}\*{4}\d{4}", phone)
    assert any(re.search(r"[\u4e00-\u9fff]", row[col["类别"]]) for row in body)
    context.close()
    assert errors == []


def test_definitions_page_names_every_metric(watched_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    page.goto(f"{live_server.url}/cases/definitions")
    page.wait_for_selector(".cases-defs-table", timeout=30_000)
    text = page.locator(".cases-defs-table").inner_text()
    for word in ("办结率", "返工率", "不满意占比", "按期办结率", "分子", "分母", "少于20件"):
        assert word in text, word
    watched_page.assert_clean()

