"""The export bar: view -> the download links of the charts and the briefing pack (written
in the browser; :func:`update_export_links` is the definition its twin and tests use)."""

from __future__ import annotations

from typing import Any

from dash import ALL, ClientsideFunction, Dash, Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.view import View, to_query


def export_href(target: str, view: View) -> str:
    """The download URL of ``target`` (``map.png``, ``brief.pdf``, ...) for ``view``."""
    return f"/export/{_path(target)}{to_query(view, problems=())}"


def _path(target: str) -> str:
    return target if target.startswith("brief.") else f"chart/{target}"


def update_export_links(data: dict[str, Any] | None, link_ids: list[dict[str, str]]
                        ) -> list[str]:
    """View -> every export link's href (area, period, metric and language of the page)."""
    # no database here: the export routes check the area against the caller's scope
    view = View.from_store(data)
    if not (view.area and view.start and view.end):
        raise PreventUpdate
    return [export_href(i["index"], view) for i in link_ids or []]


def register(app: Dash) -> None:
    # in the browser (exportLinks of assets/clientside.js, which writes what
    # update_export_links writes: tests/browser/test_clientside.py): no request of its own
    app.clientside_callback(
        ClientsideFunction(namespace="countydash", function_name="export_links"),
        Output(ids.Export.link(ALL), "href"),  # type: ignore[arg-type]
        Input(ids.Shell.VIEW, "data"),
        State(ids.Export.link(ALL), "id"),  # type: ignore[arg-type]
    )
