"""The grid map: a choropleth of the current area's children on a blank, offline background.

No tiles by default (a blank style whose label glyphs the app serves itself, see
``dashboard.glyphs``): the parent's outline and the children's names make the
background deliberate. When only the metric changes, :func:`as_patch` updates colours and
hover text without resending geometry.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from dash import Patch, dcc, html

from dashboard import ids
from dashboard.formats import fmt_hours, fmt_pct
from dashboard.glyphs import style_url
from dashboard.i18n import t
from dashboard.metrics import MAP_METRICS, Metric
from layouts.components import GRAPH_CONFIG

NEUTRAL = "#c9cfd8"  # insufficient data: neither good nor bad
BORDER = "#ffffff"
OUTLINE = "#0b2545"
SELECTED = "#1f5fa8"
#: Sequential scale from calm to severe (worse = darker red); colour-blind safe ordering.
WORSE_SCALE = [[0.0, "#fdf3e1"], [0.35, "#f6c177"], [0.7, "#e0724a"], [1.0, "#9e1f1f"]]
MAP_HEIGHT = 560


def map_panel(lang: str = "zh") -> html.Section:
    """Map card: metric selector, the graph, a hint and the grid card slot."""
    return html.Section(
        className="panel map-panel",
        children=[
            dcc.Store(id=ids.Map.KEY),
            dcc.Store(id=ids.Map.VIEW),
            dcc.Store(id=ids.Map.METRICS),
            html.Div(className="map-head", children=[
                html.H2(t("map.title", lang), className="panel-title"),
                html.Label(t("map.metric", lang), htmlFor=ids.Map.METRIC,
                           className="map-metric-label"),
                dcc.Dropdown(
                    id=ids.Map.METRIC,
                    options=[{"label": t(f"map.metric.{m}", lang), "value": m}
                             for m in MAP_METRICS],
                    clearable=False, searchable=False, className="map-metric",
                ),
            ]),
            dcc.Graph(
                id=ids.Map.GRAPH,
                className="map-graph",
                config={**GRAPH_CONFIG, "scrollZoom": True, "responsive": False},
                style={"height": f"{MAP_HEIGHT}px"},
            ),
            html.Div(id=ids.Map.HINT, className="map-hint"),
            html.Div(id=ids.Map.CARD, className="grid-card-slot"),
        ],
    )


#: The most areas whose names the map prints (a county's 5,000 grids carry none).
LABELS_MAX = 60


def format_value(metric: Metric, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if metric.fmt == "pct":
        return fmt_pct(value) + "%"
    if metric.fmt == "hours":
        return fmt_hours(value)
    if metric.fmt == "ratio":
        return f"{value:.1f}"
    return f"{int(round(value)):,}"


#: The children's figures as the map reads them: a frame, or its columns as arrays
#: (:func:`dashboard.charts.figure_columns`: the map's callback colours six metrics from one
#: set of columns, where each frame column read cost a few microseconds more).
Columns = pd.DataFrame | Mapping[str, Any]


def judged_mask(frame: Columns, metric: Metric, min_sample: int) -> np.ndarray:
    """True for the areas with a judgeable value; False for those with too few cases (or no
    value) to judge. A numpy mask: the map's few dozen rows, split by boolean frame indexing,
    cost 0.3-0.5 ms a showing."""
    values = np.asarray(frame[metric.name], dtype=float)
    ok = ~np.isnan(values)
    if metric.needs_sample:
        ok &= np.asarray(frame["cases"]) >= min_sample
    return ok


def split_values(frame: pd.DataFrame, metric: Metric, min_sample: int
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Areas with a judgeable value, and areas with too few cases (or no value) to judge."""
    ok = judged_mask(frame, metric, min_sample)
    return frame[ok], frame[~ok]


TIER_NAMES = ("red", "yellow", "blue", "none")
DARK_NONE = "#2c4466"  # "no warning" on the dark big screen: calm, not a data colour
TIER_SCALE = [[0.0, "#c62828"], [1 / 6, "#c62828"], [1 / 6, "#f4c430"], [0.5, "#f4c430"],
              [0.5, "#2f6fbf"], [5 / 6, "#2f6fbf"], [5 / 6, "#e4e9f0"], [1.0, "#e4e9f0"]]


def _tier_traces(frame: Columns, metric: Metric, lang: str, none_colour: str) -> dict:
    """Categorical colouring: 0 red, 1 yellow, 2 blue, 3 no warning; NaN = not judged."""
    values = np.asarray(frame[metric.name], dtype=float)
    mask = ~np.isnan(values)
    codes, names = frame["code"].tolist(), frame["name"].tolist()
    ok = [i for i, judged in enumerate(mask.tolist()) if judged]
    weak = [i for i, judged in enumerate(mask.tolist()) if not judged]
    z = values[mask]
    words = [t(f"tier.{TIER_NAMES[int(v)]}.long", lang) if v < 3 else t("tier.none", lang)
             for v in z]
    return {
        "ok_locations": [codes[i] for i in ok], "ok_z": z.tolist(),
        "ok_text": [t("map.hover", lang, name=names[i], label=t("map.metric.warning_tier", lang),
                      value=w, unit="") for i, w in zip(ok, words, strict=True)],
        "weak_locations": [codes[i] for i in weak],
        "weak_text": [t("map.hover_weak", lang, name=names[i], note=t("map.not_judged", lang))
                      for i in weak],
        "colorscale": [*TIER_SCALE[:-2], [5 / 6, none_colour], [1.0, none_colour]],
        "zmin": 0.0, "zmax": 3.0, "colorbar_title": "",
        "tickvals": [0, 1, 2, 3],
        "ticktext": [t(f"tier.{name}", lang) for name in TIER_NAMES],
    }


def label_texts(labels: Sequence[dict], frame: Columns, metric: Metric, lang: str
                ) -> list[str]:
    """Area names on the map; with the tier metric the tier word goes with the name, so the
    tier is never told by colour alone."""
    tiers = (dict(zip(frame["code"], frame[metric.name], strict=True))
             if metric.fmt == "tier" else {})
    out = []
    for p in labels:
        rank = tiers.get(p["code"])
        if rank is None or pd.isna(rank) or int(rank) >= 3:
            out.append(str(p["name"]))
        else:
            out.append(t("map.label_tier", lang, name=p["name"],
                         tier=t(f"tier.{TIER_NAMES[int(rank)]}", lang)))
    return out


def _text_width(text: str, font_px: float) -> float:
    """Rough rendered width: CJK characters are a full em wide, others about 0.6 em."""
    return sum(font_px if ord(ch) > 0x2E7F else 0.6 * font_px for ch in text)


def uncluttered_texts(labels: Sequence[dict], texts: Sequence[str],
                      bounds: tuple[float, float, float, float] | None,
                      size: tuple[int, int], font_px: float) -> list[str]:
    """``texts`` with the labels :func:`declutter` drops left empty (their area keeps its
    name in the hover text)."""
    shown = declutter(labels, bounds, size, font_px, texts)
    return [text if ok else "" for text, ok in zip(texts, shown, strict=True)]


def declutter(labels: Sequence[dict], bounds: tuple[float, float, float, float] | None,
              size: tuple[int, int], font_px: float, texts: Sequence[str] | None = None
              ) -> list[bool]:
    """Which labels to draw so that none overlaps another at the map's fitted zoom.

    Greedy, largest area first (``area`` of :func:`geodata.layers.label_points`), on the
    labels' boxes in web-mercator pixels: the small central districts of a county no longer
    print their names over each other.
    """
    if not labels:
        return []
    center, zoom = fit_view(bounds, *size)
    world = 512 * 2 ** zoom
    boxes = []
    for i, p in enumerate(labels):
        lat = max(min(float(p["lat"]), 85.0), -85.0)
        x = (float(p["lon"]) + 180) / 360 * world
        y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat)))
             / math.pi) / 2 * world
        text = texts[i] if texts is not None else str(p["name"])
        half_w, half_h = _text_width(text, font_px) / 2 + 2, font_px * 0.6 + 1
        boxes.append((x - half_w, y - half_h, x + half_w, y + half_h))
    order = sorted(range(len(labels)), key=lambda i: -float(labels[i].get("area", 0.0)))
    placed: list[tuple[float, float, float, float]] = []
    shown = [False] * len(labels)
    for i in order:
        x0, y0, x1, y1 = boxes[i]
        if all(x1 <= a0 or x0 >= a1 or y1 <= b0 or y0 >= b1 for a0, b0, a1, b1 in placed):
            placed.append(boxes[i])
            shown[i] = True
    return shown


def _traces(frame: Columns, metric: Metric, lang: str, min_sample: int,
            none_colour: str = TIER_SCALE[-1][1]) -> dict:
    if metric.fmt == "tier":
        return _tier_traces(frame, metric, lang, none_colour)
    mask = judged_mask(frame, metric, min_sample)
    values = np.asarray(frame[metric.name], dtype=float)
    codes, names = frame["code"].tolist(), frame["name"].tolist()
    ok = [i for i, judged in enumerate(mask.tolist()) if judged]
    weak = [i for i, judged in enumerate(mask.tolist()) if not judged]
    unit = t(metric.unit_key, lang)
    label = t(f"map.metric.{metric.name}", lang)
    scale = WORSE_SCALE if metric.higher_is_worse else [[1 - p, c] for p, c in WORSE_SCALE][::-1]
    z = values[mask]
    zmax = float(np.nanmax(z)) if len(z) else 1.0
    zmin = 0.0 if metric.fmt in ("int", "ratio") else (float(np.nanmin(z)) if len(z) else 0.0)
    if metric.fmt == "pct" and len(z):
        zmin, zmax = min(zmin, 0.8), 1.0
    if zmax <= zmin:
        zmax = zmin + 1.0
    insufficient = t("map.insufficient", lang, n=min_sample)
    return {
        "ok_locations": [codes[i] for i in ok],
        "ok_z": z.tolist(),
        "ok_text": [t("map.hover", lang, name=names[i], label=label,
                      value=format_value(metric, v), unit=unit)
                    for i, v in zip(ok, z.tolist(), strict=True)],
        "weak_locations": [codes[i] for i in weak],
        "weak_text": [t("map.hover_weak", lang, name=names[i], note=insufficient)
                      for i in weak],
        "colorscale": scale,
        "zmin": zmin,
        "zmax": zmax,
        "colorbar_title": unit,
        "tickvals": None,
        "ticktext": None,
    }


def fit_view(bounds: tuple[float, float, float, float] | None, width_px: int = 600,
             height_px: int = MAP_HEIGHT) -> tuple[dict[str, float], float]:
    """Centre and web-mercator zoom that fit ``bounds`` (lon/lat) into the map.

    MapLibre's world is 512 px wide at zoom 0.
    """
    if bounds is None:
        return {"lon": 0.0, "lat": 0.0}, 1.0
    x0, y0, x1, y1 = bounds
    lat = (y0 + y1) / 2
    lon_span = max(x1 - x0, 1e-4)
    lat_span = max(y1 - y0, 1e-4) / max(math.cos(math.radians(lat)), 0.1)
    zoom = min(math.log2(width_px * 360 / (512 * lon_span)),
               math.log2(height_px * 360 / (512 * lat_span)))
    return {"lon": (x0 + x1) / 2, "lat": lat}, round(zoom - 0.1, 2)


def map_figure(geojson: dict, frame: pd.DataFrame, metric: Metric, lang: str,
               min_sample: int, outline: Sequence[Sequence[tuple[float, float]]],
               labels: Sequence[dict], bounds: tuple[float, float, float, float] | None,
               revision: str, selected: str | None = None, style: str = "light",
               background: str = "#f7f9fc", label_colour: str = "#1b2430",
               label_size: int = 13, size: tuple[int, int] = (600, MAP_HEIGHT),
               show_scale: bool = True, changes: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    """The choropleth of the children in ``frame`` (columns code, name, cases, metric).

    Trace 0 holds judgeable areas coloured by the metric, trace 1 the areas with too little
    data in a neutral grey, trace 2 the parent's outline, trace 3 the labels, trace 4 the
    selected area's outline. What depends on the metric is :func:`metric_changes` - the same
    paths and values the server's Patch and the browser's metric switch write - made here,
    or given (``changes``: the map's callback has made every browser metric's colouring
    already, the shown one's among them).

    A plain ``{"data", "layout"}`` dict, which ``dcc.Graph`` takes as it is: plotly's
    validation and its deep copy on serialising walked the GeoJSON of every feature twice
    (20 ms of a county drill-down; 1 ms now). ``tests/unit/test_figures.py`` validates it.
    """
    ch = changes if changes is not None else metric_changes(
        frame, metric, lang, min_sample, labels, bounds, size, label_size,
        none_colour=DARK_NONE if style == "dark" else TIER_SCALE[-1][1])
    center, zoom = fit_view(bounds, *size)
    edge = {"line": {"color": BORDER, "width": 1.2}}
    ticks = ch["data.0.colorbar.tickvals"]
    coloured = {
        "type": "choroplethmap", "geojson": geojson, "featureidkey": "id",
        "locations": ch["data.0.locations"], "z": ch["data.0.z"], "text": ch["data.0.text"],
        "hovertemplate": "%{text}<extra></extra>", "colorscale": ch["data.0.colorscale"],
        "zmin": ch["data.0.zmin"], "zmax": ch["data.0.zmax"],
        "marker": {**edge, "opacity": 0.92},
        "colorbar": {"title": {"text": ch["data.0.colorbar.title.text"]}, "thickness": 14,
                     "len": 0.6, "x": 0.99, "xanchor": "right",
                     "bgcolor": "rgba(255,255,255,0.8)", "tickfont": {"size": 14},
                     **({"tickvals": ticks, "ticktext": ch["data.0.colorbar.ticktext"]}
                        if ticks is not None else {})},
        "name": "", "showlegend": False, "showscale": show_scale,
    }
    weak = {
        "type": "choroplethmap", "geojson": geojson, "featureidkey": "id",
        "locations": ch["data.1.locations"], "z": ch["data.1.z"],
        "text": ch["data.1.text"], "hovertemplate": "%{text}<extra></extra>",
        "colorscale": [[0, NEUTRAL], [1, NEUTRAL]], "showscale": False,
        "marker": {**edge, "opacity": 0.9}, "name": "", "showlegend": False,
    }
    lons: list[float | None] = []
    lats: list[float | None] = []
    for ring in outline:
        lons += [p[0] for p in ring] + [None]
        lats += [p[1] for p in ring] + [None]
    show_labels = "data.3.text" in ch  # at most LABELS_MAX labels (metric_changes)
    sel_lon, sel_lat = feature_outline(geojson, selected)
    lines = {"type": "scattermap", "mode": "lines", "hoverinfo": "skip", "showlegend": False}
    data = [
        coloured, weak,
        {**lines, "lon": lons, "lat": lats, "line": {"color": OUTLINE, "width": 2.5}},
        {"type": "scattermap", "mode": "text", "hoverinfo": "skip", "showlegend": False,
         "lon": [p["lon"] for p in labels] if show_labels else [],
         "lat": [p["lat"] for p in labels] if show_labels else [],
         "text": ch["data.3.text"] if show_labels else [],
         "textfont": {"size": label_size, "color": label_colour}},
        {**lines, "lon": sel_lon, "lat": sel_lat, "line": {"color": SELECTED, "width": 4}},
    ]
    layout = {
        "map": {"style": style_url(style), "center": center, "zoom": zoom},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "paper_bgcolor": background,
        "uirevision": revision,
        "clickmode": "event",
        "hoverlabel": {"font": {"size": 15}},
        "font": {"family": "Noto Sans CJK SC, Microsoft YaHei, sans-serif"},
    }
    return {"data": data, "layout": layout}


def feature_outline(geojson: dict, code: str | None
                    ) -> tuple[list[float | None], list[float | None]]:
    """Exterior rings of feature ``code`` as line coordinates (None-separated)."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    if code is None:
        return lons, lats
    for feature in geojson.get("features", []):
        if feature.get("id") != code:
            continue
        geom = feature["geometry"]
        polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        for poly in polygons:
            lons += [p[0] for p in poly[0]] + [None]
            lats += [p[1] for p in poly[0]] + [None]
    return lons, lats


#: The map metrics the browser switches between by itself (assets/clientside.js
#: ``metricFromStore``): their colourings come with the map, computed from the same child
#: figures. The warning tier (an evaluation of every rule over the county) and the coverage
#: index (statements of their own) are drawn by the server when asked for.
BROWSER_METRICS: tuple[str, ...] = tuple(
    name for name in MAP_METRICS if name not in ("warning_tier", "coverage_index"))


def metric_changes(frame: Columns, metric: Metric, lang: str, min_sample: int,
                   labels: Sequence[dict],
                   bounds: tuple[float, float, float, float] | None = None,
                   size: tuple[int, int] = (600, MAP_HEIGHT), label_size: int = 13,
                   placed: Sequence[str] | None = None,
                   none_colour: str = TIER_SCALE[-1][1]) -> dict[str, Any]:
    """Only what changes with the metric (locations, values, hover text, colours, labels),
    as property paths of the figure (``data.0.z``) and their values: the server's
    :func:`as_patch`, and the colourings the browser keeps for a metric change of its own
    (``applyChanges`` of assets/clientside.js walks the same paths). ``placed``: the labels'
    texts when the caller has them already (:func:`placed_labels`: the same for every metric
    but the tier); ``none_colour``: the tier's "no warning" (the big screen's is dark)."""
    tr = _traces(frame, metric, lang, min_sample, none_colour)
    changes: dict[str, Any] = {
        "data.0.locations": tr["ok_locations"],
        "data.0.z": tr["ok_z"],
        "data.0.text": tr["ok_text"],
        "data.0.colorscale": tr["colorscale"],
        "data.0.zmin": tr["zmin"],
        "data.0.zmax": tr["zmax"],
        "data.0.colorbar.title.text": tr["colorbar_title"],
        "data.0.colorbar.tickvals": tr["tickvals"],
        "data.0.colorbar.ticktext": tr["ticktext"],
        "data.1.locations": tr["weak_locations"],
        "data.1.z": [0] * len(tr["weak_locations"]),
        "data.1.text": tr["weak_text"],
    }
    if len(labels) <= LABELS_MAX:
        changes["data.3.text"] = list(placed) if placed is not None else placed_labels(
            labels, frame, metric, lang, bounds, size, label_size)
    return changes


def placed_labels(labels: Sequence[dict], frame: Columns, metric: Metric, lang: str,
                  bounds: tuple[float, float, float, float] | None = None,
                  size: tuple[int, int] = (600, MAP_HEIGHT), label_size: int = 13
                  ) -> list[str]:
    """The labels' texts as the map draws them for ``metric``: :func:`label_texts` with the
    ones :func:`declutter` drops left empty."""
    return uncluttered_texts(labels, label_texts(labels, frame, metric, lang), bounds, size,
                             label_size)


def as_patch(changes: dict[str, Any]) -> Patch:
    """:func:`metric_changes` as a Dash ``Patch`` of the figure (no geometry resent)."""
    patch = Patch()
    for path, value in changes.items():
        *head, last = path.split(".")
        target = patch
        for part in head:
            target = target[int(part) if part.isdigit() else part]
        target[last] = value
    return patch


def apply_changes(figure: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``figure`` with :func:`metric_changes` applied, copied along the changed paths only
    (the geometry stays shared): what ``applyChanges`` of assets/clientside.js does in the
    browser."""
    out: dict[str, Any] = dict(figure)
    for path, value in changes.items():
        *head, last = path.split(".")
        node: Any = out
        for part in head:
            key: Any = int(part) if isinstance(node, list) else part
            child = node[key] if isinstance(node, list) else node.get(key)
            copy = list(child) if isinstance(child, list) else dict(child or {})
            node[key] = copy
            node = copy
        node[int(last) if isinstance(node, list) else last] = value
    return out


def grid_card(info: dict[str, object], latest: pd.DataFrame, lang: str) -> html.Div:
    """The card of one grid: worker (masked), households, party group, latest cases."""
    def row(key: str, value: object) -> html.Div:
        shown = t("grid.none", lang) if value in (None, "") else value
        return html.Div([html.Span(t(key, lang), className="card-key"),
                         html.Span(str(shown), className="card-val")], className="card-row")

    cases = html.Ul([
        html.Li(f"{r['reported_at']:%Y-%m-%d %H:%M} · {r['category']} · "
                f"{t('status.' + str(r['status']), lang)}")
        for r in latest.to_dict("records")
    ] or [html.Li(t("grid.none", lang))], className="card-cases")
    return html.Div(className="grid-card", **{"data-grid": str(info.get("code", ""))},
                    children=[
        html.H3(f"{t('grid.card', lang)} · {info.get('name', '')}", className="card-title"),
        row("grid.worker", t("grid.worker_value", lang, name=info["worker"],
                             phone=info.get("worker_phone") or "")
            if info.get("worker") else None),
        row("grid.households", info.get("households")),
        row("grid.population", info.get("population")),
        row("grid.party_group", info.get("party_group")),
        html.Div(t("grid.latest", lang), className="card-sub"),
        cases,
    ])
