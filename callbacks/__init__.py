"""The wiring: one module per page or feature, each with ``register(app)``."""

from __future__ import annotations

from dash import Dash


def register_all(app: Dash) -> None:
    """Bind every callback of the app (called once per app by the factory)."""
    from callbacks import (
        audit,
        cases,
        coverage,
        export,
        map,
        overview,
        screen,
        shell,
        warnings,
    )

    for module in (shell, overview, map, audit, warnings, coverage, screen, cases, export):
        module.register(app)
