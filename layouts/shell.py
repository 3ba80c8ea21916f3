"""The frame every page sits in: navbar, context bar (area path, period), page, footer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.formats import fmt_datetime
from dashboard.i18n import DEFAULT_LANG, t

#: Pages in the navbar: path and catalogue key.
NAV_PAGES: tuple[tuple[str, str], ...] = (
    ("/", "nav.overview"),
    ("/cases", "nav.cases"),
    ("/coverage", "nav.coverage"),
    ("/warnings", "nav.warnings"),
    ("/screen", "nav.screen"),
)
PRESETS = ids.PRESET_NAMES


def layout() -> html.Div:
    """The static shell; callbacks fill it from the URL."""
    return html.Div(
        id=ids.Shell.ROOT,
        className="app-shell",
        children=[
            dcc.Location(id=ids.Shell.URL, refresh=False),
            dcc.Store(id=ids.Shell.VIEW),
            dcc.Store(id=ids.Shell.VIEW_URL),
            dcc.Store(id=ids.Shell.VIEW_ASK),
            dcc.Store(id=ids.Shell.PANEL_VIEW),
            dcc.Store(id=ids.Shell.PAGE_KEY),
            dcc.Store(id=ids.Shell.PAGE_WANT),
            html.Header(id=ids.Shell.NAVBAR, className="app-navbar"),
            html.Div(
                className="context-bar",
                children=[
                    html.Nav(id=ids.Shell.BREADCRUMB, className="area-path"),
                    html.Div(
                        className="period-controls",
                        children=[
                            html.Div(presets(), id=ids.Shell.PRESETS,
                                     className="period-presets"),
                            dcc.DatePickerRange(
                                id=ids.Shell.PERIOD,
                                display_format="YYYY-MM-DD",
                                first_day_of_week=1,
                                minimum_nights=0,
                                clearable=False,
                                start_date_placeholder_text=t("period.start"),
                                end_date_placeholder_text=t("period.end"),
                                className="period-picker",
                            ),
                        ],
                    ),
                ],
            ),
            html.Div(id=ids.Shell.ALERT, className="shell-alert"),
            html.Main(id=ids.Shell.PAGE, className="app-page"),
            html.Footer(id=ids.Shell.FOOTER, className="app-footer"),
        ],
    )


def navbar(lang: str, county_name: str, demo: bool, pathname: str, lang_href: str,
           query: str, user: tuple[str, str] | None = None) -> list[object]:
    """Brand, page links (keeping the view's query), demo badge, user and language switch.

    ``user`` is (username, role).
    """
    links = [
        dcc.Link(
            t(key, lang),
            href=path + query,
            id=ids.Shell.view_link(f"nav{path}"),
            className="nav-link" + (" active" if pathname == path else ""),
        )
        for path, key in NAV_PAGES
    ]
    right: list[object] = []
    if demo:
        right.append(html.Span(t("demo.badge", lang), className="demo-badge",
                               title=t("demo.note", lang)))
    if user:
        if user[1] == "county":
            links.append(dcc.Link(t("audit.title", lang), href="/audit" + query,
                                  id=ids.Shell.view_link("nav/audit"),
                                  className="nav-link" + (" active" if pathname == "/audit"
                                                          else "")))
        right.append(html.Span(className="nav-user", children=[
            f"{user[0]} · {t('role.' + user[1], lang)}",
            html.A(t("logout", lang), href="/logout"),
        ]))
    right.append(html.A(t("lang.switch", lang), href=lang_href, className="lang-switch",
                        id=ids.Shell.view_link("lang")))
    return [
        html.Div(className="brand", children=[
            html.Span(county_name, className="brand-county"),
            html.Span(t("app.title", lang), className="brand-title"),
        ]),
        html.Nav(links, className="nav-links"),
        html.Div(right, className="nav-right"),
    ]


def breadcrumb(lineage: Sequence[tuple[str, str]], hrefs: Sequence[str]) -> list[object]:
    """Area path from the caller's root to the current area; every step but the last links."""
    items: list[object] = []
    for i, ((code, name), href) in enumerate(zip(lineage, hrefs, strict=True)):
        if i:
            items.append(html.Span("›", className="crumb-sep", **{"aria-hidden": "true"}))
        if i == len(lineage) - 1:
            items.append(html.Span(name, className="crumb current", **{"aria-current": "page"}))
        else:
            items.append(dcc.Link(name, href=href, className="crumb",
                                  id=ids.Shell.view_link(f"crumb/{code}")))
    return items


def presets(lang: str = DEFAULT_LANG) -> list[object]:
    """The period preset buttons (their labels follow the page's language: preset_labels)."""
    return [
        dbc.Button(label, id=ids.preset(name), size="sm", color="light",
                   className="preset-btn", n_clicks=0)
        for name, label in zip(PRESETS, preset_labels(lang), strict=True)
    ]


def preset_labels(lang: str) -> list[str]:
    return [t(f"period.{name}", lang) for name in PRESETS]


#: The shell's own labels that follow the page's language (callbacks.shell.update_page):
#: each preset button's text, then the period picker's two field names.
SHELL_LABELS: tuple[tuple[str, str], ...] = (
    *((ids.preset(name), "children") for name in PRESETS),
    (ids.Shell.PERIOD, "start_date_placeholder_text"),
    (ids.Shell.PERIOD, "end_date_placeholder_text"),
)


def shell_labels(lang: str) -> list[str]:
    """The values of :data:`SHELL_LABELS` in ``lang``."""
    return [*preset_labels(lang), t("period.start", lang), t("period.end", lang)]


def footer(lang: str, as_of: datetime, source: str, start: date, end: date) -> list[object]:
    return [
        html.Span(t("footer.as_of", lang, as_of=fmt_datetime(as_of, lang)), className="as-of"),
        html.Span(t("footer.source", lang, source=source)),
        html.Span(t("period.range", lang, start=start.isoformat(), end=end.isoformat())),
    ]


def alerts(messages: Sequence[str]) -> list[object]:
    return [dbc.Alert(m, color="warning", className="py-2 mb-0", dismissable=True)
            for m in messages]


def not_found(lang: str, path: str) -> html.Div:
    return html.Div(t("page.not_found", lang, path=path), className="empty-page")


def coming_soon(lang: str) -> html.Div:
    return html.Div(t("page.coming", lang), className="empty-page")
