"""The warnings list in Chromium: sorting by tier is by severity, not by the label's text."""

from __future__ import annotations

import pytest

from dashboard.i18n import t
from dashboard.rules import TIER_RANK, TIERS

pytestmark = pytest.mark.browser

# the shown rows' tier ranks (through the labels) or held days, and whether they are in order
COLUMN_JS = """([column, ranks]) => [...document.querySelectorAll(
  `#warnings-grid td[data-dash-column="${column}"]`)].map(td => column === 'tier'
  ? ranks[td.innerText.trim()] : Number(td.innerText))"""
# in order, and (when given) starting with the value the sort must bring first: rows that are
# all of one value are in either order, so the order alone can be the sort before this one
IN_ORDER_JS = ("([column, ranks, reverse, first]) => { const v = (" + COLUMN_JS +
               ")([column, ranks]); return v.length > 1 && (first === null || v[0] === first)"
               " && v.every((x, i) => i === 0 || (reverse ? v[i - 1] >= x : v[i - 1] <= x)); }")


def click_sort(page, column: str, ranks: dict, reverse: bool,  # type: ignore[no-untyped-def]
               first: int | None = None) -> list:
    """Click the column's sort arrow; the rows it shows once they are in that order (and,
    with ``first``, start with it)."""
    page.locator(f'#warnings-grid th[data-dash-column="{column}"] .column-header--sort').click()
    page.wait_for_function(IN_ORDER_JS, arg=[column, ranks, reverse, first], timeout=10_000)
    return page.evaluate(COLUMN_JS, [column, ranks])  # type: ignore[no-any-return]


def test_tier_column_sorts_by_severity_and_held_days_as_numbers(watched_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    page.goto(f"{live_server.url}/warnings?area=211122")
    page.wait_for_selector("#warnings-grid td[data-dash-column='tier']", timeout=30_000)
    ranks = {t(f"tier.{tier}", "zh"): TIER_RANK[tier] for tier in TIERS}
    counts = {tier: int(page.locator(f'[data-tier-count="{tier}"]').inner_text())
              for tier in TIERS}
    present = [tier for tier in TIERS if counts[tier] > 0]
    assert len(present) >= 2, counts  # the reference county has more than one tier

    # the held days first, so that each sort below has to move the rows
    held = click_sort(page, "held", ranks, reverse=False)
    assert held == sorted(held) and len(set(held)) > 1, held  # numbers, not text
    # by severity, not 红 < 蓝 < 黄: the most severe tier present first, then the least
    shown = click_sort(page, "tier", ranks, reverse=False, first=TIER_RANK[present[0]])
    assert shown[0] == TIER_RANK[present[0]], shown
    shown = click_sort(page, "tier", ranks, reverse=True, first=TIER_RANK[present[-1]])
    assert shown[0] == TIER_RANK[present[-1]], shown
    watched_page.screenshot("warnings-sorted")
    watched_page.assert_clean()
