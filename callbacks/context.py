"""What a callback needs from the running app: its settings and the caller's query context."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app

from dashboard import db
from dashboard.settings import Settings
from queries.context import QueryContext, Scope


def settings() -> Settings:
    return current_app.config["COUNTYDASH_SETTINGS"]  # type: ignore[no-any-return]


def current_scope() -> Scope:
    """The caller's scope (the whole county until login lands)."""
    return Scope()


def query_context() -> QueryContext:
    """A fresh per-request query context; nothing of it outlives the request."""
    s = settings()
    return QueryContext(engine=db.get_engine(s.database_url), scope=current_scope(),
                        min_sample=s.min_sample)


def last_full_day(ctx: QueryContext) -> date:
    """The last day with data: the as-of instant minus a moment."""
    return (ctx.now - timedelta(seconds=1)).date()
