"""The audit log page (county users only)."""

from __future__ import annotations

import pandas as pd
from dash import dash_table, html

from dashboard import ids
from dashboard.i18n import t
from layouts.components import panel


def page(lang: str = "zh") -> html.Div:
    return html.Div(className="page audit", children=[
        html.H1(t("audit.title", lang), className="page-heading"),
        panel(t("audit.title", lang), html.Div(id=ids.Audit.TABLE)),
    ])


def audit_table(frame: pd.DataFrame, lang: str) -> object:
    """Newest first: time, user, action, address, detail."""
    rows = [{"at": f"{r['at']:%Y-%m-%d %H:%M:%S}", "username": r["username"] or "",
             "action": r["action"], "ip": r["ip"] or "", "detail": r["detail"] or ""}
            for r in frame.to_dict("records")]
    cols = [("at", "audit.at"), ("username", "audit.user"), ("action", "audit.action"),
            ("ip", "audit.ip"), ("detail", "audit.detail")]
    return dash_table.DataTable(
        data=rows, columns=[{"id": c, "name": t(k, lang)} for c, k in cols],
        sort_action="native", filter_action="native",
        filter_options={"placeholder_text": t("table.filter", lang)}, page_size=25,
        style_as_list_view=True, style_table={"overflowX": "auto"},
        style_cell={"fontSize": "15px", "padding": "6px 8px", "textAlign": "left",
                    "fontFamily": "inherit"},
        style_header={"fontWeight": "600", "backgroundColor": "#eef2f7"},
    )


def forbidden(lang: str) -> html.Div:
    return html.Div(t("audit.forbidden", lang), className="empty-page")
