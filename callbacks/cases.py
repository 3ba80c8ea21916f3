"""The case-resolution page: view + filters (URL) -> KPIs, figures and lists; controls -> URL.

The page's own URL parameters (``cat``: a category code, major or minor; ``src``: a case
source) are parsed here from the raw query string, next to the shell's view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode

import pandas as pd
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app

from callbacks.context import (
    audit_pii_view,
    cached_output,
    changed,
    checked_view,
    query_context,
    settings,
)
from dashboard import charts, ids
from dashboard.auth import current_user
from dashboard.charts import ChartRequest, category_names, category_view, parent_of
from dashboard.i18n import t
from dashboard.schema import SOURCES
from dashboard.view import View
from layouts import cases as layout
from queries import case_analytics as ca
from queries.areas import fetch_area
from queries.context import QueryContext

CATEGORY_CODE = re.compile(r"^[0-9A-Za-z_.\-]{1,20}$")
FILTER_PARAMS = ("cat", "src")


@dataclass(frozen=True)
class CaseFilters:
    """The page's filters as the URL gives them (syntax checked, not yet looked up)."""

    cat: str | None = None
    src: str | None = None


def parse_filters(search: str | None) -> CaseFilters:
    """``cat`` and ``src`` from a query string; malformed values are dropped."""
    params = parse_qs((search or "").lstrip("?"))
    cat = (params.get("cat") or [""])[0].strip()
    src = (params.get("src") or [""])[0].strip()
    return CaseFilters(cat=cat if CATEGORY_CODE.match(cat) else None,
                       src=src if src in SOURCES else None)


def with_filters(search: str | None, cat: str | None, src: str | None) -> str:
    """``search`` with ``cat`` and ``src`` replaced (other parameters kept in order)."""
    kept = [(k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k not in FILTER_PARAMS]
    kept += [(k, v) for k, v in (("cat", cat), ("src", src)) if v]
    return "?" + urlencode(kept) if kept else ""


def categories(qctx: QueryContext) -> pd.DataFrame:
    return ca.fetch_categories(qctx)


def checked_filters(qctx: QueryContext, search: str | None) -> CaseFilters:
    """The URL's filters with an unknown category dropped."""
    f = parse_filters(search)
    if f.cat and f.cat not in set(categories(qctx)["code"]):
        return CaseFilters(cat=None, src=f.src)
    return f


def _inputs(data: dict[str, Any], search: str | None) -> tuple[QueryContext, View, CaseFilters]:
    qctx = query_context()
    view = checked_view(data, qctx)
    return qctx, view, checked_filters(qctx, search)


# --- filters <-> URL ------------------------------------------------------------------------

@cached_output
def update_controls(data: dict[str, Any], search: str | None, shown_major: str | None,
                    shown_minor: str | None, shown_src: str | None) -> tuple[Any, ...]:
    """View or URL -> category and source pickers (options in the view's language, values);
    a value a picker already shows is left alone (:func:`callbacks.context.changed`)."""
    qctx, view, f = _inputs(data, search)
    cats = categories(qctx)
    names = category_names(cats, view.lang)
    major = parent_of(cats, f.cat) or f.cat
    minor = f.cat if major != f.cat else None
    majors = cats[cats["parent_code"].isna()]["code"]
    minors = cats[cats["parent_code"] == major]["code"] if major else []
    return (
        [{"label": names[c], "value": c} for c in majors], changed(major, shown_major),
        [{"label": names[c], "value": c} for c in minors], changed(minor, shown_minor),
        [{"label": t(f"cases.source.{s}", view.lang), "value": s} for s in SOURCES],
        changed(f.src, shown_src),
    )


def on_filter_change(major: str | None, minor: str | None, src: str | None,
                     search: str | None, options: list | None) -> Any:
    """Category or source picker -> URL (a minor counts only under its own major)."""
    if not options:  # the pickers were just inserted, not yet filled from the URL: no choice
        raise PreventUpdate
    cats = categories(query_context())
    cat = minor if minor and parent_of(cats, minor) == major else major
    new = with_filters(search, cat, src)
    return no_update if parse_filters(new) == parse_filters(search) else new


def on_category_click(click: dict[str, Any] | None, search: str | None) -> Any:
    """Click on a category bar -> filter by it (a major drills into its minors)."""
    if not click or not click.get("points"):
        raise PreventUpdate
    code = click["points"][0].get("customdata")
    current = parse_filters(search)
    if not isinstance(code, str) or code == current.cat:
        raise PreventUpdate
    if code not in set(categories(query_context())["code"]):
        raise PreventUpdate
    return with_filters(search, code, current.src)


# --- panels -------------------------------------------------------------------------------

def filter_labels(qctx: QueryContext, f: CaseFilters, lang: str) -> list[str]:
    labels = []
    if f.cat:
        labels.append(category_names(categories(qctx), lang)[f.cat])
    if f.src:
        labels.append(t(f"cases.source.{f.src}", lang))
    return labels


@cached_output
def update_overview(data: dict[str, Any], search: str | None) -> tuple[str, str, list]:
    """View or filters -> heading, filter note and the KPI cards with 环比 / 同比."""
    qctx, view, f = _inputs(data, search)
    area = fetch_area(qctx, view.area) or {}
    comparison = ca.fetch_kpi_comparison(qctx, view.area, view.start, view.end, f.cat, f.src)
    note = layout.filter_note(filter_labels(qctx, f, view.lang), view.lang)
    cases = int(comparison["current"]["cases"])
    if cases < qctx.min_sample:  # rates of a tiny sample swing: say so beside them
        note += " " + t("cases.small_sample", view.lang, n=cases, min=qctx.min_sample)
    return (t("cases.heading", view.lang, area=area.get("name", "")), note,
            layout.kpi_groups(comparison, view.lang))


@cached_output
def update_stages(data: dict[str, Any], search: str | None) -> Any:
    """View or filters -> the median time of each step."""
    qctx, view, f = _inputs(data, search)
    stages = ca.fetch_stage_medians(qctx, view.area, view.start, view.end, f.cat, f.src)
    return layout.stage_figure(stages, view.lang)


@cached_output
def update_groups(data: dict[str, Any], search: str | None, by: str | None) -> Any:
    """View, filters or grouping -> the table of child areas or handling units."""
    qctx, view, f = _inputs(data, search)
    by = by if by in ("child", "unit") else "child"
    frame = ca.fetch_breakdown(qctx, view.area, view.start, view.end, by, f.cat, f.src)
    stages = ca.fetch_stage_medians_by(qctx, view.area, view.start, view.end, by, f.cat, f.src)
    return layout.group_table(frame, stages, by, view.lang, qctx.min_sample)


def _request(data: dict[str, Any], search: str | None) -> tuple[QueryContext, ChartRequest]:
    """The query context and the chart request of the view and the page's filters."""
    qctx, view, f = _inputs(data, search)
    assert view.area and view.start and view.end
    return qctx, ChartRequest(area=view.area, start=view.start, end=view.end, lang=view.lang,
                              cat=f.cat, src=f.src)


def _chart(builder: Any, data: dict[str, Any], search: str | None) -> Any:
    """A figure of the chart registry for the view and the page's filters (the same builder
    the PNG / SVG export uses)."""
    qctx, req = _request(data, search)
    return builder(qctx, current_app.config["COUNTYDASH_RULES"], req)


# One callback per figure: the browser asks for them side by side, so the page waits for the
# slowest figure, not for the sum of them.

@cached_output
def update_histogram(data: dict[str, Any], search: str | None) -> Any:
    """View or filters -> the resolution-time histogram with the SLA marks."""
    return _chart(charts.histogram_chart, data, search)


@cached_output
def update_sources(data: dict[str, Any], search: str | None) -> Any:
    """View or category filter -> cases by source (the chosen source highlighted)."""
    return _chart(charts.sources_chart, data, search)


@cached_output
def update_heatmap(data: dict[str, Any], search: str | None) -> Any:
    """View or filters -> reports by hour of day and weekday."""
    return _chart(charts.heatmap_chart, data, search)


@cached_output
def update_categories(data: dict[str, Any], search: str | None) -> tuple[Any, str]:
    """View or filters -> category bars (drilled to the filter's major) and their hint."""
    qctx, req = _request(data, search)
    breakdown, names, selected, major = category_view(qctx, req)
    note = "cases.category.note_minor" if major else "cases.category.note"
    return layout.category_figure(breakdown, names, selected, req.lang), t(note, req.lang)


@cached_output
def update_trend(data: dict[str, Any], search: str | None, grain: str | None) -> Any:
    """View, filters or grain -> volume and median resolution time over time."""
    qctx, view, f = _inputs(data, search)
    grain = grain if grain in ca.GRAINS else "day"
    trend = ca.fetch_trend(qctx, view.area, view.start, view.end, grain, f.cat, f.src)
    return layout.trend_figure(trend, grain, view.lang)


def update_backlog(data: dict[str, Any], search: str | None) -> tuple[Any, Any, str]:
    """View or filters -> backlog aging, the overdue list and its count; a list with personal
    fields unmasked is audited on every showing."""
    figure, table, count, listed = backlog_outputs(data, search)
    qctx = query_context()
    if listed and qctx.scope.pii:
        audit_pii_view(qctx, "overdue_cases", View.from_store(data).area or "")
    return figure, table, count


@cached_output
def backlog_outputs(data: dict[str, Any], search: str | None) -> tuple[Any, Any, str, int]:
    """Backlog aging, the overdue list, its count, and how many cases the list shows."""
    qctx, view, f = _inputs(data, search)
    backlog = ca.fetch_backlog(qctx, view.area, f.cat, f.src)
    total = int(backlog["overdue"].sum())
    figure = layout.backlog_figure(backlog, view.lang)
    if qctx.scope.aggregates_only:
        return figure, html.P(t("cases.lists.hidden", view.lang), className="muted-note"), (
            layout.overdue_count_text(total, 0, view.lang, True)), 0
    frame = ca.fetch_overdue_cases(qctx, view.area, f.cat, f.src, layout.SCREEN_ROWS)
    return (figure, layout.case_table(frame, view.lang, "overdue", ids.Cases.OVERDUE_TABLE),
            layout.overdue_count_text(total, len(frame), view.lang, not qctx.scope.pii),
            len(frame))


@cached_output
def update_risk(data: dict[str, Any], search: str | None, within: int | None) -> Any:
    """View, filters or horizon -> open cases that pass their due time within N hours."""
    qctx, view, f = _inputs(data, search)
    if qctx.scope.aggregates_only:
        return html.P(t("cases.lists.hidden", view.lang), className="muted-note")
    hours = within if within in layout.RISK_HOURS else layout.DEFAULT_RISK_HOURS
    frame = ca.fetch_at_risk(qctx, view.area, float(hours), f.cat, f.src)
    if frame.empty:
        return html.P(t("cases.risk.none", view.lang, h=hours), className="muted-note")
    return [html.P(t("cases.risk.count", view.lang, n=len(frame), h=hours),
                   className="cases-note"),
            layout.case_table(frame, view.lang, "risk", ids.Cases.RISK_TABLE)]


def on_download(clicks: int | None, data: dict[str, Any], search: str | None) -> Any:
    """Download button -> the overdue list as CSV (UTF-8 with BOM), audited."""
    if not clicks:
        raise PreventUpdate
    qctx, view, f = _inputs(data, search)
    if qctx.scope.aggregates_only:
        raise PreventUpdate
    frame = ca.fetch_overdue_cases(qctx, view.area, f.cat, f.src)
    area = fetch_area(qctx, view.area) or {}
    from flask import request

    from queries.users import write_audit

    user = current_user()
    write_audit(qctx.engine, "export", user.username if user else None, request.remote_addr,
                {"what": "overdue_cases", "area": view.area, "cat": f.cat, "src": f.src,
                 "rows": len(frame), "pii": qctx.scope.pii})
    return dcc.send_bytes(layout.cases_csv(frame, view.lang),
                          layout.csv_filename(str(area.get("name", view.area)), qctx.now,
                                              view.lang))


def update_definitions(data: dict[str, Any]) -> Any:
    """View (language) -> the definitions table, naming the configured minimum sample."""
    view = View.from_store(data)
    return layout.definitions_table(view.lang, settings().min_sample)


def register(app: Dash) -> None:
    view, search = Input(ids.Shell.VIEW, "data"), Input(ids.Shell.URL, "search")
    app.callback(
        Output(ids.Cases.MAJOR, "options"), Output(ids.Cases.MAJOR, "value"),
        Output(ids.Cases.MINOR, "options"), Output(ids.Cases.MINOR, "value"),
        Output(ids.Cases.SOURCE, "options"), Output(ids.Cases.SOURCE, "value"),
        view, search, State(ids.Cases.MAJOR, "value"), State(ids.Cases.MINOR, "value"),
        State(ids.Cases.SOURCE, "value"),
    )(update_controls)
    app.callback(
        Output(ids.Shell.URL, "search", allow_duplicate=True),
        Input(ids.Cases.MAJOR, "value"), Input(ids.Cases.MINOR, "value"),
        Input(ids.Cases.SOURCE, "value"), State(ids.Shell.URL, "search"),
        State(ids.Cases.SOURCE, "options"), prevent_initial_call=True,
    )(on_filter_change)
    app.callback(
        Output(ids.Shell.URL, "search", allow_duplicate=True),
        Input(ids.Cases.CATEGORY, "clickData"), State(ids.Shell.URL, "search"),
        prevent_initial_call=True,
    )(on_category_click)
    app.callback(
        Output(ids.Cases.HEADING, "children"), Output(ids.Cases.FILTER_NOTE, "children"),
        Output(ids.Cases.KPIS, "children"), view, search,
    )(update_overview)
    app.callback(Output(ids.Cases.STAGES, "figure"), view, search)(update_stages)
    app.callback(Output(ids.Cases.GROUP_TABLE, "children"), view, search,
                 Input(ids.Cases.STAGE_BY, "value"))(update_groups)
    app.callback(Output(ids.Cases.HISTOGRAM, "figure"), view, search)(update_histogram)
    app.callback(
        Output(ids.Cases.CATEGORY, "figure"), Output(ids.Cases.CATEGORY_NOTE, "children"),
        view, search,
    )(update_categories)
    app.callback(Output(ids.Cases.SOURCE_MIX, "figure"), view, search)(update_sources)
    app.callback(Output(ids.Cases.HEATMAP, "figure"), view, search)(update_heatmap)
    app.callback(Output(ids.Cases.TREND, "figure"), view, search,
                 Input(ids.Cases.GRAIN, "value"))(update_trend)
    app.callback(
        Output(ids.Cases.BACKLOG, "figure"), Output(ids.Cases.OVERDUE, "children"),
        Output(ids.Cases.OVERDUE_COUNT, "children"), view, search,
    )(update_backlog)
    app.callback(Output(ids.Cases.RISK, "children"), view, search,
                 Input(ids.Cases.RISK_HOURS, "value"))(update_risk)
    app.callback(
        Output(ids.Cases.DOWNLOAD, "data"), Input(ids.Cases.DOWNLOAD_BUTTON, "n_clicks"),
        State(ids.Shell.VIEW, "data"), State(ids.Shell.URL, "search"),
        prevent_initial_call=True,
    )(on_download)
    app.callback(Output(ids.Cases.DEFINITIONS, "children"), view)(update_definitions)
