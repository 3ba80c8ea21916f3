"""What a callback needs from the running app: its settings and the caller's query context."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, ParamSpec, TypeVar

from dash import no_update
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate
from flask import current_app, g, has_request_context
from plotly.graph_objs import Figure

from dashboard import db
from dashboard.auth import current_user
from dashboard.cache import cache_active, memoised
from dashboard.settings import Settings
from dashboard.view import View
from queries.areas import fetch_area
from queries.context import QueryContext, Scope


def settings() -> Settings:
    return current_app.config["COUNTYDASH_SETTINGS"]  # type: ignore[no-any-return]


def current_scope() -> Scope:
    """The caller's scope, from the session user (or kiosk token) the request guard loaded.

    No user means no access at all: an empty scope sees nothing.
    """
    user = current_user()
    return user.scope() if user is not None else Scope(roots=())


def query_context() -> QueryContext:
    """The request's query context (one per request and scope, so the data version and the
    as-of instant are read once per request); nothing of it outlives the request."""
    s = settings()
    scope = current_scope()
    held = g.get("countydash_qctx") if has_request_context() else None
    if held is not None and held.scope == scope and held.min_sample == s.min_sample:
        return held  # type: ignore[no-any-return]
    qctx = QueryContext(engine=db.get_engine(s.database_url), scope=scope,
                        min_sample=s.min_sample,
                        generic=db.get_engine(s.database_url, db.GENERIC),
                        stamp=g.get("countydash_stamp") if has_request_context() else None)
    if has_request_context():
        g.countydash_qctx = qctx
    return qctx


P = ParamSpec("P")
R = TypeVar("R")


def plain(value: Any) -> Any:
    """``value`` with every plotly figure and Dash component as the plain JSON-ready dict Dash
    would send for it: cheap to pickle and unpickle (a go.Figure re-validates every property
    on unpickling, a component re-runs its constructor), and sent as it is. ``Figure`` is
    bound at import: ``go.Figure`` goes through plotly's lazy module ``__getattr__`` and its
    import machinery on every access (20 us, once per value walked: 1-2 ms a panel)."""
    if isinstance(value, Figure):
        return value.to_plotly_json()
    if isinstance(value, Component):
        js = value.to_plotly_json()
        js["props"] = {k: plain(v) for k, v in js["props"].items()}
        return js
    if isinstance(value, tuple | list):
        return type(value)(plain(v) for v in value)
    return value


def cached_output(fn: Callable[P, R] | None = None, *, on: str = "all"
                  ) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Memoise a callback's whole output on its arguments, the caller's scope, the data version
    and the as-of minute, in the shared query cache.

    For pure callbacks only: output a function of (arguments, scope, data). A warm request then
    costs the session check, one version query and a cache read, not the figure building
    (~100-500 ms for the map or the case distributions). Side effects (auditing a view of
    personal data) stay outside, in the callback that calls the cached part. ``on="coverage"``
    (callbacks that read coverage figures only, and not the as-of instant) keys on the
    coverage part of the version, so new cases leave them cached.
    """

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if not cache_active():
                return fn(*args, **kwargs)
            return memoised(f"out:{fn.__module__}.{fn.__qualname__}", query_context(), on,
                            args, kwargs, lambda: plain(fn(*args, **kwargs)))

        return wrapper

    return decorate if fn is None else decorate(fn)


def last_full_day(ctx: QueryContext) -> date:
    """The last day with data: the as-of instant minus a moment."""
    return (ctx.now - timedelta(seconds=1)).date()


def checked_view(data: dict[str, object] | None, qctx: QueryContext | None = None) -> View:
    """The view store parsed and re-checked against the caller's scope.

    The store comes from the browser and can be crafted: an area the caller may not see, or a
    view without an area or period, stops the callback (no output at all).
    """
    view = View.from_store(data)
    if not (view.area and view.start and view.end):
        raise PreventUpdate
    if fetch_area(qctx or query_context(), view.area) is None:
        raise PreventUpdate
    return view


def audit_pii_view(qctx: QueryContext, what: str, code: str) -> None:
    """Record that the caller saw personal fields unmasked (who, what, where, from where)."""
    from flask import request

    from queries.users import write_audit

    user = current_user()
    write_audit(qctx.engine, "pii_view", user.username if user else None, request.remote_addr,
                {"what": what, "area": code})


def changed(new: Any, current: Any) -> Any:
    """``new``, or ``no_update`` when the component already shows it. A property set to the
    value it has still fires every callback that listens to it: one more round of requests
    after each drill-down (the URL writers of the period and metric pickers and the case
    filters, which then find nothing to write)."""
    return no_update if new == current else new
