"""Small building blocks shared by pages: KPI cards, panels, notices."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from dash import html
from dash.dash_table.Format import Format, Group, Scheme

from dashboard.formats import fmt_hours, fmt_int, fmt_pct, is_missing
from dashboard.i18n import CATALOGUE, t

#: Graph options shared by every chart: plotly's own download button renders at briefing
#: resolution (1920 px wide); server-side PNG/SVG with footer and audit are in
#: ``dashboard.export``.
GRAPH_CONFIG: dict[str, object] = {
    "displaylogo": False, "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "width": 1920, "height": 1080, "scale": 1},
}

#: Text of secondary rows and notes (small samples), and of figures that need action.
MUTED = "#4a5566"
OVERDUE = "#b42318"


def numeric_column(column: str, name: str, digits: int = 1, pct: bool = False
                   ) -> dict[str, object]:
    """A DataTable column of numbers: sorted as numbers (figures sent as formatted text sort
    as text: "9" after "10"), shown with ``digits`` decimals and thousands separators, as a
    percentage of a 0-1 share with ``pct``, and "—" where the value is None."""
    return {"id": column, "name": name, "type": "numeric", "format": _number_format(digits, pct)}


@lru_cache(maxsize=16)
def _number_format(digits: int, pct: bool) -> dict[str, Any]:
    """The DataTable format of :func:`numeric_column`, built once per shape (Format objects
    cost 30 us each, six a table). As the plain dict DataTable takes: one Format object left
    in a response sends Dash's encoder through plotly's element-by-element cleaning instead
    of orjson alone (8 ms for the overdue list's 200 rows, on every cached showing). Shared:
    read, never changed."""
    fmt = Format(precision=digits, scheme=Scheme.percentage if pct else Scheme.fixed,
                 group=Group.yes, nully="—")
    return fmt.to_plotly_json()  # type: ignore[no-any-return]


#: The name of the charts' house template, plotly's default in this process.
HOUSE_TEMPLATE = "countydash"


def house_template() -> go.layout.Template:
    """The parts of plotly_white that 2-D charts and maps use: white plot, light grid, no
    ticks, the default colourway, hover labels left-aligned.

    A template is validated and deep-copied into every figure: all of plotly_white (3-D,
    polar, ternary, geo, 24 trace types) cost 17 ms a figure and sent 7 KB of JSON with it.
    """
    white = pio.templates["plotly_white"]
    keep = ("autotypenumbers", "colorway", "font", "hovermode", "hoverlabel", "paper_bgcolor",
            "plot_bgcolor", "coloraxis", "colorscale", "xaxis", "yaxis", "shapedefaults",
            "annotationdefaults", "title")
    layout = {k: v for k, v in white.layout.to_plotly_json().items() if k in keep}
    data = {k: v for k, v in white.data.to_plotly_json().items()
            if k in ("bar", "scatter", "heatmap", "scattermap")}
    return go.layout.Template(layout=layout, data=data)


pio.templates[HOUSE_TEMPLATE] = house_template()
pio.templates.default = HOUSE_TEMPLATE

#: How each KPI is shown: its unit key and formatter.
KPI_FORMATS = {
    "cases": ("unit.cases", "int"),
    "open_now": ("unit.cases", "int"),
    "overdue_now": ("unit.cases", "int"),
    "median_hours": ("unit.hours", "hours"),
    "mean_hours": ("unit.hours", "hours"),
    "completion_rate": ("unit.percent", "pct"),
    "within_sla_rate": ("unit.percent", "pct"),
}


def format_kpi(name: str, value: float | int | None, lang: str) -> str:
    """The figure of KPI ``name`` as shown on its card (without the unit)."""
    kind = KPI_FORMATS[name][1]
    if kind == "int":
        return fmt_int(value, lang)
    if kind == "pct":
        return fmt_pct(value)  # type: ignore[arg-type]
    return fmt_hours(value)  # type: ignore[arg-type]


def kpi_card(name: str, value: float | int | None, lang: str, *, tone: str = "") -> html.Div:
    """One KPI: label, big figure, unit; ``data-kpi`` / ``data-value`` carry the raw number."""
    unit_key = KPI_FORMATS[name][0]
    raw = "" if is_missing(value) else repr(float(value))  # type: ignore[arg-type]
    return html.Div(
        className=f"kpi-card {tone}".strip(),
        title=t(f"kpi.help.{name}", lang) if f"kpi.help.{name}" in CATALOGUE else None,
        children=[
            html.Div(t(f"kpi.{name}", lang), className="kpi-label"),
            html.Div(
                className="kpi-figure",
                children=[
                    html.Span(format_kpi(name, value, lang), className="kpi-value",
                              **{"data-kpi": name, "data-value": raw}),
                    html.Span(t(unit_key, lang), className="kpi-unit"),
                ],
            ),
        ],
    )


def unchecked_figure(spec: dict[str, Any]) -> go.Figure:
    """A figure from a complete ``{"data": [...], "layout": {...}}`` dict, without plotly's
    property-by-property validation (20-40 ms for a small chart, on every cold callback).

    For builders written as plain dicts; each one's dict is validated strictly by the unit
    tests (``tests/unit/test_figures.py``), so a misspelt property still fails - in CI, not
    in front of a user.
    """
    return go.Figure(spec, _validate=False)


def panel(title: str, body: object, *, class_name: str = "") -> html.Section:
    """A titled card on a page."""
    return html.Section(
        className=f"panel {class_name}".strip(),
        children=[html.H2(title, className="panel-title"), html.Div(body, className="panel-body")],
    )


def notice(text: str, kind: str = "warning") -> html.Div:
    return html.Div(text, className=f"alert alert-{kind} py-2 mb-2", role="status")

