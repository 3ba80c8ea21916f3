"""The warnings page: view -> tier counts and the list; unit-type filter -> the list."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import ClientsideFunction, Dash, Input, Output, State
from flask import current_app

from callbacks.context import checked_view, query_context
from dashboard import ids
from dashboard.i18n import t
from dashboard.tiers import current_warnings, streaks, within_area
from layouts import warnings as layout
from queries.areas import fetch_area, fetch_subtree_codes

LONG_RED_WEEKS = 4


def warnings_in_view(qctx: Any, area: str) -> pd.DataFrame:
    """Current warnings inside ``area`` with how long each unit has held its tier."""
    rules = current_app.config["COUNTYDASH_RULES"]
    now = current_warnings(qctx, rules)
    now = within_area(now, fetch_subtree_codes(qctx, area))
    now = now[now["tier"].notna()]
    held = streaks(qctx.engine, qctx.now.date())
    out = now.merge(held.drop(columns=["tier"]), on=["unit_type", "code"], how="left")
    out["days_held"] = out["days_held"].fillna(1)
    out["new_this_week"] = out["new_this_week"].fillna(True).astype(bool)
    return out


def update_warnings(data: dict[str, Any], unit_type: str | None) -> tuple[str, list, object, str]:
    """View or unit-type filter -> heading, tier counts, the list and the method note."""
    qctx = query_context()
    view = checked_view(data, qctx)
    area = fetch_area(qctx, view.area) or {}
    frame = warnings_in_view(qctx, str(view.area))
    counts = frame["tier"].value_counts().to_dict()
    red = frame[frame["tier"] == "red"]
    new_red = int(red["new_this_week"].sum())
    long_red = int((red["days_held"] >= 7 * LONG_RED_WEEKS).sum())
    shown = frame if unit_type in (None, "all") else frame[frame["unit_type"] == unit_type]
    rules = current_app.config["COUNTYDASH_RULES"]
    return (
        t("warnings.heading", view.lang, area=area.get("name", "")),
        layout.tier_counts(counts, new_red, long_red, LONG_RED_WEEKS, view.lang),
        layout.warnings_table(shown, view.lang),
        t("warnings.note", view.lang, days=rules.window_days),
    )


def register(app: Dash) -> None:
    app.callback(
        Output(ids.Warnings.HEADING, "children"), Output(ids.Warnings.COUNTS, "children"),
        Output(ids.Warnings.TABLE, "children"), Output(ids.Warnings.NOTE, "children"),
        Input(ids.Shell.VIEW, "data"), Input(ids.Warnings.UNIT_TYPE, "value"),
    )(update_warnings)
    # sorting the list, in the browser: the tier by severity, names in pinyin order
    app.clientside_callback(
        ClientsideFunction(namespace="countydash", function_name="sort_rows"),
        Output(ids.Warnings.GRID, "data"),
        Input(ids.Warnings.GRID, "sort_by"), State(ids.Warnings.GRID, "data"),
        prevent_initial_call=True,
    )
