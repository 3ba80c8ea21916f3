"""The one place that builds the app: settings, database, cache, layout, callbacks."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import dash
from dash import Dash
from flask import request

from dashboard import db, migrate
from dashboard.auth import init_auth
from dashboard.cache import cache, init_write_behind
from dashboard.export_routes import register_export_routes
from dashboard.glyphs import register_glyph_route, register_style_route
from dashboard.i18n import t
from dashboard.rules import load_rules, rules_fingerprint
from dashboard.settings import Settings

ASSETS = Path(__file__).parent / "assets"


class DatabaseNotReady(RuntimeError):
    """The configured database has no schema yet."""


class ServerTiming:
    """WSGI middleware: a ``Server-Timing: app;dur=<ms>`` header on every response, the time
    from the request's arrival in the app to its response ready (the guard, the callback, the
    cache, the JSON and the compression; not the HTTP transport around them). Flask calls
    ``start_response`` once the response is complete, so the header is added there. Off by
    default (``COUNTYDASH_SERVER_TIMING=1``): the benchmark reads it as the server time."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        started = time.perf_counter()

        def timed(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            ms = (time.perf_counter() - started) * 1e3
            headers.append(("Server-Timing", f"app;dur={ms:.3f}"))
            return start_response(status, headers, exc_info)

        return self.app(environ, timed)


def create_app(settings: Settings | None = None) -> Dash:
    """Build a Dash app for ``settings`` (default: read from the environment).

    The embedded default creates its SQLite file with the demo county on first run; any other
    database must have been created with ``countydash init`` (this never writes to it).
    """
    from callbacks import register_all
    from layouts import audit, overview, screen, shell, warnings
    from layouts import cases as cases_layout
    from layouts import coverage as coverage_layout

    settings = settings or Settings.from_env()
    rules = load_rules(settings.rules_path or None)  # an invalid file stops startup here
    engine = db.get_engine(settings.database_url)
    if settings.embedded:
        from dashboard.setup import ensure_embedded

        ensure_embedded(engine, Path(engine.url.database or "countydash.sqlite"),
                        settings.demo_seed)
    elif not migrate.is_initialised(engine):
        raise DatabaseNotReady(
            "the database at DATABASE_URL has no countydash schema: run `countydash init`"
        )

    app = Dash(
        __name__,
        assets_folder=str(ASSETS),
        serve_locally=True,
        compress=True,
        suppress_callback_exceptions=True,
        title=t("app.title", settings.default_lang),
        update_title=None,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    server = app.server
    server.config["COUNTYDASH_SETTINGS"] = settings
    server.config["COUNTYDASH_RULES"] = rules
    server.config["COUNTYDASH_RULES_VERSION"] = rules_fingerprint(rules)
    server.config["SECRET_KEY"] = settings.secret_key
    cache.init_app(server, config=settings.cache_config())
    init_write_behind(server)
    register_glyph_route(server)
    register_style_route(server, settings.map_tile_url)
    register_export_routes(server)
    init_auth(server, engine, settings.session_minutes, settings.secure_cookie,
              functools.partial(_login_page, engine, settings),
              generic=db.get_engine(settings.database_url, db.GENERIC))
    app.layout = shell.layout
    app.validation_layout = dash.html.Div([shell.layout(), overview.page(), audit.page(),
                                           warnings.page(), screen.page(),
                                           coverage_layout.page(),
                                           coverage_layout.overview_panel(),
                                           cases_layout.page(), cases_layout.definitions_page()])
    register_all(app)
    if settings.server_timing:
        server.wsgi_app = ServerTiming(server.wsgi_app)  # type: ignore[method-assign]
    return app


def _login_page(engine: object, settings: Settings, *, error: str | None,
                next_path: str) -> str:
    """The login page in the language the URL asks for; demo accounts only on demo data."""
    from dashboard.i18n import normalise_lang
    from dashboard.setup import DEMO_ACCOUNTS
    from layouts.login import render_login

    lang = normalise_lang(request.args.get("lang") or settings.default_lang)
    from queries.stamp import meta

    demo = meta(engine).get("synthetic") == "1"  # type: ignore[arg-type]
    return render_login(lang, error, next_path, list(DEMO_ACCOUNTS) if demo else [])
