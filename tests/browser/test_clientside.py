"""The browser-side callbacks (``assets/clientside.js``) and their Python twins in
``dashboard.bench`` give the same URLs: the benchmark's renderer runs the twins, so a
difference would have it measure another page than the one users get."""

from __future__ import annotations

import json

import pytest

from dashboard import bench
from dashboard.view import parse_query, to_query

pytestmark = pytest.mark.browser

P = "2026-10-23"
CASES = [
    # (clickData, search)
    ({"points": [{"location": "211122001"}]}, ""),
    ({"points": [{"location": "211122001"}]}, "?area=211122&from=2026-10-23&to=2026-11-21"),
    ({"points": [{"location": "211122001"}]}, "?lang=en&metric=overdue_now&area=211122"),
    ({"points": [{"location": "211122001"}]}, "?area=211122001"),  # already there
    ({"points": [{"location": "211122001"}]}, "?area=211122&lang=zh&cat=02&src=hotline"),
    ({"points": [{"curveNumber": 2}, {"location": "211122001002"}]}, "?from=" + P),
    ({"points": [{"location": 5}]}, "?area=211122"),  # not an area code
    ({"points": [{"location": "bad code!"}]}, "?area=211122"),
    ({"points": []}, "?area=211122"),
    (None, "?area=211122"),
    ({"points": [{"location": "211122001"}]}, "?area=211122&x=1&to=2026-11-21&from=" + P),
    ({"points": [{"location": "211122001"}]}, "?area=+211122+&metric=&src=a%20b"),
]

DRILL_JS = """(cases) => cases.map(([click, search]) => {
  const out = window.dash_clientside.countydash.drill_to(click, search);
  return out === window.dash_clientside.no_update ? null : out;
})"""


def test_drill_to_matches_its_python_twin(watched_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    page.goto(f"{live_server.url}/?area=211122")
    page.wait_for_function("() => window.dash_clientside && window.dash_clientside.countydash")
    got = page.evaluate(DRILL_JS, [list(c) for c in CASES])
    want = [bench.drill_to(click, search) for click, search in CASES]
    assert got == want, json.dumps(list(zip(got, want, strict=True)), ensure_ascii=False)
    assert want[0] == "?area=211122001" and want[3] is None and want[6] is None
    watched_page.assert_clean()


def test_drill_to_writes_the_url_the_server_would_write() -> None:
    """For a URL the app wrote itself, the twin (so the browser) gives exactly what the
    server's query writer gives for the new area."""
    for search in ("", "?area=211122&metric=overdue_now&from=2026-10-23&to=2026-11-21",
                   "?area=211122&cat=02&src=hotline&lang=en"):
        want = to_query(parse_query(search), area="211122001", problems=())
        assert bench.drill_to({"points": [{"location": "211122001"}]}, search) == want
