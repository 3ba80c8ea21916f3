"""The shell: URL -> view, navbar, breadcrumb, page routing and the period controls."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, no_update

from callbacks.context import cached_output, changed, checked_view, last_full_day, query_context
from dashboard import ids
from dashboard.auth import current_user
from dashboard.i18n import normalise_lang, t
from dashboard.view import View, parse_query, to_query
from layouts import audit, overview, screen, shell, warnings
from layouts import cases as cases_layout
from layouts import coverage as coverage_layout
from queries.areas import fetch_area, fetch_dataset_facts, fetch_roots, lineage_steps

PAGES = {"/": overview.page, "/audit": audit.page, "/warnings": warnings.page,
         "/screen": screen.page, "/coverage": coverage_layout.page,
         "/cases": cases_layout.page, "/cases/definitions": cases_layout.definitions_page}
PLANNED: set[str] = set()


def on_url_view(ask: dict[str, Any] | None, current: dict[str, Any] | None,
                panel: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    """The URL the browser asks about (``viewFromUrl`` of ``assets/clientside.js``: the
    page's first URL, and any move the browser does not make itself) -> the validated view
    (area inside the caller's scope, a full period), and the same without the map's metric
    for the panels that do not show it (:func:`panel_view`); an unchanged one is not re-sent."""
    search = ask.get("search") if isinstance(ask, dict) else None
    store, alert = url_view(search if isinstance(search, str) else None, current)
    if store is no_update:
        return no_update, no_update, no_update
    return store, alert, changed(panel_view(store), panel)


def panel_view(store: dict[str, Any]) -> dict[str, Any]:
    """The view as the panels that do not show the map's metric read it (the KPI cards,
    the child table, the coverage panel): a metric change leaves them as they are
    (``panelView`` of assets/clientside.js is its twin)."""
    return {**store, "metric": None}


@cached_output
def url_view(search: str | None, current: dict[str, Any] | None) -> tuple[Any, Any]:
    """:func:`on_url_view` for the URL query ``search``."""
    qctx = query_context()
    view = parse_query(search)
    unknown = view.area is not None and fetch_area(qctx, view.area) is None
    messages: list[str] = []
    root_code = root_name = ""
    # the caller's root only where the URL names no area the caller may see (a drill-down
    # names one: one look-up less on the way to every panel)
    if view.area is None or unknown:
        roots = fetch_roots(qctx)
        root_code, root_name = str(roots.iloc[0]["code"]), str(roots.iloc[0]["name"])
    if unknown:
        messages.append(t("area.unknown", view.lang, code=view.area, root=root_name))
        view = replace(view, area=None)
    for key, value in view.problems:
        if key != "area.unknown":
            messages.append(t(key, view.lang, value=value))
        else:
            messages.append(t(key, view.lang, code=value, root=root_name))
    view = replace(view, area=view.area or root_code, problems=()).with_period(
        last_full_day(qctx)
    )
    store = view.to_store()
    if store == current and not messages:
        return no_update, no_update
    return store, shell.alerts(messages)


def update_navbar(_panel: dict[str, Any] | None, data: dict[str, Any], pathname: str | None
                  ) -> tuple[list, list, list]:
    """The panels' view (the view without the map's metric) -> navbar, breadcrumb and
    footer, their links made from the whole view (``data``); a metric change rewrites the
    links' metric in the browser (``linkMetric`` of assets/clientside.js) and asks for no
    navbar. The period presets come with the page: they change with the language only, and
    new preset buttons fire their URL writer."""
    user = current_user()
    return navbar_outputs(data, pathname, (user.username, user.role) if user else None)


@cached_output
def navbar_outputs(data: dict[str, Any], pathname: str | None,
                   who: tuple[str, str] | None) -> tuple[list, list, list]:
    """:func:`update_navbar` for the signed-in user ``who`` (name, role)."""
    qctx = query_context()
    view = checked_view(data, qctx)  # the view store: made by viewFromUrl or on_url_view
    lang, path = view.lang, pathname or "/"
    info = fetch_dataset_facts(qctx)
    demo = info.get("synthetic") == "1"
    source = info.get(f"source_{lang}") or t("footer.source_live", lang)
    steps = lineage_steps(qctx, view.area) if view.area else []
    county = steps[0][1] if steps else ""
    hrefs = [path + to_query(view, area=code) for code, _ in steps]
    other = "en" if lang == "zh" else "zh"
    return (
        shell.navbar(lang, county, demo, path, path + to_query(view, lang=other),
                     to_query(view), who),
        shell.breadcrumb(steps, hrefs),
        shell.footer(lang, qctx.now, source, view.start, view.end),
    )


def update_page(want: dict[str, Any] | None, key: dict[str, str] | None) -> tuple[Any, ...]:
    """The page the browser asks for (``pageWanted`` of ``assets/clientside.js``: only when
    the path or the language changes, not on every view change) -> its layout; the big
    screen hides the office chrome, and the shell's labels (period presets, picker) follow the
    page's language. A kiosk session gets the big screen only."""
    want = want if isinstance(want, dict) else {}
    path = str(want.get("path") or "/")
    lang = normalise_lang(str(want.get("lang") or ""))
    if key == {"path": path, "lang": lang}:
        return (no_update,) * (3 + len(shell.SHELL_LABELS))
    user = current_user()
    body, new_key, chrome = page_outputs(path, lang, user is not None and user.role == "kiosk")
    return body, new_key, chrome, *shell.shell_labels(lang)


@cached_output
def page_outputs(path: str, lang: str, kiosk: bool) -> tuple[Any, dict[str, str], str]:
    """The layout of page ``path`` in ``lang`` (a kiosk session gets the big screen only),
    the page key and the shell's class."""
    new_key = {"path": path, "lang": lang}
    chrome = "app-shell screen-mode" if path == "/screen" else "app-shell"
    if kiosk and path != "/screen":
        body = shell.not_found(lang, path)
    elif path in PAGES:
        body = PAGES[path](lang)
    elif path in PLANNED:
        body = shell.coming_soon(lang)
    else:
        body = shell.not_found(lang, path)
    return body, new_key, chrome


def preset_range(name: str, last_day: date) -> tuple[date, date]:
    """The inclusive day range of a period preset, ending on the last day with data."""
    if name == "last7":
        return last_day - timedelta(days=6), last_day
    if name == "month":
        return last_day.replace(day=1), last_day
    if name == "year":
        return last_day.replace(month=1, day=1), last_day
    return last_day - timedelta(days=29), last_day


def on_preset(*args: Any) -> str:
    """A period preset (``*clicks, search, view``) -> a new URL (one history entry), keeping
    area, metric and language; the picker's own dates go to the URL in the browser
    (``periodToUrl``)."""
    *clicks, search, data = args
    view = View.from_store(data)
    names = {ids.preset(name): name for name in shell.PRESETS}
    trigger = ctx.triggered_id
    if trigger not in names or not any(clicks):
        return no_update
    new_start, new_end = preset_range(names[trigger], last_full_day(query_context()))
    if (new_start, new_end) == (view.start, view.end):
        return no_update
    current = parse_query(search)
    return to_query(replace(current, start=new_start, end=new_end, problems=()))


def register(app: Dash) -> None:
    # the URL -> the view: in the browser for a move within the page (a drill-down, the
    # metric, the period: the panels' requests then go out at once), else asked of the server
    app.clientside_callback(
        ClientsideFunction(namespace="countydash", function_name="view_from_url"),
        Output(ids.Shell.VIEW, "data"), Output(ids.Shell.ALERT, "children"),
        Output(ids.Shell.VIEW_URL, "data"), Output(ids.Shell.VIEW_ASK, "data"),
        Output(ids.Shell.PANEL_VIEW, "data"),
        Input(ids.Shell.URL, "search"), State(ids.Shell.VIEW, "data"),
        State(ids.Shell.VIEW_URL, "data"), State(ids.Shell.PANEL_VIEW, "data"),
    )
    app.callback(
        Output(ids.Shell.VIEW, "data", allow_duplicate=True),
        Output(ids.Shell.ALERT, "children", allow_duplicate=True),
        Output(ids.Shell.PANEL_VIEW, "data", allow_duplicate=True),
        Input(ids.Shell.VIEW_ASK, "data"), State(ids.Shell.VIEW, "data"),
        State(ids.Shell.PANEL_VIEW, "data"), prevent_initial_call=True,
    )(on_url_view)
    app.callback(
        Output(ids.Shell.NAVBAR, "children"), Output(ids.Shell.BREADCRUMB, "children"),
        Output(ids.Shell.FOOTER, "children"),
        Input(ids.Shell.PANEL_VIEW, "data"), State(ids.Shell.VIEW, "data"),
        State(ids.Shell.URL, "pathname"),
        # the view is always set after a page's first URL: no call before it
        prevent_initial_call=True,
    )(update_navbar)
    # the view's metric -> the links to views (navbar, language switch, breadcrumb), in the
    # browser: a metric change asks the server for no navbar
    app.clientside_callback(
        ClientsideFunction(namespace="countydash", function_name="link_metric"),
        Output(ids.Shell.view_link(ALL), "href"),  # type: ignore[arg-type]
        Input(ids.Shell.VIEW, "data"),
        State(ids.Shell.view_link(ALL), "href"),  # type: ignore[arg-type]
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="countydash", function_name="page_wanted"),
        Output(ids.Shell.PAGE_WANT, "data"),
        Input(ids.Shell.URL, "pathname"), Input(ids.Shell.VIEW, "data"),
        State(ids.Shell.PAGE_KEY, "data"),
    )
    app.callback(
        Output(ids.Shell.PAGE, "children"), Output(ids.Shell.PAGE_KEY, "data"),
        Output(ids.Shell.ROOT, "className"),
        *(Output(cid, prop) for cid, prop in shell.SHELL_LABELS),
        Input(ids.Shell.PAGE_WANT, "data"), State(ids.Shell.PAGE_KEY, "data"),
        # asked by pageWanted (its first call included): its own first call would build
        # the page a second time
        prevent_initial_call=True,
    )(update_page)
    # the view -> the period picker's dates (back/forward and fresh URLs included), in the
    # browser (assets/clientside.js): no request of its own
    app.clientside_callback(
        ClientsideFunction(namespace="countydash", function_name="picker_dates"),
        Output(ids.Shell.PERIOD, "start_date"), Output(ids.Shell.PERIOD, "end_date"),
        Input(ids.Shell.VIEW, "data"), State(ids.Shell.PERIOD, "start_date"),
        State(ids.Shell.PERIOD, "end_date"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="countydash", function_name="period_to_url"),
        Output(ids.Shell.URL, "search"),
        Input(ids.Shell.PERIOD, "start_date"), Input(ids.Shell.PERIOD, "end_date"),
        State(ids.Shell.URL, "search"), State(ids.Shell.VIEW, "data"),
        prevent_initial_call=True,
    )
    app.callback(
        Output(ids.Shell.URL, "search", allow_duplicate=True),
        *(Input(ids.preset(name), "n_clicks") for name in shell.PRESETS),
        State(ids.Shell.URL, "search"), State(ids.Shell.VIEW, "data"),
        # the buttons are in the shell from the start: no call on a page load
        prevent_initial_call=True,
    )(on_preset)
