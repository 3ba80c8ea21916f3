"""URL parsing: malformed input is dropped with a message, never passed on."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from dashboard.view import View, parse_query, to_query


def test_view_parse_round_trip() -> None:
    v = parse_query("?area=211122001&metric=cases&from=2026-01-01&to=2026-01-31&lang=en")
    assert v == View(area="211122001", start=date(2026, 1, 1), end=date(2026, 1, 31),
                     metric="cases", lang="en")
    assert parse_query(to_query(v)) == v


def test_view_keeps_case_filters_through_round_trips() -> None:
    v = parse_query("?area=X1&cat=0701&src=hotline&from=2026-01-01&to=2026-01-31")
    assert (v.cat, v.src) == ("0701", "hotline")
    assert parse_query(to_query(v)) == v and View.from_store(v.to_store()) == v
    bad = parse_query("?cat=%3Cscript%3E&src=carrier-pigeon")
    assert bad.cat is None and bad.src is None


def test_view_malformed_values_are_reported_and_dropped() -> None:
    v = parse_query("?area=1%27%20OR%201=1--&from=2026-13-01&to=yesterday&lang=fr")
    assert v.area is None and v.start is None and v.end is None and v.lang == "zh"
    keys = [k for k, _ in v.problems]
    assert keys.count("url.bad_date") == 2 and "area.unknown" in keys


def test_view_swapped_dates_are_swapped_back() -> None:
    v = parse_query("from=2026-02-01&to=2026-01-01")
    assert (v.start, v.end) == (date(2026, 1, 1), date(2026, 2, 1))
    assert ("url.bad_range", "") in v.problems


def test_view_store_round_trip() -> None:
    v = View(area="X1", start=date(2026, 1, 1), end=date(2026, 1, 2), metric="open", lang="en")
    assert View.from_store(v.to_store()) == v


@given(st.text(max_size=200))
def test_view_parse_never_raises_and_keeps_codes_safe(search: str) -> None:
    v = parse_query(search)
    assert v.area is None or all(ch.isalnum() or ch in "_.-" for ch in v.area)
    assert v.lang in ("zh", "en")
