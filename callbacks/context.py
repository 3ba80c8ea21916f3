"""What a callback needs from the running app: its settings and the caller's query context."""

from __future__ import annotations

from datetime import date, timedelta

from dash.exceptions import PreventUpdate
from flask import current_app

from dashboard import db
from dashboard.auth import current_user
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
    """A fresh per-request query context; nothing of it outlives the request."""
    s = settings()
    return QueryContext(engine=db.get_engine(s.database_url), scope=current_scope(),
                        min_sample=s.min_sample)


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
