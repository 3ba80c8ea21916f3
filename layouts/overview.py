"""The county overview: headline case figures and the areas one level down."""

from __future__ import annotations

import pandas as pd
from dash import dash_table, html

from dashboard import ids
from dashboard.formats import fmt_int, fmt_pct
from dashboard.i18n import t
from layouts.components import kpi_card, panel
from layouts.coverage import overview_panel as coverage_panel
from layouts.export import export_bar
from layouts.map import map_panel

OVERVIEW_KPIS: tuple[str, ...] = (
    "cases", "open_now", "overdue_now", "median_hours", "completion_rate",
)


def page(lang: str = "zh") -> html.Div:
    """The overview page; its figures arrive through callbacks."""
    return html.Div(
        className="page overview",
        children=[
            html.H1(id=ids.Overview.HEADING, className="page-heading"),
            panel(t("overview.kpis", lang), html.Div(id=ids.Overview.KPIS, className="kpi-row")),
            # the map and the coverage summary on the left, the child areas' table on the
            # right: two columns of about the same height, no empty space under the map
            html.Div(className="overview-grid", children=[
                html.Div(className="overview-side", children=[
                    map_panel(lang),
                    coverage_panel(lang),
                ]),
                html.Div(className="overview-side", children=[
                    panel(t("overview.children", lang), html.Div(id=ids.Overview.CHILDREN),
                          class_name="children-panel"),
                ]),
            ]),
            export_bar(lang),
        ],
    )


def kpi_row(kpis: dict[str, float], lang: str) -> list[object]:
    tones = {"overdue_now": "tone-alert" if kpis.get("overdue_now") else ""}
    return [kpi_card(name, kpis.get(name), lang, tone=tones.get(name, ""))
            for name in OVERVIEW_KPIS]


def children_table(frame: pd.DataFrame, lang: str, min_sample: int) -> object:
    """One row per child area: reported, open, overdue, completion, within SLA.

    ``frame`` has columns code, name, level, cases, resolved, within_sla, open_now,
    overdue_now. Areas with fewer than ``min_sample`` cases show "too few cases" instead of
    rates, so a tiny sample is never ranked as good or bad.
    """
    if frame.empty:
        return html.P(t("overview.no_children", lang), className="muted-note")
    rows = []
    for rec in frame.to_dict("records"):
        small = rec["cases"] < min_sample
        rows.append({
            "name": rec["name"],
            "cases": fmt_int(rec["cases"], lang),
            "open_now": fmt_int(rec["open_now"], lang),
            "overdue_now": fmt_int(rec["overdue_now"], lang),
            "completion": t("sample.small", lang) if small else
            fmt_pct(rec["resolved"] / rec["cases"]) + "%",
            "within_sla": t("sample.small", lang) if small else
            fmt_pct(rec["within_sla"] / rec["cases"]) + "%",
        })
    columns = [
        ("name", "table.area"), ("cases", "table.cases"),
        ("open_now", "table.open"), ("overdue_now", "table.overdue"),
        ("completion", "table.completion"), ("within_sla", "kpi.within_sla_rate"),
    ]
    return dash_table.DataTable(
        data=rows,
        columns=[{"id": c, "name": t(k, lang)} for c, k in columns],
        sort_action="native",
        page_size=20,
        style_as_list_view=True,
        style_table={"overflowX": "auto"},
        style_cell={"fontSize": "16px", "padding": "6px 8px", "textAlign": "right",
                    "fontFamily": "inherit"},
        style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "left"}
                                for c in ("name",)],
        style_header={"fontWeight": "600", "backgroundColor": "#eef2f7"},
    )
