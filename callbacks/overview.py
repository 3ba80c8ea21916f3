"""The overview page: headline KPIs and the table of child areas."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output

from callbacks.context import cached_output, checked_view, query_context
from dashboard import ids
from dashboard.i18n import t
from layouts import overview
from queries.areas import fetch_area
from queries.cases import fetch_children_figures, fetch_kpis


@cached_output
def update_overview(data: dict[str, Any]) -> tuple[str, list, object]:
    """View -> heading, KPI cards and the child-area table."""
    qctx = query_context()
    view = checked_view(data, qctx)
    area = fetch_area(qctx, view.area)
    if area is None:
        return "", [], None
    kpis = fetch_kpis(qctx, view.area, view.start, view.end)
    kids = fetch_children_figures(qctx, view.area, view.start, view.end)
    return (
        t("overview.heading", view.lang, area=area["name"]),
        overview.kpi_row(kpis, view.lang),
        overview.children_table(kids, view.lang, qctx.min_sample),
    )


def register(app: Dash) -> None:
    app.callback(
        Output(ids.Overview.HEADING, "children"),
        Output(ids.Overview.KPIS, "children"),
        Output(ids.Overview.CHILDREN, "children"),
        Input(ids.Shell.VIEW, "data"),
    )(update_overview)
