"""The county overview: headline case figures and the areas one level down."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import dash_table, html

from dashboard import ids
from dashboard.formats import is_missing
from dashboard.i18n import t
from layouts.components import MUTED, OVERDUE, kpi_card, numeric_column, panel
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


def children_table(figures: Mapping[str, Sequence[Any]], lang: str, min_sample: int) -> object:
    """One row per child area: reported, open, overdue, completion, within SLA, median hours.

    ``figures``: columns code, name, level, cases, resolved, within_sla, open_now,
    overdue_now, median_hours as lists (:func:`queries.cases.child_columns`). The figures go
    out as numbers, so the table sorts them as numbers. Areas with fewer than ``min_sample``
    cases keep their counts and lose their rates and times (marked "too few cases"), so a
    tiny sample is never ranked as good or bad.
    """
    if not figures["code"]:
        return html.P(t("overview.no_children", lang), className="muted-note")
    rows = []
    # columns as lists, zipped: to_dict("records") cost 0.4 ms for a village's few rows
    names = ("name", "cases", "open_now", "overdue_now", "resolved", "within_sla",
             "median_hours")
    for values in zip(*(figures[c] for c in names), strict=True):
        rec = dict(zip(names, values, strict=True))
        cases = int(rec["cases"])
        small = cases < min_sample
        median = rec.get("median_hours")
        rows.append({
            "name": rec["name"] + (" · " + t("sample.small", lang) if small else ""),
            "cases": cases,
            "open_now": int(rec["open_now"]),
            "overdue_now": int(rec["overdue_now"]),
            "completion": None if small else rec["resolved"] / cases,
            "within_sla": None if small else rec["within_sla"] / cases,
            "median_hours": None if small or is_missing(median) else round(float(median), 2),
            "small": "1" if small else "0",
        })
    columns = [
        {"id": "name", "name": t("table.area", lang)},
        numeric_column("cases", t("table.cases", lang), 0),
        numeric_column("open_now", t("table.open", lang), 0),
        numeric_column("overdue_now", t("table.overdue", lang), 0),
        numeric_column("completion", t("table.completion", lang), 1, pct=True),
        numeric_column("within_sla", t("table.within_sla", lang), 1, pct=True),
        numeric_column("median_hours", t("table.median", lang), 1),
    ]
    return dash_table.DataTable(
        data=rows,
        columns=columns,
        sort_action="native",
        page_size=20,
        style_as_list_view=True,
        style_table={"overflowX": "auto"},
        style_cell={"fontSize": "16px", "padding": "6px 6px", "textAlign": "right",
                    "fontFamily": "inherit"},
        style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "left"}
                                for c in ("name",)],
        style_data_conditional=[
            {"if": {"filter_query": '{small} = "1"'}, "color": MUTED, "fontStyle": "italic"},
            {"if": {"filter_query": "{overdue_now} > 0", "column_id": "overdue_now"},
             "color": OVERDUE, "fontWeight": "600"},
        ],
        style_header={"fontWeight": "600", "backgroundColor": "#eef2f7",
                      "whiteSpace": "normal", "height": "auto"},
    )
