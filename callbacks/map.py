"""The grid map: view -> figure (or a colour-only Patch), clicks -> drill-down or grid card
(the click itself is handled in the browser: ``assets/clientside.js``)."""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State, no_update
from flask import current_app

from callbacks.context import audit_pii_view, cached_output, checked_view, query_context
from dashboard import ids
from dashboard.charts import figure_columns, map_frame
from dashboard.i18n import t
from dashboard.metrics import map_metric
from geodata.service import parent_layer
from layouts import map as map_layout
from queries.areas import child_codes, fetch_area
from queries.cases import child_columns, fetch_children_rows
from queries.grids import fetch_grid_card


def map_target(qctx: Any, code: str) -> tuple[str, str | None]:
    """Which area's children the map draws, and which of them is selected.

    An area with children shows them; an area at the bottom of the tree (a grid, or a village
    where the county has no grids) shows its siblings with itself selected.
    """
    if child_codes(qctx, code):
        return code, None
    area = fetch_area(qctx, code) or {}
    parent = area.get("parent_code")
    if isinstance(parent, str) and fetch_area(qctx, parent) is not None:
        return parent, code
    return code, None


def update_map(_map_view: dict[str, Any] | None, data: dict[str, Any],
               key: dict[str, Any] | None) -> tuple[Any, Any, str, Any, Any]:
    """The map's view (``mapView`` of assets/clientside.js: the view without a metric the
    browser switches to by itself) -> the map, the selected area's card and the colourings
    of those metrics; the whole view (``data``) says which metric to draw. A card with
    personal fields unmasked is audited on every showing (the figures themselves come from
    the output cache)."""
    out = map_outputs(data, key)
    selected = (out[1] or {}).get("selected")
    if selected and out[3] is not None:
        qctx = query_context()
        if qctx.scope.pii:
            audit_pii_view(qctx, "grid_card", selected)
    return out


@cached_output
def map_outputs(data: dict[str, Any], key: dict[str, Any] | None
                ) -> tuple[Any, Any, str, Any, Any]:
    """View -> the map, the selected area's card and the colourings of the metrics the
    browser switches between (:data:`layouts.map.BROWSER_METRICS`, from the same child
    figures: a metric change among them sends no request). Same drawn area, selection and
    language (only a server-drawn metric or the period changed): a Patch of colours and
    hover text, no geometry."""
    qctx = query_context()
    view = checked_view(data, qctx)
    metric = map_metric(view.metric)
    parent, selected = map_target(qctx, view.area)
    assert view.start and view.end
    codes = child_codes(qctx, parent)
    layer = parent_layer(qctx, parent, codes)
    new_key = {"parent": parent, "selected": selected, "lang": view.lang}
    # the children drawn (a child without geometry is in no trace, nor in the colour scale)
    rows = fetch_children_rows(qctx, parent, view.start, view.end)
    columns = figure_columns(child_columns(rows, keep=frozenset(layer.codes)))
    colourings = browser_colourings(view, columns, layer, qctx.min_sample)
    # a browser metric's colouring is made already; the warning tier and coverage not
    changes = colourings["metrics"].get(metric.name)
    if changes is None:
        frame = map_frame(qctx, current_app.config["COUNTYDASH_RULES"], parent, view.start,
                          view.end, metric.name)
        changes = map_layout.metric_changes(frame[frame["code"].isin(layer.codes)], metric,
                                            view.lang, qctx.min_sample, layer.labels,
                                            layer.bounds)
    if key and {k: key.get(k) for k in new_key} == new_key:
        return (map_layout.as_patch(changes), {**new_key, "metric": metric.name}, no_update,
                no_update, colourings)
    fig = map_layout.map_figure(
        layer.geojson, columns, metric, view.lang, qctx.min_sample, layer.outline,
        layer.labels, layer.bounds, revision=parent, selected=selected, changes=changes,
    )
    card = None
    if selected:
        info, latest = fetch_grid_card(qctx, selected)
        card = map_layout.grid_card(info, latest, view.lang) if info else None
    if not layer.codes:
        hint = t("map.no_geometry", view.lang)
    elif selected or frame_is_bottom(qctx, codes):
        hint = t("map.hint_grid", view.lang)
    else:
        hint = t("map.hint", view.lang)
    return fig, {**new_key, "metric": metric.name}, hint, card, colourings


def browser_colourings(view: Any, columns: dict[str, Any], layer: Any, min_sample: int
                       ) -> dict[str, Any]:
    """What ``metricFromStore`` of assets/clientside.js needs to switch the map to any of
    :data:`layouts.map.BROWSER_METRICS` without a request: for the view they were made for
    (area, period, language), each metric's :func:`layouts.map.metric_changes`, from the
    map's own child figures (``columns``: the drawn children's, derived metrics included:
    :func:`dashboard.charts.figure_columns`)."""
    assert view.start and view.end
    # the labels are the areas' names for each of these metrics (the tier's carry its word):
    # placed once, not once per metric (declutter is half of a metric's colouring)
    placed = map_layout.placed_labels(layer.labels, columns, map_metric("cases"), view.lang,
                                      layer.bounds)
    changes = {name: map_layout.metric_changes(columns, map_metric(name), view.lang,
                                               min_sample, layer.labels, layer.bounds,
                                               placed=placed)
               for name in map_layout.BROWSER_METRICS}
    return {"for": {"area": view.area, "start": view.start.isoformat(),
                    "end": view.end.isoformat(), "lang": view.lang},
            "metrics": changes}


def frame_is_bottom(qctx: Any, codes: tuple[str, ...]) -> bool:
    """True when the drawn areas have no children themselves (the bottom of the tree)."""
    return bool(codes) and not child_codes(qctx, codes[0])


def register(app: Dash) -> None:
    # the view without a metric the browser switches to by itself: a change among those
    # sends no request (metricFromStore below); the server draws the rest
    app.clientside_callback(
        ClientsideFunction(namespace="countydash", function_name="map_view"),
        Output(ids.Map.VIEW, "data"), Input(ids.Shell.VIEW, "data"),
        State(ids.Map.VIEW, "data"),
    )
    app.callback(
        Output(ids.Map.GRAPH, "figure"), Output(ids.Map.KEY, "data"),
        Output(ids.Map.HINT, "children"), Output(ids.Map.CARD, "children"),
        Output(ids.Map.METRICS, "data"),
        Input(ids.Map.VIEW, "data"), State(ids.Shell.VIEW, "data"), State(ids.Map.KEY, "data"),
        # the map's view is always set from the view: no call before it
        prevent_initial_call=True,
    )(update_map)
    # a new metric, or new colourings: a map drawn for the metric the view had when it was
    # asked for, while the user picked another meanwhile, takes the one picked (Dash 4 also
    # holds a callback back while another writes its outputs; this does not rely on it)
    app.clientside_callback(
        ClientsideFunction(namespace="countydash", function_name="metric_from_store"),
        Output(ids.Map.GRAPH, "figure", allow_duplicate=True),
        Output(ids.Map.KEY, "data", allow_duplicate=True),
        Input(ids.Shell.VIEW, "data"), Input(ids.Map.METRICS, "data"),
        State(ids.Map.GRAPH, "figure"), State(ids.Map.KEY, "data"),
        prevent_initial_call=True,
    )
    # in the browser (assets/clientside.js): the picker shows the view's metric, and a new
    # metric only rewrites the URL (no request of their own; a metric change is one round
    # shorter)
    app.clientside_callback(
        ClientsideFunction(namespace="countydash", function_name="metric_value"),
        Output(ids.Map.METRIC, "value"), Input(ids.Shell.VIEW, "data"),
        State(ids.Map.METRIC, "value"), State(ids.Map.METRIC, "options"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="countydash", function_name="metric_to_url"),
        Output(ids.Shell.URL, "search", allow_duplicate=True),
        Input(ids.Map.METRIC, "value"), State(ids.Shell.URL, "search"),
        State(ids.Shell.VIEW, "data"), State(ids.Map.METRIC, "options"),
        prevent_initial_call=True,
    )
    # a click on an area only rewrites the URL, in the browser (assets/clientside.js), and
    # the browser makes the new URL into the view (viewFromUrl): a drill-down's first
    # requests are the panels'
    app.clientside_callback(
        ClientsideFunction(namespace="countydash", function_name="drill_to"),
        Output(ids.Shell.URL, "search", allow_duplicate=True),
        Input(ids.Map.GRAPH, "clickData"), State(ids.Shell.URL, "search"),
        prevent_initial_call=True,
    )
