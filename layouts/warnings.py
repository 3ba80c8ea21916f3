"""The warnings page: tier counts, the list with reasons, and how long each tier has held."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from dash import dash_table, dcc, html

from dashboard import ids
from dashboard.i18n import t
from dashboard.rules import TIERS, UNIT_TYPES
from layouts.components import panel

RATE_METRICS = {"within_sla_rate", "completion_rate", "reopen_rate", "low_satisfaction_rate",
                "registered_share", "active_share", "study_completion", "meetings_share",
                "broadband_share"}
TIER_COLOURS = {"red": "#b3261e", "yellow": "#8a6100", "blue": "#1d5fa8"}
TIER_FILLS = {"red": "#fde8e6", "yellow": "#fff4cc", "blue": "#e3eefb"}


def page(lang: str = "zh") -> html.Div:
    return html.Div(className="page warnings", children=[
        html.H1(id=ids.Warnings.HEADING, className="page-heading"),
        html.Div(id=ids.Warnings.COUNTS, className="tier-row"),
        panel(t("warnings.list", lang), [
            html.Div(className="warnings-filter", children=[
                html.Label(t("warnings.unit_type", lang), htmlFor=ids.Warnings.UNIT_TYPE),
                dcc.Dropdown(id=ids.Warnings.UNIT_TYPE, clearable=False, searchable=False,
                             value="all", className="warnings-unit-type",
                             options=[{"label": t("warnings.all_types", lang), "value": "all"}]
                             + [{"label": t(f"unit.{u}", lang), "value": u}
                                for u in UNIT_TYPES]),
            ]),
            html.Div(id=ids.Warnings.TABLE),
            html.P(id=ids.Warnings.NOTE, className="muted-note"),
        ]),
    ])


def tier_badge(tier: str, lang: str) -> html.Span:
    """A tier is never shown by colour alone: its word is always inside the badge."""
    return html.Span(t(f"tier.{tier}", lang), className=f"tier-badge tier-{tier}",
                     **{"data-tier": tier})


def tier_counts(counts: dict[str, int], new_red: int, long_red: int, weeks: int,
                lang: str) -> list[object]:
    cards: list[object] = [
        html.Div(className=f"tier-card tier-{tier}", children=[
            tier_badge(tier, lang),
            html.Span(t(f"tier.{tier}.long", lang), className="tier-label"),
            html.Span(str(counts.get(tier, 0)), className="tier-count",
                      **{"data-tier-count": tier}),
        ]) for tier in TIERS
    ]
    cards.append(html.Div(className="tier-card tier-meta", children=[
        html.Span(t("warnings.new_red", lang), className="tier-label"),
        html.Span(str(new_red), className="tier-count", **{"data-tier-count": "new-red"}),
        html.Span(t("warnings.red_weeks", lang, n=weeks), className="tier-label"),
        html.Span(str(long_red), className="tier-count", **{"data-tier-count": "long-red"}),
    ]))
    return cards


def _fmt(metric: str, value: float) -> str:
    if metric in RATE_METRICS:
        return f"{value * 100:.1f}%"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def most_severe_per_metric(reasons: list[dict[str, object]]) -> list[dict[str, object]]:
    """One reason per metric (the most severe; reasons arrive most severe first), so that
    "below 80 %" and "below 88 %" of the same figure are not both spelled out."""
    seen: set[object] = set()
    out = []
    for reason in reasons:
        if reason["metric"] not in seen:
            seen.add(reason["metric"])
            out.append(reason)
    return out


def reason_text(reason: dict[str, object], lang: str) -> str:
    metric = str(reason["metric"])
    comparison = str(reason["comparison"])
    lift = float(reason["lift_to"])  # type: ignore[arg-type]
    if comparison in ("<", "<="):
        direction = t("warnings.dir.up" if comparison == "<" else "warnings.dir.above", lang)
    else:
        direction = t("warnings.dir.below" if comparison == ">=" else "warnings.dir.down", lang)
    return t("warnings.reason", lang, reason=reason[f"reason_{lang}"],
             value=_fmt(metric, float(reason["value"])),  # type: ignore[arg-type]
             threshold=_fmt(metric, float(reason["threshold"])),  # type: ignore[arg-type]
             direction=direction, lift=_fmt(metric, lift))


def warnings_table(frame: pd.DataFrame, lang: str) -> object:
    """One row per unit with a tier, most severe and longest held first.

    ``frame``: unit_type, code, name, tier, rank, reasons, days_held, since, new_this_week.
    Sorting is the browser's (``sortRows`` of assets/clientside.js): the tier column by
    severity (each row's ``rank``), not by its label's text (in Chinese: red < blue <
    yellow); ``order`` is this order, back when the sort is cleared.
    """
    if frame.empty:
        return html.P(t("warnings.none", lang), className="muted-note")
    rows = []
    for order, r in enumerate(frame.sort_values(["rank", "days_held", "code"],
                                                ascending=[True, False, True]
                                                ).to_dict("records")):
        rows.append({
            "tier": t(f"tier.{r['tier']}", lang), "tier_key": r["tier"], "code": r["code"],
            "rank": int(r["rank"]), "order": order,
            "unit": t(f"unit.{r['unit_type']}", lang), "name": r["name"],
            "reasons": t("warnings.sep", lang).join(
                reason_text(x, lang) for x in most_severe_per_metric(r["reasons"])),
            "held": int(r["days_held"]) if pd.notna(r["days_held"]) else 0,
            "since": str(r["since"] or ""),
        })
    cols = [("tier", "warnings.col.tier"), ("unit", "warnings.col.unit"),
            ("name", "warnings.col.name"), ("reasons", "warnings.col.reasons"),
            ("held", "warnings.col.held"), ("since", "warnings.col.since")]
    return dash_table.DataTable(
        id=ids.Warnings.GRID, data=rows,
        columns=[{"id": c, "name": t(k, lang), **({"type": "numeric"} if c == "held" else {})}
                 for c, k in cols],
        sort_action="custom", sort_mode="single", sort_by=[], filter_action="native",
        filter_options={"placeholder_text": t("table.filter", lang)}, page_size=15,
        style_as_list_view=True, style_table={"overflowX": "auto"},
        style_cell={"fontSize": "15px", "padding": "6px 8px", "textAlign": "left",
                    "fontFamily": "inherit", "whiteSpace": "normal", "height": "auto"},
        style_cell_conditional=[{"if": {"column_id": "reasons"}, "minWidth": "360px"},
                                {"if": {"column_id": "tier"}, "fontWeight": "700",
                                 "textAlign": "center", "width": "56px"}],
        style_data_conditional=[
            {"if": {"filter_query": f'{{tier_key}} = "{tier}"', "column_id": "tier"},
             "color": TIER_COLOURS[tier], "backgroundColor": TIER_FILLS[tier]}
            for tier in TIERS],
        style_header={"fontWeight": "600", "backgroundColor": "#eef2f7"},
    )


def unit_options(lang: str, present: Sequence[str]) -> list[dict[str, str]]:
    return [{"label": t("warnings.all_types", lang), "value": "all"}] + [
        {"label": t(f"unit.{u}", lang), "value": u} for u in UNIT_TYPES if u in present]
