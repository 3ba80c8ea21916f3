"""Every component id of the app, in one place (never typed twice)."""

from __future__ import annotations


class Shell:
    URL = "shell-url"
    VIEW = "shell-view"
    NAVBAR = "shell-navbar"
    CONTEXT = "shell-context"
    PAGE = "shell-page"
    FOOTER = "shell-footer"
    ALERT = "shell-alert"
    BREADCRUMB = "shell-breadcrumb"
    PERIOD = "shell-period"
    PRESET = "shell-period-preset"
    PRESETS = "shell-period-presets"
    PAGE_KEY = "shell-page-key"


class Overview:
    KPIS = "overview-kpis"
    HEADING = "overview-heading"
    CHILDREN = "overview-children"


class Map:
    GRAPH = "map-graph"
    METRIC = "map-metric"
    HINT = "map-hint"
    CARD = "map-card"
    KEY = "map-key"


def preset(name: str) -> dict[str, str]:
    """Pattern-matching id of a period preset button."""
    return {"type": Shell.PRESET, "index": name}


def all_static_ids() -> set[str]:
    """Every plain string id declared by the classes of this module (read by a test)."""
    out: set[str] = set()
    for cls in [v for v in globals().values() if isinstance(v, type)]:
        out.update(v for k, v in vars(cls).items() if k.isupper() and isinstance(v, str))
    return out
# Page id classes are appended below, one per page.


class Audit:
    TABLE = "audit-table"


class Warnings:
    COUNTS = "warnings-counts"
    UNIT_TYPE = "warnings-unit-type"
    TABLE = "warnings-table"
    HEADING = "warnings-heading"
    NOTE = "warnings-note"
