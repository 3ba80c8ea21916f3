"""The coverage page in real headless Chromium: county and town, the ranking follows the area,
the figures equal pandas over the raw tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from tests import reference

pytestmark = pytest.mark.browser

PERIOD = "from=2026-10-23&to=2026-11-21"
MONTH = "2026-11-01"

WORST_JS = """() => {
  const gd = document.querySelector('#coverage-worst .js-plotly-plot');
  return gd && gd.data && gd.data[0] ? Array.from(gd.data[0].customdata || []) : null;
}"""
BEST_JS = WORST_JS.replace("coverage-worst", "coverage-best")


def month_index(engine: Engine, area: str) -> pd.Series:
    """The index per branch of ``area`` for the month, by hand with the default weights."""
    cov = reference.raw(engine, "coverage_monthly")
    cov = cov[pd.to_datetime(cov["month"]) == pd.Timestamp(MONTH)]
    branches = reference.raw(engine, "party_branches")
    mine = set(branches.loc[branches["area_code"].isin(reference.subtree(engine, area)), "id"])
    f = cov[cov["branch_id"].isin(mine)].set_index("branch_id")
    return 100 * (0.2 * f["registered"] / f["members"] + 0.25 * f["active_30d"] / f["members"]
                  + 0.2 * f["study_completion"]
                  + 0.2 * f["meetings_recorded"] / f["meetings_required"]
                  + 0.15 * f["broadband_households"] / f["households"])


def gini(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))


def wait_for_ranking(page, expected: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        f"(() => {{ const c = ({WORST_JS})(); return c !== null && "
        f"JSON.stringify(c) === JSON.stringify({expected!r}); }})()", timeout=30_000)
    return page.evaluate(WORST_JS)  # type: ignore[no-any-return]


def kpi(page, name: str) -> float:  # type: ignore[no-untyped-def]
    el = page.locator(f'[data-coverage-kpi="{name}"]')
    return float(el.get_attribute("data-value") or "nan")


def test_coverage_page_county_then_town_ranking_follows(  # type: ignore[no-untyped-def]
        watched_page, live_server, sqlite_engine) -> None:
    page = watched_page.page
    county = month_index(sqlite_engine, "211122").sort_values()
    worst_county = list(county.sort_index().sort_values(kind="stable").index[:10])

    page.goto(f"{live_server.url}/coverage?{PERIOD}")
    page.wait_for_selector('[data-coverage-kpi="gini"][data-value]', timeout=30_000)
    assert wait_for_ranking(page, worst_county) == worst_county
    assert kpi(page, "gini") == pytest.approx(gini(county.to_numpy()), rel=1e-9)
    assert kpi(page, "index_mean") == pytest.approx(county.mean(), rel=1e-9)
    assert "2026年11月" in page.locator("#coverage-month-note").inner_text()
    # the Matthew effect is stated in words (not by colour alone)
    note = page.locator(".spread-note")
    assert note.get_attribute("data-direction") == "widening"
    assert "扩大" in note.inner_text()
    best = page.evaluate(BEST_JS)
    assert best == list(county.sort_values(ascending=False, kind="stable").index[:10])
    # the weakest branch is picked for the detail, with members by age band
    page.wait_for_selector(f'.branch-head[data-branch="{worst_county[0]}"]', timeout=20_000)
    assert page.locator("#coverage-lorenz .js-plotly-plot").count() == 1
    watched_page.screenshot("coverage-county-1366x768")

    # a town: the ranking holds only that town's branches
    areas = reference.raw(sqlite_engine, "areas")
    town = sorted(areas.loc[areas["level"] == "town", "code"])[2]
    town_index = month_index(sqlite_engine, town)
    n = len(town_index)
    k_worst = min(10, n - min(10, -(-n // 2)))
    worst_town = list(town_index.sort_values(kind="stable").index[:k_worst])
    page.goto(f"{live_server.url}/coverage?area={town}&{PERIOD}")
    shown = wait_for_ranking(page, worst_town)
    assert shown and set(shown) <= set(town_index.index)
    page.wait_for_function(
        f"(() => {{ const e = document.querySelector('[data-coverage-kpi=\"index_mean\"]');"
        f" return e && Math.abs(parseFloat(e.dataset.value) - {float(town_index.mean())!r}) < 1e-6;"
        " })()", timeout=20_000)
    assert page.locator(".area-path .crumb.current").inner_text() == areas.set_index(
        "code").loc[town, "name"]

    # clicking a weak bar opens that branch
    target = worst_town[-1]
    i = page.evaluate(WORST_JS).index(target)
    bar = page.locator("#coverage-worst .bars .point").nth(i)
    bar.scroll_into_view_if_needed()
    bar.click(force=True)  # plotly's drag layer above the bar takes the click
    page.wait_for_selector(f'.branch-head[data-branch="{target}"]', timeout=20_000)
    watched_page.assert_clean()


def test_coverage_page_english_and_no_names_without_permission(  # type: ignore[no-untyped-def]
        browser, live_server) -> None:
    from tests.browser.conftest import login

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    login(context, live_server.url, "analyst")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/coverage?{PERIOD}&lang=en")
    page.wait_for_selector(".branch-head", timeout=30_000)
    assert "Digital coverage" in page.locator("#coverage-heading").inner_text()
    detail = page.locator("#coverage-detail").inner_text()
    assert "personal data" in detail  # names hidden, and the page says why
    assert page.locator("#coverage-detail .dash-table-container").count() == 0
    assert errors == []
    context.close()
