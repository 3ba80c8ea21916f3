"""The big screen: a timer re-reads the data version; panels re-query only when it changed.

If the database goes away, the panels keep their last figures and the header says since when
they are stale; the next successful tick recovers by itself. With ``?tour=1`` the screen
cycles through the county and its towns.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dash import Dash, Input, Output, State, html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app

from callbacks.context import query_context, settings
from dashboard import db, ids
from dashboard.auth import current_user
from dashboard.charts import map_frame
from dashboard.formats import fmt_datetime
from dashboard.i18n import t
from dashboard.metrics import map_metric
from dashboard.view import parse_query
from geodata.service import parent_layer
from layouts import map as map_layout
from layouts import screen
from queries.areas import child_codes, fetch_area, fetch_dataset_facts, fetch_roots
from queries.cases import fetch_daily_counts, fetch_kpis, fetch_open_risk
from queries.context import QueryContext

SCREEN_MAP_SIZE = (720, 860)


def screen_areas(qctx: QueryContext) -> list[str]:
    """The root the caller sees, then its children (the tour)."""
    root = str(fetch_roots(qctx).iloc[0]["code"])
    return [root, *child_codes(qctx, root)]


def on_tick(_refresh: int | None, tour_step: int | None, search: str | None,
            key: dict[str, Any] | None, health: dict[str, Any] | None
            ) -> tuple[Any, dict[str, Any]]:
    """Timer -> a new data key when the data version or the toured area changed; health."""
    now = datetime.now().replace(microsecond=0).isoformat()
    view = parse_query(search)
    try:
        qctx = query_context()
        version = qctx.version
        user = current_user()
        if user is not None and user.role == "kiosk":
            area = str(user.area_code)
        else:
            areas = screen_areas(qctx)
            asked = view.area if view.area and fetch_area(qctx, view.area) else None
            area = asked or areas[0]
            if "tour=1" in (search or "") and tour_step:
                area = areas[tour_step % len(areas)]
    except db.DatabaseError:
        since = (health or {}).get("stale_since") or (health or {}).get("ok_at") or now
        return no_update, {"ok": False, "stale_since": since,
                           "ok_at": (health or {}).get("ok_at")}
    new_key = {"version": version, "area": area, "lang": view.lang}
    return (no_update if key == new_key else new_key), {"ok": True, "ok_at": now}


def _panel_context(key: dict[str, Any] | None) -> tuple[QueryContext, str, str]:
    if not key or not key.get("area"):
        raise PreventUpdate
    qctx = query_context()
    if fetch_area(qctx, key["area"]) is None:
        raise PreventUpdate
    return qctx, str(key["area"]), str(key.get("lang") or "zh")


def update_head(key: dict[str, Any] | None) -> tuple[object, str]:
    """Data key -> title (with the demo badge) and the shown area's name."""
    try:
        qctx, area, lang = _panel_context(key)
        county = str(fetch_roots(qctx).iloc[0]["name"])
        demo = fetch_dataset_facts(qctx).get("synthetic") == "1"
        name = str((fetch_area(qctx, area) or {}).get("name", ""))
    except db.DatabaseError as exc:
        raise PreventUpdate from exc
    title: list[object] = [t("screen.title", lang, county=county)]
    if demo:
        title.append(html.Span(t("demo.badge", lang), className="demo"))
    return title, name


def update_status(health: dict[str, Any] | None, key: dict[str, Any] | None) -> object:
    """Health or data key -> "data as of" (live) or since when the figures are stale."""
    lang = (key or {}).get("lang") or "zh"
    if health and not health.get("ok"):
        since = datetime.fromisoformat(health["stale_since"])
        return html.Span(t("screen.stale", lang, since=fmt_datetime(since, lang)),
                         className="stale", **{"data-stale": "1"})
    try:
        as_of = query_context().now
    except db.DatabaseError as exc:
        raise PreventUpdate from exc
    return html.Span([html.Span(t("screen.live", lang) + " · ", className="live"),
                      t("screen.as_of", lang, as_of=fmt_datetime(as_of, lang))],
                     **{"data-stale": "0"})


def update_kpis(key: dict[str, Any] | None) -> list[object]:
    """Data key -> the headline tiles (30 days up to the data's as-of time)."""
    try:
        qctx, area, lang = _panel_context(key)
        end = (qctx.now - timedelta(seconds=1)).date()
        kpis = fetch_kpis(qctx, area, end - timedelta(days=29), end)
        last24 = fetch_kpis(qctx, area, end, end)["cases"]
        at_risk = fetch_open_risk(qctx, area, 24.0)
    except db.DatabaseError as exc:
        raise PreventUpdate from exc
    return screen.kpi_tiles(kpis, last24, at_risk, lang)


def update_trend(key: dict[str, Any] | None) -> object:
    """Data key -> reported and resolved per day over 30 days."""
    try:
        qctx, area, lang = _panel_context(key)
        end = (qctx.now - timedelta(seconds=1)).date()
        daily = fetch_daily_counts(qctx, area, end - timedelta(days=29), end)
    except db.DatabaseError as exc:
        raise PreventUpdate from exc
    return screen.trend_figure(daily, lang)


def update_map(key: dict[str, Any] | None) -> object:
    """Data key -> the area's children coloured by warning tier."""
    try:
        qctx, area, lang = _panel_context(key)
        end = (qctx.now - timedelta(seconds=1)).date()
        frame = map_frame(qctx, current_app.config["COUNTYDASH_RULES"], area,
                          end - timedelta(days=29), end, "warning_tier")
        layer = parent_layer(qctx, area, child_codes(qctx, area))
    except db.DatabaseError as exc:
        raise PreventUpdate from exc
    frame = frame[frame["code"].isin(layer.codes)]
    return map_layout.map_figure(
        layer.geojson, frame, map_metric("warning_tier"), lang, qctx.min_sample,
        layer.outline, layer.labels, layer.bounds, revision=area, style="dark",
        background="rgba(0,0,0,0)", label_colour="#f2f6fb", label_size=20,
        size=SCREEN_MAP_SIZE, show_scale=False)


def update_warnings(key: dict[str, Any] | None) -> tuple[list, list]:
    """Data key -> tier counts and the red list of the shown area."""
    from callbacks.warnings import warnings_in_view

    try:
        qctx, area, lang = _panel_context(key)
        frame = warnings_in_view(qctx, area)
    except db.DatabaseError as exc:
        raise PreventUpdate from exc
    counts = frame["tier"].value_counts().to_dict()
    red = frame[frame["tier"] == "red"].sort_values(["days_held", "code"],
                                                    ascending=[False, True])
    return screen.tier_tiles(counts, lang), screen.red_list(red, lang)


def update_spread(key: dict[str, Any] | None) -> object:
    """Data key -> the Gini of branch coverage month by month."""
    from queries.coverage import fetch_coverage_trend

    try:
        qctx, area, lang = _panel_context(key)
        trend = fetch_coverage_trend(qctx, area, qctx.now.date())
    except db.DatabaseError as exc:
        raise PreventUpdate from exc
    trend = trend[trend["gini"].notna()]
    months = [f"{m:%Y-%m}" for m in trend["month"]]
    return screen.spread_figure(months, trend["gini"].astype(float).tolist(), lang)


def configure_timers(search: str | None) -> tuple[int, int, bool]:
    """URL -> refresh and tour intervals (from settings); the tour runs with ``?tour=1``."""
    s = settings()
    return s.screen_refresh_s * 1000, s.screen_tour_s * 1000, "tour=1" not in (search or "")


CLOCK_JS = """function (n) {
  const d = new Date();
  const p = (x) => String(x).padStart(2, '0');
  return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
}"""


def register(app: Dash) -> None:
    app.callback(
        Output(ids.Screen.DATA_KEY, "data"), Output(ids.Screen.HEALTH, "data"),
        Input(ids.Screen.REFRESH, "n_intervals"), Input(ids.Screen.TOUR, "n_intervals"),
        State(ids.Shell.URL, "search"), State(ids.Screen.DATA_KEY, "data"),
        State(ids.Screen.HEALTH, "data"),
    )(on_tick)
    app.callback(Output(ids.Screen.TITLE, "children"), Output(ids.Screen.AREA, "children"),
                 Input(ids.Screen.DATA_KEY, "data"))(update_head)
    app.callback(Output(ids.Screen.STATUS, "children"), Input(ids.Screen.HEALTH, "data"),
                 State(ids.Screen.DATA_KEY, "data"))(update_status)
    app.callback(Output(ids.Screen.KPIS, "children"), Input(ids.Screen.DATA_KEY, "data"))(
        update_kpis)
    app.callback(Output(ids.Screen.TREND, "figure"), Input(ids.Screen.DATA_KEY, "data"))(
        update_trend)
    app.callback(Output(ids.Screen.MAP, "figure"), Input(ids.Screen.DATA_KEY, "data"))(
        update_map)
    app.callback(Output(ids.Screen.TIERS, "children"), Output(ids.Screen.REDLIST, "children"),
                 Input(ids.Screen.DATA_KEY, "data"))(update_warnings)
    app.callback(Output(ids.Screen.SPREAD, "figure"), Input(ids.Screen.DATA_KEY, "data"))(
        update_spread)
    app.callback(Output(ids.Screen.REFRESH, "interval"), Output(ids.Screen.TOUR, "interval"),
                 Output(ids.Screen.TOUR, "disabled"), Input(ids.Shell.URL, "search"))(
        configure_timers)
    app.clientside_callback(CLOCK_JS, Output(ids.Screen.CLOCK, "children"),
                            Input(ids.Screen.CLOCK_TICK, "n_intervals"))
