"""Export controls and the static (vector) map drawn for exported images and the brief.

The on-screen map is a MapLibre (WebGL) figure; in a headless browser without a GPU it takes
seconds to draw and its labels need glyph files. Exports draw the same areas, colours and
labels as plain SVG shapes instead: fast, crisp in a slide or PDF, and fully offline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from dash import html
from plotly.colors import sample_colorscale

from dashboard import ids
from dashboard.i18n import t
from dashboard.metrics import Metric
from layouts.map import BORDER, LABELS_MAX, NEUTRAL, OUTLINE, _traces, label_texts

#: Charts of the overview that get PNG / SVG links (keys of the server's chart registry).
OVERVIEW_CHARTS: tuple[str, ...] = ("map", "stages", "categories", "coverage")
BRIEF_FORMATS: tuple[str, ...] = ("pptx", "pdf")


def _link(target: str, label: str) -> html.A:
    # href is filled by a callback from the view; a plain link lets the browser download
    # while the page stays live (no Dash request waits for the file)
    return html.A(label, id=ids.Export.link(target), href="", className="export-link",
                  **{"data-export": target}, rel="nofollow")


def chart_links(chart: str, lang: str = "zh") -> html.Span:
    """PNG and SVG download links of one chart, for the head of its panel."""
    return html.Span(className="export-chart chart-links", title=t("export.chart_links", lang),
                     children=[_link(f"{chart}.png", t("export.png", lang)),
                               _link(f"{chart}.svg", t("export.svg", lang))])


def export_bar(lang: str = "zh") -> html.Section:
    """Download links: PNG and SVG per chart, the briefing pack as PPTX and PDF."""
    charts = [html.Span(className="export-chart", children=[
        html.Span(t(f"export.chart.{chart}", lang), className="export-chart-name"),
        _link(f"{chart}.png", t("export.png", lang)),
        _link(f"{chart}.svg", t("export.svg", lang)),
    ]) for chart in OVERVIEW_CHARTS]
    return html.Section(id=ids.Export.BAR, className="panel export-bar", children=[
        html.Div(className="export-row", children=[
            html.Span(t("export.charts", lang), className="export-label"), *charts]),
        html.Div(className="export-row", children=[
            html.Span(t("export.brief", lang), className="export-label"),
            *[_link(f"brief.{fmt}", t(f"export.{fmt}", lang)) for fmt in BRIEF_FORMATS],
            html.Span(t("export.hint", lang), className="export-hint"),
        ]),
    ])


def _rings(geometry: dict) -> list[list[list[float]]]:
    polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
                else geometry["coordinates"])
    return [ring for poly in polygons for ring in poly]


def _path(rings: Sequence[Sequence[Sequence[float]]]) -> tuple[list, list]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in rings:
        xs += [p[0] for p in ring] + [None]
        ys += [p[1] for p in ring] + [None]
    return xs, ys


def static_map_figure(geojson: dict, frame: pd.DataFrame, metric: Metric, lang: str,
                      min_sample: int, outline: Sequence[Sequence[tuple[float, float]]],
                      labels: Sequence[dict], bounds: tuple[float, float, float, float] | None,
                      label_size: int = 15) -> go.Figure:
    """The choropleth of :func:`layouts.map.map_figure` as filled SVG paths.

    Coordinates are lon/lat (EPSG:4326) on a plain cartesian plane with y stretched by
    1 / cos(mean latitude), which matches web mercator closely at county scale.
    """
    tr = _traces(frame, metric, lang, min_sample)
    lo, hi = float(tr["zmin"]), float(tr["zmax"])
    span = (hi - lo) or 1.0
    colour = {code: sample_colorscale(tr["colorscale"], [min(max((z - lo) / span, 0), 1)])[0]
              for code, z in zip(tr["ok_locations"], tr["ok_z"], strict=True)}
    colour.update({code: NEUTRAL for code in tr["weak_locations"]})
    fig = go.Figure()
    for feature in geojson.get("features", []):
        code = feature.get("id")
        if code not in colour:
            continue
        xs, ys = _path(_rings(feature["geometry"]))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself",
                                 fillcolor=colour[code], line={"color": BORDER, "width": 1},
                                 hoverinfo="skip", showlegend=False))
    xs, ys = _path(outline)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": OUTLINE, "width": 2.5},
                             hoverinfo="skip", showlegend=False))
    if len(labels) <= LABELS_MAX:
        fig.add_trace(go.Scatter(
            x=[p["lon"] for p in labels], y=[p["lat"] for p in labels], mode="text",
            text=label_texts(labels, frame, metric, lang), hoverinfo="skip", showlegend=False,
            textfont={"size": label_size, "color": "#1b2430"}))
    # an invisible marker carries the colour bar
    fig.add_trace(go.Scatter(
        x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
        marker={"colorscale": tr["colorscale"], "cmin": lo, "cmax": hi, "color": [lo],
                "showscale": True,
                "colorbar": {"title": {"text": tr["colorbar_title"]}, "thickness": 16,
                             "len": 0.6, "tickvals": tr["tickvals"], "ticktext": tr["ticktext"],
                             "tickfont": {"size": 14}}}))
    lat = (bounds[1] + bounds[3]) / 2 if bounds else 0.0
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, scaleanchor="x",
                     scaleratio=1 / max(math.cos(math.radians(lat)), 0.1))
    fig.update_layout(plot_bgcolor="#ffffff", paper_bgcolor="#ffffff",
                      margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig
