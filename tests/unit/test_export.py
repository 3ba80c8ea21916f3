"""File names, footers and the export links (no browser, no database)."""

from __future__ import annotations

from datetime import date, datetime

from callbacks.export import update_export_links
from dashboard import ids
from dashboard.export import export_filename, footer_text, svg_footer
from dashboard.formats import fmt_period
from dashboard.view import View


def test_export_filename_says_area_metric_and_period() -> None:
    name = export_filename("盘山县", "案件地图-当前超期", date(2026, 10, 24), date(2026, 11, 22),
                           "png")
    assert name == "盘山县_案件地图-当前超期_2026-10-24_2026-11-22.png"
    assert "/" not in export_filename("a/b", 'x:"y"', date(2026, 1, 1), date(2026, 1, 2), "svg")


def test_footer_and_period_in_chinese_conventions() -> None:
    assert footer_text("town", datetime(2026, 11, 2, 9, 5)) == "导出：town · 2026年11月2日 09:05"
    assert fmt_period(date(2026, 1, 1), date(2026, 3, 31)) == "2026年1月1日—2026年3月31日"


def test_svg_footer_extends_the_canvas_and_escapes_text() -> None:
    # kaleido draws in CSS px (viewBox) and sizes the root at the scale (1.5x: 1920 px)
    svg = b'<svg class="main-svg" width="1920" height="1080" viewBox="0 0 1280 720"></svg>'
    out = svg_footer(svg, "导出：a<b", 1280, 720, 1.5).decode()
    # the display size keeps the viewBox's aspect: 1280 x 756 drawn at 1920 x 1134
    assert 'width="1920"' in out and 'height="1134"' in out
    assert 'viewBox="0 0 1280 756"' in out
    assert "导出：a&lt;b" in out and out.endswith("</svg>")


def test_export_links_follow_the_view() -> None:
    view = View(area="211122001", start=date(2026, 10, 24), end=date(2026, 11, 22),
                metric="cases", lang="en")
    links = [ids.Export.link("map.png"), ids.Export.link("brief.pdf")]
    hrefs = update_export_links(view.to_store(), links)
    assert hrefs[0].startswith("/export/chart/map.png?area=211122001")
    assert "from=2026-10-24" in hrefs[0] and "metric=cases" in hrefs[0] and "lang=en" in hrefs[0]
    assert hrefs[1].startswith("/export/brief.pdf?")
