"""Download routes: one chart as PNG / SVG, the briefing pack as PPTX / PDF.

``GET /export/chart/<chart>.<png|svg>?area=&from=&to=&metric=&lang=`` and
``GET /export/brief.<pptx|pdf>?area=&from=&to=&metric=&lang=``.

Plain GET links, not Dash callbacks: the browser downloads the file itself while the page
stays live. Each export runs in the request's own worker thread (gunicorn ``--threads`` or
several workers), so other users' callbacks keep flowing; only the kaleido calls of exports
queue behind one lock (~0.3 s per chart), and the PDF is printed by a chromium process of its
own. Every figure is fetched with the caller's scope: an area outside it answers 404 with
nothing in it. Every export (and every refused one) is written to the audit log.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import quote

from flask import Flask, Response, abort, current_app, request, send_file

from dashboard import db
from dashboard.auth import User, current_user
from dashboard.briefing import (
    ExportError,
    brief_filename,
    build_brief,
    check_request,
    describe,
    render_brief,
)
from dashboard.charts import CHARTS, NOW_CHARTS, ChartRequest, chart_figure
from dashboard.export import export_filename, export_image, footer_text
from dashboard.formats import fmt_datetime, fmt_period
from dashboard.i18n import t
from dashboard.view import View, parse_query
from queries.context import QueryContext
from queries.users import write_audit

MIMETYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def _context(user: User) -> QueryContext:
    settings = current_app.config["COUNTYDASH_SETTINGS"]
    return QueryContext(engine=db.get_engine(settings.database_url), scope=user.scope(),
                        min_sample=settings.min_sample)


def _request_view(ctx: QueryContext, user: User) -> View:
    """The view of the query string; missing area = the caller's root, missing period = the
    30 days up to the data's as-of day (as the pages do)."""
    from queries.areas import fetch_roots

    view = parse_query(request.query_string.decode("utf-8", "replace"))
    if view.area is None:
        roots = fetch_roots(ctx)
        if roots.empty:
            abort(404)
        view = replace(view, area=str(roots["code"].iloc[0]))
    return view.with_period((ctx.now - timedelta(seconds=1)).date())


def _refuse(ctx: QueryContext, user: User, detail: dict[str, object], key: str) -> Response:
    write_audit(ctx.engine, "export_denied", user.username, request.remote_addr,
                {**detail, "reason": key})
    status = 404 if key == "export.error.area" else 400
    return Response(t(key, "zh") + " / " + t(key, "en"), status=status, mimetype="text/plain")


def _send(body: bytes, fmt: str, name: str, ascii_name: str) -> Response:
    """The file as a download named ``name`` (UTF-8), ``ascii_name`` for old clients (Flask's
    own fallback strips every Chinese character and leaves ``__2026-11-01_...``)."""
    resp = send_file(io.BytesIO(body), mimetype=MIMETYPES[fmt], as_attachment=True,
                     download_name=name, max_age=0)
    resp.headers["Content-Disposition"] = (
        f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(name, safe="")}')
    resp.headers["Cache-Control"] = "no-store"
    return resp


def export_chart(chart: str, fmt: str) -> Response:
    """One chart of the caller's view as a 1920 px PNG or an SVG, with the export footer."""
    user = current_user()
    if user is None or user.role == "kiosk":
        abort(403)
    if chart not in CHARTS or fmt not in ("png", "svg"):
        abort(404)
    ctx = _context(user)
    view = _request_view(ctx, user)
    assert view.area and view.start and view.end
    detail: dict[str, object] = {"kind": "chart", "chart": chart, "format": fmt,
                                 **describe(view.area, view.start, view.end)}
    try:
        area = check_request(ctx, view.area, view.start, view.end)
    except ExportError as exc:
        return _refuse(ctx, user, detail, exc.key)
    rules = current_app.config["COUNTYDASH_RULES"]
    req = ChartRequest(area=view.area, start=view.start, end=view.end, lang=view.lang,
                       metric=view.metric, cat=view.cat, src=view.src)
    fig, name = chart_figure(ctx, rules, chart, req)
    when = datetime.now().replace(second=0, microsecond=0)
    # a chart of the backlog now says when "now" is, not the period it does not use
    start, end = view.start, view.end
    if chart in NOW_CHARTS:
        start = end = (ctx.now - timedelta(seconds=1)).date()
        period = t("export.as_of", view.lang, as_of=fmt_datetime(ctx.now, view.lang))
    else:
        period = fmt_period(start, end, view.lang)
    title = t("export.title_line", view.lang, area=area["name"], chart=name.replace("-", " · "),
              period=period)
    body = export_image(fig, fmt, footer_text(user.username, when, view.lang), title=title)
    write_audit(ctx.engine, "export", user.username, request.remote_addr,
                {**detail, "bytes": len(body)})
    return _send(body, fmt, export_filename(str(area["name"]), name, start, end, fmt),
                 export_filename(view.area, chart, start, end, fmt))


def export_brief(fmt: str) -> Response:
    """The briefing pack of the caller's view as PPTX or PDF."""
    user = current_user()
    if user is None or user.role == "kiosk":
        abort(403)
    if fmt not in ("pptx", "pdf"):
        abort(404)
    ctx = _context(user)
    view = _request_view(ctx, user)
    assert view.area and view.start and view.end
    detail: dict[str, object] = {"kind": "brief", "format": fmt,
                                 **describe(view.area, view.start, view.end)}
    rules = current_app.config["COUNTYDASH_RULES"]
    when = datetime.now().replace(second=0, microsecond=0)
    try:
        brief = build_brief(ctx, rules, view.area, view.start, view.end, view.lang,
                            user.username, when, view.metric)
    except ExportError as exc:
        return _refuse(ctx, user, detail, exc.key)
    body = render_brief(brief, fmt)
    write_audit(ctx.engine, "export", user.username, request.remote_addr,
                {**detail, "bytes": len(body)})
    return _send(body, fmt, brief_filename(brief, view.start, view.end, fmt),
                 export_filename(view.area, "brief", view.start, view.end, fmt))


def register_export_routes(server: Flask) -> None:
    """Install the download routes (idempotent: a second call does nothing)."""
    if "countydash_export_chart" in server.view_functions:
        return
    server.add_url_rule("/export/chart/<chart>.<fmt>", "countydash_export_chart",
                        export_chart, methods=["GET"])
    server.add_url_rule("/export/brief.<fmt>", "countydash_export_brief", export_brief,
                        methods=["GET"])
