"""The audit log page: county users see the latest records; everyone else sees a refusal."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output

from callbacks.context import query_context
from dashboard import ids
from dashboard.auth import current_user
from dashboard.view import View
from layouts import audit
from queries.users import fetch_audit


def update_audit(data: dict[str, Any] | None) -> object:
    """Page load -> the audit table (county role only)."""
    lang = View.from_store(data).lang
    user = current_user()
    if user is None or user.role != "county":
        return audit.forbidden(lang)
    return audit.audit_table(fetch_audit(query_context().engine), lang)


def register(app: Dash) -> None:
    app.callback(Output(ids.Audit.TABLE, "children"), Input(ids.Shell.VIEW, "data"))(
        update_audit)
