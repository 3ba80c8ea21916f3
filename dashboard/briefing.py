"""Exported charts and the briefing pack: content as data first, then PPTX or PDF.

:func:`build_brief` gathers the pack's content into a :class:`Brief`
(text already formatted the Chinese way, chart images already rendered); :func:`to_pptx` and
:func:`to_pdf` only lay it out. The PDF is an HTML page printed by Debian's headless chromium,
so its text stays text (searchable, ``pdftotext`` reads it).

Layouts and queries are imported inside the functions: ``dashboard`` does not import
``layouts`` at module import (the app factory owns that order).
"""

from __future__ import annotations

import base64
import html
import io
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard import db
from dashboard.charts import ChartRequest, chart_figure
from dashboard.export import EXPORT_FONT, RENDERER, footer_text, prepare
from dashboard.formats import fmt_datetime, fmt_period
from dashboard.i18n import t
from dashboard.rules import RuleSet
from queries.context import QueryContext

#: Charts in the pack, in order, with the heading key of their slide / page.
BRIEF_CHARTS: tuple[tuple[str, str], ...] = (
    ("map", "export.brief.map"), ("stages", "export.brief.stages"),
    ("categories", "export.brief.categories"), ("coverage", "export.brief.coverage"),
)
BRIEF_KPIS: tuple[str, ...] = ("cases", "open_now", "overdue_now", "completion_rate",
                               "within_sla_rate", "median_hours", "p90_hours", "reopen_rate",
                               "mean_satisfaction")
WARNING_ROWS = 10  # rows of the warning list in the pack; the rest are counted
MAX_DAYS = 3 * 366
CHROMIUM = os.environ.get("BROWSER_PATH", "/usr/bin/chromium")


class ExportError(ValueError):
    """The request cannot be served (unknown area, bad period); ``key`` is an i18n key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def check_request(ctx: QueryContext, area: str, start: date, end: date) -> dict[str, Any]:
    """The area row if ``area`` is visible to the caller and the period is sane."""
    from queries.areas import fetch_area

    if start > end or (end - start).days > MAX_DAYS:
        raise ExportError("export.error.period")
    row = fetch_area(ctx, area)
    if row is None:
        raise ExportError("export.error.area")
    return row


# --- the pack's content -----------------------------------------------------------------

@dataclass
class Brief:
    """Everything the pack shows, formatted; charts as PNG bytes (1920 x 1080)."""

    lang: str
    title: str
    area_name: str
    period: str
    as_of: str
    prepared: str
    demo: bool
    source: str
    kpis: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    charts: list[tuple[str, str, bytes]] = field(default_factory=list)
    coverage_note: str = ""
    warnings_summary: str = ""
    warnings: list[tuple[str, str, str, str]] = field(default_factory=list)
    warnings_more: str = ""
    notes: list[str] = field(default_factory=list)
    footer: str = ""
    names: list[str] = field(default_factory=list)  # area names shown (for checks)


def kpi_rows(ctx: QueryContext, area: str, start: date, end: date, lang: str
             ) -> list[tuple[str, str, str, str, str]]:
    """(label, value, unit, 环比, 同比) per headline KPI, formatted as on the cases page."""
    from layouts.cases import KPI_KINDS, UNITS, delta, format_value
    from queries.case_analytics import fetch_kpi_comparison

    comparison = fetch_kpi_comparison(ctx, area, start, end)
    rows = []
    for name in BRIEF_KPIS:
        value = comparison["current"].get(name)
        prev, _ = delta(name, value, comparison["previous"].get(name), lang)
        year, _ = delta(name, value, comparison["year_ago"].get(name), lang)
        rows.append((t(f"cases.kpi.{name}", lang), format_value(name, value, lang),
                     t(UNITS[KPI_KINDS[name][0]], lang), prev, year))
    return rows


def warning_rows(ctx: QueryContext, rules: RuleSet, area: str, lang: str
                 ) -> tuple[pd.DataFrame, list[tuple[str, str, str, str]]]:
    """Current warnings inside ``area``, most severe first, as (tier, type, name, reasons)."""
    from dashboard.tiers import current_warnings, within_area
    from layouts.warnings import reason_text
    from queries.areas import fetch_subtree_codes

    frame = within_area(current_warnings(ctx, rules), fetch_subtree_codes(ctx, area))
    frame = frame[frame["tier"].notna()].sort_values(["rank", "unit_type", "code"])
    rows = [(t(f"tier.{r['tier']}.long", lang), t(f"unit.{r['unit_type']}", lang),
             str(r["name"]), t("warnings.sep", lang).join(reason_text(x, lang)
                                                         for x in r["reasons"]))
            for r in frame.to_dict("records")]
    return frame, rows


def render_png(fig: go.Figure) -> bytes:
    """A chart image for the pack (no footer strip: the page carries the footer)."""
    return RENDERER.render(prepare(fig), "png")


def build_brief(ctx: QueryContext, rules: RuleSet, area: str, start: date, end: date,
                lang: str, username: str | None, when: datetime,
                metric: str | None = None) -> Brief:
    """The pack's content for ``area`` and the inclusive period, as the caller may see it."""
    from dashboard.indicators import as_key
    from layouts.coverage import fmt_gini, month_label
    from queries.areas import fetch_children, fetch_dataset_facts
    from queries.coverage import fetch_coverage_month, fetch_coverage_trend

    row = check_request(ctx, area, start, end)
    info = fetch_dataset_facts(ctx)
    name = str(row["name"])
    period = fmt_period(start, end, lang)
    as_of = fmt_datetime(ctx.now, lang)
    source = info.get(f"source_{lang}") or t("footer.source_live", lang)
    prepared = footer_text(username, when, lang)
    brief = Brief(lang=lang, title=t("export.brief.title", lang, area=name), area_name=name,
                  period=period, as_of=as_of, prepared=prepared,
                  demo=info.get("synthetic") == "1", source=source)
    brief.kpis = kpi_rows(ctx, area, start, end, lang)
    req = ChartRequest(area=area, start=start, end=end, lang=lang, metric=metric)
    for chart, heading in BRIEF_CHARTS:
        fig, metric_label = chart_figure(ctx, rules, chart, req)
        if chart == "map":
            heading_text = t(heading, lang, metric=metric_label.split("-", 1)[-1])
        else:
            heading_text = t(heading, lang)
        brief.charts.append((chart, heading_text, render_png(fig)))
    month = fetch_coverage_month(ctx, area, end)
    trend = fetch_coverage_trend(ctx, area, month, as_key()) if month else pd.DataFrame()
    if month and not trend.empty:
        last = trend.iloc[-1]
        gap = last["quintile_gap"]
        brief.coverage_note = t("export.brief.coverage_note", lang,
                                month=month_label(month, lang), gini=fmt_gini(last["gini"]),
                                gap="—" if pd.isna(gap) else f"{float(gap):.1f}",
                                judged=int(last["judged"]))
    else:
        brief.coverage_note = t("export.brief.coverage_none", lang)
    frame, rows = warning_rows(ctx, rules, area, lang)
    counts = frame["tier"].value_counts().to_dict()
    brief.warnings_summary = (t("export.brief.warnings_count", lang, n=len(rows),
                                red=counts.get("red", 0), yellow=counts.get("yellow", 0),
                                blue=counts.get("blue", 0))
                              if rows else t("export.brief.warnings_none", lang))
    brief.warnings = rows[:WARNING_ROWS]
    if len(rows) > WARNING_ROWS:
        brief.warnings_more = t("export.brief.warnings_more", lang, n=len(rows) - WARNING_ROWS)
    brief.notes = [t("export.brief.sources", lang, source=source),
                   t("export.brief.as_of", lang, as_of=as_of),
                   t("export.brief.defs", lang)]
    if brief.demo:
        brief.notes.insert(0, t("export.brief.demo", lang))
    brief.footer = t("export.brief.footer", lang, area=name, period=period, as_of=as_of,
                     source=source, exported=prepared)
    brief.names = [name, *fetch_children(ctx, area)["name"].astype(str)]
    return brief


# --- PPTX -------------------------------------------------------------------------------

def _font(run: Any, size: float, bold: bool = False, colour: str = "1B2430") -> None:
    from pptx.dml.color import RGBColor
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = "Noto Sans CJK SC"
    run.font.color.rgb = RGBColor.from_string(colour)
    rpr = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):  # the East Asian face is what PowerPoint uses for 汉字
        el = rpr.find(qn(tag))
        if el is None:
            el = rpr.makeelement(qn(tag), {})
            rpr.append(el)
        el.set("typeface", "Noto Sans CJK SC")


def _text(slide: Any, left: float, top: float, width: float, height: float,
          lines: list[str], size: float, bold: bool = False, colour: str = "1B2430") -> None:
    from pptx.util import Inches

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = line
        _font(run, size, bold, colour)


def _table(slide: Any, top: float, header: list[str], rows: list[tuple[str, ...]],
           widths: list[float], size: float = 12) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Inches

    shape = slide.shapes.add_table(len(rows) + 1, len(header), Inches(0.5), Inches(top),
                                   Inches(sum(widths)), Inches(0.3 * (len(rows) + 1)))
    table = shape.table
    for j, w in enumerate(widths):
        table.columns[j].width = Inches(w)
    for i, values in enumerate([tuple(header), *rows]):
        for j, value in enumerate(values):
            cell = table.cell(i, j)
            cell.text = ""
            run = cell.text_frame.paragraphs[0].add_run()
            run.text = value
            _font(run, size, bold=i == 0, colour="FFFFFF" if i == 0 else "1B2430")
            cell.fill.solid()
            cell.fill.fore_color.rgb = RGBColor.from_string(
                "1F5FA8" if i == 0 else ("F4F7FB" if i % 2 else "FFFFFF"))


def _slide(prs: Any, brief: Brief, heading: str) -> Any:
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    _text(slide, 0.5, 0.3, 12.3, 0.7, [heading], 26, bold=True, colour="0B2545")
    _text(slide, 0.5, 7.0, 12.3, 0.4, [brief.footer], 9, colour="4A5566")
    return slide


def to_pptx(brief: Brief) -> bytes:
    """A 16:9 deck: title, KPIs, one slide per chart, warnings, sources and definitions."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    lang = brief.lang
    title = prs.slides.add_slide(prs.slide_layouts[6])
    _text(title, 0.8, 2.2, 11.7, 1.2, [brief.title], 40, bold=True, colour="0B2545")
    lines = [t("export.brief.period", lang, period=brief.period),
             t("export.brief.as_of", lang, as_of=brief.as_of), brief.prepared]
    if brief.demo:
        lines.append(t("export.brief.demo", lang))
    _text(title, 0.8, 3.6, 11.7, 2.0, lines, 18, colour="4A5566")
    slide = _slide(prs, brief, t("export.brief.kpis", lang))
    header = [t(f"export.brief.col.{c}", lang)
              for c in ("metric", "value", "unit", "previous", "year_ago")]
    _table(slide, 1.2, header, brief.kpis, [3.6, 2.0, 1.3, 2.7, 2.7], size=14)
    for chart, heading, png in brief.charts:
        slide = _slide(prs, brief, heading)
        # 9.4 in wide (16:9, 5.3 in high): room for a note above the footer
        slide.shapes.add_picture(io.BytesIO(png), Inches(1.97), Inches(1.05),
                                 width=Inches(9.4))
        if chart == "coverage":
            _text(slide, 0.5, 6.45, 12.3, 0.5, [brief.coverage_note], 13, colour="4A5566")
    slide = _slide(prs, brief, t("export.brief.warnings", lang))
    _text(slide, 0.5, 0.9, 12.3, 0.4, [brief.warnings_summary], 14, colour="4A5566")
    if brief.warnings:
        header = [t(f"export.brief.col.{c}", lang)
                  for c in ("tier", "unit_type", "name", "reasons")]
        _table(slide, 1.35, header, brief.warnings, [1.2, 1.5, 2.6, 7.0], size=10)
    if brief.warnings_more:
        _text(slide, 0.5, 6.6, 12.3, 0.4, [brief.warnings_more], 11, colour="4A5566")
    slide = _slide(prs, brief, t("export.brief.notes", lang))
    _text(slide, 0.5, 1.2, 12.3, 5.5, brief.notes, 15)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# --- PDF --------------------------------------------------------------------------------

PDF_CSS = """
@page { size: A4 landscape; margin: 12mm 14mm 16mm 14mm;
        @bottom-left { content: "%(footer)s"; font-family: %(font)s; font-size: 8pt;
                       color: #4a5566; vertical-align: top; padding-top: 2mm; }
        @bottom-right { content: counter(page) " / " counter(pages); font-family: %(font)s;
                        font-size: 8pt; color: #4a5566; vertical-align: top;
                        padding-top: 2mm; } }
html { font-family: %(font)s; color: #1b2430; font-size: 11pt; }
body { margin: 0; }
section { page-break-after: always; break-after: page; }
section:last-of-type { page-break-after: auto; break-after: auto; }
h1 { font-size: 30pt; color: #0b2545; margin: 40mm 0 8mm; }
h2 { font-size: 18pt; color: #0b2545; margin: 0 0 4mm; }
p.meta { font-size: 14pt; color: #4a5566; margin: 2mm 0; }
p.note { color: #4a5566; margin: 2mm 0; }
img.chart { display: block; width: 100%%; max-height: 150mm; object-fit: contain; }
table { border-collapse: collapse; width: 100%%; }
th { background: #1f5fa8; color: #fff; text-align: left; padding: 2mm 3mm; }
td { border-bottom: 1px solid #d8dee7; padding: 1.6mm 3mm; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
table.warnings { font-size: 9pt; }
table.warnings td:first-child { white-space: nowrap; font-weight: 700; }
table.warnings td:nth-child(2), table.warnings td:nth-child(3) { white-space: nowrap; }
"""


def to_html(brief: Brief) -> str:
    """The pack as one self-contained HTML page (charts inline), one section per page."""
    e = html.escape
    lang = brief.lang
    parts = [f"<section><h1>{e(brief.title)}</h1>"]
    parts += [f'<p class="meta">{e(x)}</p>' for x in (
        t("export.brief.period", lang, period=brief.period),
        t("export.brief.as_of", lang, as_of=brief.as_of), brief.prepared)]
    if brief.demo:
        parts.append(f'<p class="meta">{e(t("export.brief.demo", lang))}</p>')
    parts.append("</section>")
    header = "".join(f"<th>{e(t(f'export.brief.col.{c}', lang))}</th>"
                     for c in ("metric", "value", "unit", "previous", "year_ago"))
    body = "".join(f"<tr><td>{e(a)}</td><td class=num>{e(b)}</td><td>{e(c)}</td>"
                   f"<td class=num>{e(d)}</td><td class=num>{e(f)}</td></tr>"
                   for a, b, c, d, f in brief.kpis)
    parts.append(f"<section><h2>{e(t('export.brief.kpis', lang))}</h2>"
                 f"<table><tr>{header}</tr>{body}</table></section>")
    for chart, heading, png in brief.charts:
        src = "data:image/png;base64," + base64.b64encode(png).decode()
        note = (f'<p class="note">{e(brief.coverage_note)}</p>' if chart == "coverage" else "")
        parts.append(f"<section><h2>{e(heading)}</h2><img class=chart src=\"{src}\" "
                     f"alt=\"{e(heading)}\">{note}</section>")
    rows = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in r) + "</tr>"
                   for r in brief.warnings)
    header = "".join(f"<th>{e(t(f'export.brief.col.{c}', lang))}</th>"
                     for c in ("tier", "unit_type", "name", "reasons"))
    table = (f"<table class=warnings><tr>{header}</tr>{rows}</table>" if brief.warnings
             else "")
    more = f'<p class="note">{e(brief.warnings_more)}</p>' if brief.warnings_more else ""
    parts.append(f"<section><h2>{e(t('export.brief.warnings', lang))}</h2>"
                 f'<p class="note">{e(brief.warnings_summary)}</p>{table}{more}</section>')
    notes = "".join(f"<p>{e(n)}</p>" for n in brief.notes)
    parts.append(f"<section><h2>{e(t('export.brief.notes', lang))}</h2>{notes}</section>")
    html_lang = "zh-CN" if lang == "zh" else "en"
    footer = brief.footer.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    css = PDF_CSS % {"font": EXPORT_FONT, "footer": footer}
    return (f'<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8">'
            f"<title>{e(brief.title)}</title><style>{css}</style></head><body>"
            + "".join(parts) + "</body></html>")


def print_pdf(page: str, timeout: float = 120) -> bytes:
    """Print an HTML page to PDF with headless chromium (a process of its own, offline)."""
    with tempfile.TemporaryDirectory(prefix="countydash-pdf-") as tmp:
        src, out = Path(tmp) / "brief.html", Path(tmp) / "brief.pdf"
        src.write_text(page, encoding="utf-8")
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-quic",
               "--no-pdf-header-footer", f"--user-data-dir={Path(tmp) / 'profile'}",
               f"--print-to-pdf={out}", src.as_uri()]
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
        if not out.exists() or out.stat().st_size == 0:
            raise RuntimeError("chromium wrote no PDF")
        return out.read_bytes()


def to_pdf(brief: Brief) -> bytes:
    """The pack as an A4 landscape PDF (text as text, charts as 1920 px images)."""
    return print_pdf(to_html(brief))


def render_brief(brief: Brief, fmt: str) -> bytes:
    if fmt == "pptx":
        return to_pptx(brief)
    if fmt == "pdf":
        return to_pdf(brief)
    raise ValueError(f"unknown briefing format {fmt!r}")


def brief_filename(brief: Brief, start: date, end: date, fmt: str) -> str:
    from dashboard.export import export_filename

    return export_filename(brief.area_name, t("export.brief", brief.lang), start, end, fmt)


def describe(area: str, start: date, end: date) -> dict[str, str]:
    """The audit detail of an export request."""
    return {"area": area, "from": start.isoformat(), "to": end.isoformat()}


def run_cli(args: Any, settings: Any) -> int:
    """``countydash brief --area CODE --from D --to D --out FILE [--lang] [--user]``.

    Without ``--user`` the pack is county-wide (the operator of the server); with it, the
    pack holds only what that user may see. Written to the audit log either way.
    """
    import getpass

    from dashboard.auth import load_user
    from dashboard.rules import load_rules
    from queries.context import Scope
    from queries.users import write_audit

    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pptx", "pdf"):
        raise ValueError("--out must end in .pptx or .pdf")
    engine = db.get_engine(settings.database_url)
    scope, who = Scope(), f"cli:{getpass.getuser()}"
    if args.user:
        user = load_user(engine, args.user)
        if user is None:
            raise ValueError(f"no active user named {args.user!r}")
        scope, who = user.scope(), args.user
    ctx = QueryContext(engine=engine, scope=scope, min_sample=settings.min_sample)
    try:
        brief = build_brief(ctx, load_rules(settings.rules_path or None), args.area,
                            args.start, args.end, args.lang, who,
                            datetime.now().replace(second=0, microsecond=0))
    except ExportError as exc:
        raise ValueError(f"{t(exc.key, 'en')}: {args.area}") from exc
    body = render_brief(brief, fmt)
    out.write_bytes(body)
    write_audit(engine, "export", who, None,
                {"kind": "brief", "format": fmt, **describe(args.area, args.start, args.end),
                 "bytes": len(body), "via": "cli"})
    print(f"wrote {out} ({len(body) // 1024} KB)")
    return 0
