"""The view a URL describes, parsed into a typed object at the boundary.

``?area=CODE&from=YYYY-MM-DD&to=YYYY-MM-DD&metric=NAME&lang=zh`` - anything malformed is
dropped with a message key for the page to show; nothing malformed reaches a query.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode

from dashboard.i18n import normalise_lang
from dashboard.schema import SOURCES

AREA_CODE = re.compile(r"^[0-9A-Za-z_.\-]{1,40}$")
CATEGORY = re.compile(r"^[0-9A-Za-z_\-]{1,20}$")
METRIC = re.compile(r"^[a-z_]{1,40}$")
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class View:
    """What the user is looking at. ``area=None`` means the caller's root area."""

    area: str | None = None
    start: date | None = None
    end: date | None = None
    metric: str | None = None
    lang: str = "zh"
    cat: str | None = None  # case category filter (major or minor code)
    src: str | None = None  # case source filter
    problems: tuple[tuple[str, str], ...] = field(default=())

    def with_period(self, as_of: date) -> View:
        """Fill a missing period with the 30 days up to the data's as-of day."""
        end = self.end or as_of
        start = self.start or end - timedelta(days=DEFAULT_DAYS - 1)
        return replace(self, start=start, end=end)

    def to_store(self) -> dict[str, object]:
        data = asdict(self)
        data["start"] = self.start.isoformat() if self.start else None
        data["end"] = self.end.isoformat() if self.end else None
        data["problems"] = [list(p) for p in self.problems]
        return data

    @classmethod
    def from_store(cls, data: dict[str, object] | None) -> View:
        if not data:
            return cls()
        return cls(
            area=_str_or_none(data.get("area")),
            start=_date_or_none(data.get("start")),
            end=_date_or_none(data.get("end")),
            metric=_str_or_none(data.get("metric")),
            lang=normalise_lang(_str_or_none(data.get("lang"))),
            cat=_str_or_none(data.get("cat")),
            src=_str_or_none(data.get("src")),
            problems=tuple(tuple(p) for p in data.get("problems") or ()),  # type: ignore[misc]
        )


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _date_or_none(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def parse_query(search: str | None) -> View:
    """Parse a URL query string (with or without the leading ``?``) into a :class:`View`."""
    params = parse_qs((search or "").lstrip("?"), keep_blank_values=False)

    def first(name: str) -> str | None:
        values = params.get(name)
        return values[0].strip() if values else None

    problems: list[tuple[str, str]] = []
    area = first("area")
    if area is not None and not AREA_CODE.match(area):
        problems.append(("area.unknown", area[:60]))
        area = None
    dates: dict[str, date | None] = {}
    for name in ("from", "to"):
        raw = first(name)
        dates[name] = _date_or_none(raw)
        if raw is not None and dates[name] is None:
            problems.append(("url.bad_date", raw[:40]))
    start, end = dates["from"], dates["to"]
    if start and end and start > end:
        start, end = end, start
        problems.append(("url.bad_range", ""))
    metric = first("metric")
    if metric is not None and not METRIC.match(metric):
        metric = None
    cat = first("cat")
    src = first("src")
    return View(area=area, start=start, end=end, metric=metric,
                lang=normalise_lang(first("lang")),
                cat=cat if cat and CATEGORY.match(cat) else None,
                src=src if src in SOURCES else None, problems=tuple(problems))


def to_query(view: View, **changes: object) -> str:
    """The query string (with ``?``) for ``view`` with ``changes`` applied."""
    v = replace(view, **changes) if changes else view  # type: ignore[arg-type]
    params: dict[str, str] = {}
    if v.area:
        params["area"] = v.area
    if v.metric:
        params["metric"] = v.metric
    if v.start:
        params["from"] = v.start.isoformat()
    if v.end:
        params["to"] = v.end.isoformat()
    if v.cat:
        params["cat"] = v.cat
    if v.src:
        params["src"] = v.src
    if v.lang != "zh":
        params["lang"] = v.lang
    return "?" + urlencode(params) if params else ""
