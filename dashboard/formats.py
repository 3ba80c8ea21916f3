"""Numbers and dates the way the readers expect them (Chinese conventions first)."""

from __future__ import annotations

import math
from datetime import date, datetime


def is_missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value: float | int | None, lang: str = "zh") -> str:
    """Whole numbers; 万 for large figures in Chinese (12.3万), thousands separators in English."""
    if is_missing(value):
        return "—"
    n = int(round(float(value)))  # type: ignore[arg-type]
    if lang == "zh" and abs(n) >= 100_000:
        return f"{n / 10_000:.1f}万"
    return f"{n:,}"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A 0-1 share as a percentage."""
    return "—" if is_missing(value) else f"{float(value) * 100:.{digits}f}"  # type: ignore[arg-type]


def fmt_hours(value: float | None) -> str:
    return "—" if is_missing(value) else f"{float(value):.1f}"  # type: ignore[arg-type]


def fmt_date(value: date | datetime, lang: str = "zh") -> str:
    """YYYY年M月D日 in Chinese, ISO in English."""
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.strftime("%Y-%m-%d")


def fmt_datetime(value: datetime, lang: str = "zh") -> str:
    return f"{fmt_date(value, lang)} {value:%H:%M}"


def fmt_period(start: date, end: date, lang: str = "zh") -> str:
    """An inclusive day range: 2026年10月24日—2026年11月22日 (ISO dates in English)."""
    sep = "—" if lang == "zh" else " to "
    return f"{fmt_date(start, lang)}{sep}{fmt_date(end, lang)}"
