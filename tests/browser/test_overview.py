"""The overview in real headless Chromium: KPIs equal pandas, no errors, nothing off-origin."""

from __future__ import annotations

import math
from datetime import date

import pytest

from dashboard import ids
from layouts.components import format_kpi
from layouts.overview import OVERVIEW_KPIS
from tests import reference

pytestmark = pytest.mark.browser

START, END = date(2026, 10, 1), date(2026, 10, 31)


def read_kpis(page) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    page.wait_for_selector('[data-kpi="completion_rate"][data-value]', timeout=20_000)
    out = {}
    for name in OVERVIEW_KPIS:
        el = page.locator(f'[data-kpi="{name}"]')
        out[name] = (el.get_attribute("data-value") or "", el.inner_text())
    return out


def test_overview_kpis_equal_pandas(watched_page, live_server, sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    page.goto(f"{live_server.url}/?from={START}&to={END}")
    page.wait_for_function(
        "document.querySelector('.area-path .crumb.current') !== null", timeout=20_000)
    shown = read_kpis(page)
    expected = reference.kpis(sqlite_engine, "211122", START, END)
    for name in OVERVIEW_KPIS:
        raw, text = shown[name]
        want = expected[name]
        if isinstance(want, float) and math.isnan(want):
            assert raw == "", name
        else:
            assert float(raw) == pytest.approx(want, rel=1e-9), name
        assert text == format_kpi(name, want, "zh"), name
    assert page.locator(".demo-badge").inner_text() == "演示数据（模拟）"
    assert page.locator(".area-path .crumb.current").inner_text() == "盘山县"
    watched_page.screenshot("overview-1366x768")
    watched_page.assert_clean()


def test_overview_english_and_unknown_area(watched_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    page.goto(f"{live_server.url}/?area=999999999&lang=en")
    page.wait_for_selector(".shell-alert .alert", timeout=20_000)
    assert "999999999" in page.locator(".shell-alert .alert").inner_text()
    page.wait_for_selector('[data-kpi="cases"][data-value]', timeout=20_000)
    assert page.locator(".nav-links .nav-link.active").inner_text() == "Overview"
    assert page.locator(".area-path .crumb.current").inner_text() == "盘山县"
    watched_page.assert_clean()


def test_overview_period_preset_updates_url_and_kpis(watched_page, live_server,  # type: ignore[no-untyped-def]
                                                     sqlite_engine) -> None:
    page = watched_page.page
    page.goto(f"{live_server.url}/?from={START}&to={END}")
    before = read_kpis(page)["cases"][0]
    page.get_by_role("button", name="本年").click()
    page.wait_for_url("**from=2026-01-01**", timeout=20_000)
    page.wait_for_function(
        f"document.querySelector('[data-kpi=\"cases\"]').dataset.value !== '{before}'",
        timeout=20_000)
    expected = reference.kpis(sqlite_engine, "211122", date(2026, 1, 1), date(2026, 11, 21))
    assert float(read_kpis(page)["cases"][0]) == expected["cases"]
    page.go_back()
    page.wait_for_function(
        f"document.querySelector('[data-kpi=\"cases\"]').dataset.value === '{before}'",
        timeout=20_000)
    watched_page.assert_clean()


def read_column(page, column: str) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(f'#{ids.Overview.CHILDREN} td[data-dash-column="{column}"]'
                        ).all_inner_texts()


def test_child_table_shows_the_childrens_figures_and_sorts_them_as_numbers(  # type: ignore[no-untyped-def]
        watched_page, live_server, sqlite_engine) -> None:
    page = watched_page.page
    page.goto(f"{live_server.url}/?from={START}&to={END}")
    page.wait_for_selector(f'#{ids.Overview.CHILDREN} td[data-dash-column="cases"]',
                           timeout=20_000)
    areas = reference.raw(sqlite_engine, "areas")
    towns = areas[areas["parent_code"] == "211122"]
    expected = {name: int(reference.kpis(sqlite_engine, code, START, END)["cases"])
                for code, name in zip(towns["code"], towns["name"], strict=True)}
    names = [n.split(" · ")[0] for n in read_column(page, "name")]
    shown = [int(v.replace(",", "")) for v in read_column(page, "cases")]
    assert dict(zip(names, shown, strict=True)) == expected
    # the counts have two and three digits: as text, "39" would sort after "317"
    assert sorted(map(str, shown)) != [str(n) for n in sorted(shown)]
    header = page.locator(f'#{ids.Overview.CHILDREN} th[data-dash-column="cases"]')
    header.locator(".column-header--sort").click()
    page.wait_for_function(
        f"""() => {{
            const cells = [...document.querySelectorAll(
                '#{ids.Overview.CHILDREN} td[data-dash-column="cases"]')];
            const v = cells.map(c => Number(c.innerText.replace(/,/g, '')));
            return v.length > 1 && v.every((x, i) => i === 0 || v[i - 1] <= x);
        }}""", timeout=20_000)
    ascending = [int(v.replace(",", "")) for v in read_column(page, "cases")]
    assert ascending == sorted(expected.values())
    rates = read_column(page, "completion")
    assert all(r.endswith("%") or r == "—" for r in rates) and any(r.endswith("%") for r in rates)
    watched_page.assert_clean()
