"""The coverage page (and its overview panel): view -> figures; bar click -> branch detail."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from dash import ClientsideFunction, Dash, Input, Output, ctx, no_update

from callbacks.context import audit_pii_view, cached_output, checked_view, query_context
from dashboard import db, ids
from dashboard.charts import ChartRequest, lorenz_of
from dashboard.i18n import t
from dashboard.indicators import as_key, configured_weights
from dashboard.view import View, to_query
from layouts import coverage as layout
from queries.areas import fetch_area
from queries.context import QueryContext
from queries.coverage import (
    fetch_branch_coverage,
    fetch_coverage_month,
    fetch_coverage_trend,
    fetch_member_list,
    fetch_member_profile,
    fetch_trend_columns,
    month_start,
)


def month_of(qctx: QueryContext, view: View) -> date | None:
    """The month shown: the one holding the view's last day (or the latest before it)."""
    assert view.area and view.end
    return fetch_coverage_month(qctx, view.area, view.end)


def branches_and_trend(qctx: QueryContext, area: str, month: date
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The month's branch figures and the trend up to it, fetched side by side."""
    weights = as_key()
    frame, trend = db.side_by_side(
        lambda: fetch_branch_coverage(qctx, area, month, weights),
        lambda: fetch_coverage_trend(qctx, area, month, weights))
    return frame, trend


@cached_output(on="coverage")
def update_summary(data: dict[str, Any]) -> tuple[Any, ...]:
    """View -> heading, month note, KPI cards, the spread sentence, trend and Lorenz."""
    qctx = query_context()
    view = checked_view(data, qctx)
    area = fetch_area(qctx, view.area) or {}
    heading = t("coverage.heading", view.lang, area=area.get("name", ""))
    month = month_of(qctx, view)
    note = layout.month_note(month, view.end, view.lang)  # type: ignore[arg-type]
    if month is None:
        empty = layout.empty_figure(t("coverage.no_data", view.lang))
        return heading, note, [], None, empty, empty
    frame, trend = branches_and_trend(qctx, view.area, month)
    req = ChartRequest(area=view.area, start=view.start, end=view.end, lang=view.lang)
    return (
        heading, note, layout.kpi_row(frame, trend, view.lang),
        layout.spread_note(trend, view.lang),
        layout.trend_figure(trend, view.lang),
        lorenz_of(qctx, req, month, frame, trend),
    )


@cached_output(on="coverage")
def update_ranking(data: dict[str, Any]) -> tuple[Any, Any, Any]:
    """View -> the weakest and best ten branches, and the table of every branch."""
    qctx = query_context()
    view = checked_view(data, qctx)
    month = month_of(qctx, view)
    if month is None:
        empty = layout.empty_figure(t("coverage.no_data", view.lang))
        return empty, empty, None
    frame = fetch_branch_coverage(qctx, view.area, month, as_key())
    best, worst = layout.split_ranking(frame)
    mean = float(frame["coverage_index"].mean())
    return (layout.ranking_figure(worst, mean, view.lang, weak=True),
            layout.ranking_figure(best, mean, view.lang, weak=False),
            layout.branch_table(frame, view.lang))


def update_branch_choice(data: dict[str, Any], _worst: Any, _best: Any) -> tuple[Any, Any]:
    """View -> branch options (weakest first, weakest selected); bar click -> that branch."""
    trigger = ctx.triggered_id
    if trigger in (ids.Coverage.WORST, ids.Coverage.BEST):
        click = _worst if trigger == ids.Coverage.WORST else _best
        points = (click or {}).get("points") or []
        branch = points[0].get("customdata") if points else None
        return no_update, branch if isinstance(branch, str) else no_update
    qctx = query_context()
    view = checked_view(data, qctx)
    month = month_of(qctx, view)
    if month is None:
        return [], None
    frame = fetch_branch_coverage(qctx, view.area, month, as_key())
    options = layout.branch_options(frame, view.lang)
    return options, options[0]["value"] if options else None


def update_detail(branch: str | None, data: dict[str, Any]) -> list[object]:
    """Branch choice or view -> its figures, members by age band and activity (names if allowed)."""
    qctx = query_context()
    view = checked_view(data, qctx)
    month = month_of(qctx, view)
    if not branch or month is None:
        return layout.branch_detail(None, pd.DataFrame(), None, view.lang)
    frame = fetch_branch_coverage(qctx, view.area, month, as_key())
    rows = frame[frame["branch_id"] == branch]
    if rows.empty:  # not in this area (or not visible): show nothing of it
        return layout.branch_detail(None, pd.DataFrame(), None, view.lang)
    profile = fetch_member_profile(qctx, view.area, branch)
    names = None
    if qctx.scope.pii and not qctx.scope.aggregates_only:
        names = fetch_member_list(qctx, view.area, branch)
        audit_pii_view(qctx, "branch_members", branch)
    return layout.branch_detail(rows.iloc[0].to_dict(), profile, names, view.lang)


def update_formula(data: dict[str, Any]) -> list[object]:
    """View (language) -> the published formula with the weights in force."""
    return layout.formula(configured_weights(), View.from_store(data).lang)


@cached_output(on="coverage")
def update_overview_panel(data: dict[str, Any]) -> list[object]:
    """View -> the overview's coverage summary (mean, Gini, gap, the band, a link)."""
    qctx = query_context()
    view = checked_view(data, qctx)
    assert view.area and view.end
    # the trend alone (the panel's figures are the spread's, not the month's branch rows),
    # up to the month holding the view's last day: its last month is the month shown
    # (month_of), with no statement of its own
    trend = fetch_trend_columns(qctx, view.area, month_start(view.end), as_key())
    href = "/coverage" + to_query(view) if trend["month"] else ""
    return layout.overview_summary(trend, href, view.lang)


def register(app: Dash) -> None:
    app.callback(
        Output(ids.Coverage.HEADING, "children"), Output(ids.Coverage.MONTH_NOTE, "children"),
        Output(ids.Coverage.KPIS, "children"), Output(ids.Coverage.SPREAD_NOTE, "children"),
        Output(ids.Coverage.TREND, "figure"), Output(ids.Coverage.LORENZ, "figure"),
        Input(ids.Shell.VIEW, "data"),
    )(update_summary)
    app.callback(
        Output(ids.Coverage.WORST, "figure"), Output(ids.Coverage.BEST, "figure"),
        Output(ids.Coverage.TABLE, "children"),
        Input(ids.Shell.VIEW, "data"),
    )(update_ranking)
    app.callback(
        Output(ids.Coverage.BRANCH, "options"), Output(ids.Coverage.BRANCH, "value"),
        Input(ids.Shell.VIEW, "data"), Input(ids.Coverage.WORST, "clickData"),
        Input(ids.Coverage.BEST, "clickData"),
    )(update_branch_choice)
    app.callback(
        Output(ids.Coverage.DETAIL, "children"),
        Input(ids.Coverage.BRANCH, "value"), Input(ids.Shell.VIEW, "data"),
    )(update_detail)
    app.callback(Output(ids.Coverage.FORMULA, "children"),
                 Input(ids.Shell.VIEW, "data"))(update_formula)
    # the panel's figures do not follow the map's metric (panelView); its link does
    app.callback(Output(ids.Coverage.OVERVIEW, "children"),
                 Input(ids.Shell.PANEL_VIEW, "data"))(update_overview_panel)
    app.clientside_callback(
        ClientsideFunction(namespace="countydash", function_name="coverage_link"),
        Output(ids.Coverage.MORE, "href"), Input(ids.Shell.VIEW, "data"),
    )
