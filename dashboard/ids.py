"""Every component id of the app, in one place (never typed twice)."""

from __future__ import annotations


class Shell:
    ROOT = "shell-root"
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
    PAGE_WANT = "shell-page-want"
    VIEW_URL = "shell-view-url"
    VIEW_ASK = "shell-view-ask"
    PANEL_VIEW = "shell-panel-view"
    #: the navbar's and the breadcrumb's links to views: their metric follows the view in
    #: the browser (``linkMetric`` of assets/clientside.js), so a metric change asks the
    #: server for no navbar
    VIEW_LINK = "shell-view-link"

    @staticmethod
    def view_link(name: str) -> dict[str, str]:
        """Pattern-matching id of one link to a view (``nav/cases``, ``lang``, ``crumb/<code>``)."""
        return {"type": Shell.VIEW_LINK, "index": name}


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
    #: the view as the server's map callback reads it: without a metric the browser switches
    #: to by itself (``mapView`` of assets/clientside.js)
    VIEW = "map-view"
    #: the colourings of those metrics for the view drawn (``metricFromStore``)
    METRICS = "map-metrics"


#: The period presets, in the order of their buttons.
PRESET_NAMES: tuple[str, ...] = ("last7", "last30", "month", "year")


def preset(name: str) -> str:
    """Id of a period preset button: a plain id (the buttons are in the shell from the start,
    so that ``prevent_initial_call`` holds; a pattern-matching input fires whenever matching
    buttons are inserted)."""
    return f"{Shell.PRESET}-{name}"


def all_static_ids() -> set[str]:
    """Every plain string id declared by the classes of this module (read by a test)."""
    out: set[str] = set()
    for cls in [v for v in globals().values() if isinstance(v, type)]:
        out.update(v for k, v in vars(cls).items() if k.isupper() and isinstance(v, str))
    return out | {preset(name) for name in PRESET_NAMES}
# Page id classes are appended below, one per page.


class Audit:
    TABLE = "audit-table"


class Warnings:
    COUNTS = "warnings-counts"
    UNIT_TYPE = "warnings-unit-type"
    TABLE = "warnings-table"
    GRID = "warnings-grid"
    HEADING = "warnings-heading"
    NOTE = "warnings-note"


class Screen:
    STAGE = "screen-stage"
    TITLE = "screen-title"
    AREA = "screen-area"
    CLOCK = "screen-clock"
    CLOCK_TICK = "screen-clock-tick"
    STATUS = "screen-status"
    KPIS = "screen-kpis"
    TREND = "screen-trend"
    MAP = "screen-map"
    TIERS = "screen-tiers"
    REDLIST = "screen-redlist"
    SPREAD = "screen-spread"
    REFRESH = "screen-refresh"
    TOUR = "screen-tour"
    DATA_KEY = "screen-data-key"
    HEALTH = "screen-health"


class Coverage:
    HEADING = "coverage-heading"
    MONTH_NOTE = "coverage-month-note"
    KPIS = "coverage-kpis"
    SPREAD_NOTE = "coverage-spread-note"
    TREND = "coverage-trend"
    LORENZ = "coverage-lorenz"
    BEST = "coverage-best"
    WORST = "coverage-worst"
    TABLE = "coverage-table"
    BRANCH = "coverage-branch"
    DETAIL = "coverage-detail"
    FORMULA = "coverage-formula"
    OVERVIEW = "coverage-overview"
    MORE = "coverage-more"


class Cases:
    HEADING = "cases-heading"
    FILTER_NOTE = "cases-filter-note"
    MAJOR = "cases-major"
    MINOR = "cases-minor"
    SOURCE = "cases-source"
    KPIS = "cases-kpis"
    STAGES = "cases-stages"
    STAGE_BY = "cases-stage-by"
    GROUP_TABLE = "cases-group-table"
    HISTOGRAM = "cases-histogram"
    TREND = "cases-trend"
    GRAIN = "cases-grain"
    CATEGORY = "cases-category"
    CATEGORY_NOTE = "cases-category-note"
    SOURCE_MIX = "cases-source-mix"
    HEATMAP = "cases-heatmap"
    BACKLOG = "cases-backlog"
    RISK_HOURS = "cases-risk-hours"
    RISK = "cases-risk"
    OVERDUE = "cases-overdue"
    OVERDUE_COUNT = "cases-overdue-count"
    OVERDUE_TABLE = "cases-overdue-table"
    RISK_TABLE = "cases-risk-table"
    DOWNLOAD_BUTTON = "cases-download-button"
    DOWNLOAD = "cases-download"
    DEFINITIONS = "cases-definitions"


class Export:
    BAR = "export-bar"
    LINK = "export-link"

    @staticmethod
    def link(target: str) -> dict[str, str]:
        """Pattern-matching id of one download link (``map.png``, ``brief.pptx``, ...)."""
        return {"type": Export.LINK, "index": target}
