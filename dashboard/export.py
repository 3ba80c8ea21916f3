"""Server-side chart images: one headless browser per process, a footer, a file name.

Kaleido 1.x drives Debian's ``/usr/bin/chromium`` (found by itself; nothing is downloaded)
with the plotly.js bundled in the plotly wheel and MathJax off, so an export needs no network.
Chinese text is drawn with the CJK font the set-up installs (``fonts-noto-cjk``), which every
export figure names first in its font family.

One kaleido browser is kept per process (~0.3 s per image after the first, which starts the
browser: ~4 s). It is a process resource like the database pool, not request state, and it is
not thread-safe (concurrent calls swap results), so :data:`RENDERER` serialises calls with a
lock: a request that renders waits only for other *exports*, never for Dash callbacks.

The "who exported it, when" footer is added after rendering - a strip of 36 px (CSS) under the
image - so that it never overlaps axis labels whatever margins plotly chose.
"""

from __future__ import annotations

import copy
import io
import re
import subprocess
import threading
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import plotly.graph_objects as go

from dashboard.formats import fmt_datetime
from dashboard.i18n import t

CJK_FAMILY = "Noto Sans CJK SC"
#: Font stack of exported figures: the installed CJK face first, then what a desktop has.
EXPORT_FONT = f"{CJK_FAMILY}, Source Han Sans SC, Microsoft YaHei, sans-serif"
#: Layout size (CSS px) of an exported chart; PNGs are drawn at SCALE: 1920 x 1080 px.
WIDTH, HEIGHT, SCALE = 1280, 720, 1.5
FOOTER_CSS_PX = 36
FOOTER_INK = "#4a5566"
FORMATS = ("png", "svg")
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


class Renderer:
    """Figure -> PNG/SVG bytes through one kaleido browser, one call at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started = False

    def _start(self) -> None:
        import kaleido

        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        self._started = True

    def _stop(self) -> None:
        import kaleido

        kaleido.stop_sync_server(silence_warnings=True)
        self._started = False

    def render(self, fig: go.Figure | dict[str, Any], fmt: str, width: int = WIDTH,
               height: int = HEIGHT, scale: float = SCALE) -> bytes:
        """The image of ``fig`` (``png`` or ``svg``); retried once on a fresh browser."""
        import kaleido

        if fmt not in FORMATS:
            raise ValueError(f"unknown image format {fmt!r}")
        spec = fig.to_dict() if isinstance(fig, go.Figure) else copy.deepcopy(fig)
        # WebGL traces would otherwise draw at twice the scale (slow in software GL)
        spec["config"] = {**spec.get("config", {}), "plotGlPixelRatio": scale}
        opts = {"format": fmt, "width": width, "height": height, "scale": scale}
        with self._lock:
            for attempt in (1, 2):
                if not self._started:
                    self._start()
                try:
                    return bytes(kaleido.calc_fig_sync(spec, opts=opts))
                except Exception:
                    self._stop()  # a dead or confused browser: start a fresh one
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            if self._started:
                self._stop()


#: The process's renderer (see the module docstring for why one, and why a lock).
RENDERER = Renderer()


def prepare(fig: go.Figure, title: str | None = None) -> go.Figure:
    """A copy of ``fig`` fit for a stand-alone image: white paper, CJK font, a title."""
    out = go.Figure(fig)
    out.update_layout(
        paper_bgcolor="#ffffff", font_family=EXPORT_FONT, width=None, height=None,
        hoverlabel_font_family=EXPORT_FONT,
    )
    if title:
        margin = out.layout.margin
        legend = out.layout.legend
        # a horizontal legend above the plot sits in the top margin: keep it off the title
        top = 64 + (32 if legend.orientation == "h" and (legend.y or 0) >= 1 else 0)
        out.update_layout(
            title={"text": title, "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top",
                   "font": {"size": 22, "family": EXPORT_FONT, "color": "#1b2430"}},
            margin={"t": max(int(margin.t or 0), top), "l": max(int(margin.l or 0), 16),
                    "r": max(int(margin.r or 0), 24), "b": max(int(margin.b or 0), 16)},
        )
    return out


@lru_cache(maxsize=4)
def font_file(family: str = CJK_FAMILY) -> tuple[str, int]:
    """Path and face index of the installed font fontconfig picks for ``family``."""
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}:%{index}", family], check=True,
                             capture_output=True, text=True, timeout=10).stdout
        path, _, index = out.rpartition(":")
        return path, int(index or 0)
    except (OSError, subprocess.SubprocessError, ValueError):
        return "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0


def png_footer(png: bytes, text: str, scale: float = SCALE) -> bytes:
    """``png`` with a white strip underneath holding ``text`` at the right."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.open(io.BytesIO(png)).convert("RGB")
    strip = round(FOOTER_CSS_PX * scale)
    out = Image.new("RGB", (img.width, img.height + strip), "#ffffff")
    out.paste(img, (0, 0))
    path, index = font_file()
    font = ImageFont.truetype(path, size=round(14 * scale), index=index)
    draw = ImageDraw.Draw(out)
    draw.line([(0, img.height), (img.width, img.height)], fill="#d8dee7", width=1)
    draw.text((img.width - round(16 * scale), img.height + strip // 2), text, fill=FOOTER_INK,
              font=font, anchor="rm")
    buf = io.BytesIO()
    out.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg_footer(svg: bytes, text: str, width: int = WIDTH, height: int = HEIGHT,
               scale: float = SCALE) -> bytes:
    """``svg`` one footer strip taller, the strip holding ``text`` (as text, not paths).

    The drawing is in CSS px (``viewBox``); its display size is ``scale`` times that, as the
    PNG's, so both exports open at the same 1920 px width.
    """
    doc = svg.decode("utf-8")
    total = height + FOOTER_CSS_PX
    doc = re.sub(r'(<svg[^>]*?)\swidth="[^"]*"', rf'\1 width="{round(width * scale)}"', doc,
                 count=1)
    doc = re.sub(r'(<svg[^>]*?)\sheight="[^"]*"', rf'\1 height="{round(total * scale)}"', doc,
                 count=1)
    doc = re.sub(r'(<svg[^>]*?)\sviewBox="[^"]*"', rf'\1 viewBox="0 0 {width} {total}"', doc,
                 count=1)
    strip = (f'<g class="export-footer"><rect x="0" y="{height}" width="{width}" '
             f'height="{FOOTER_CSS_PX}" fill="#ffffff"/>'
             f'<line x1="0" y1="{height}" x2="{width}" y2="{height}" stroke="#d8dee7"/>'
             f'<text x="{width - 16}" y="{height + FOOTER_CSS_PX / 2}" text-anchor="end" '
             f'dominant-baseline="central" font-family="{EXPORT_FONT}" font-size="14" '
             f'fill="{FOOTER_INK}">{_xml_escape(text)}</text></g>')
    idx = doc.rfind("</svg>")
    return (doc[:idx] + strip + doc[idx:]).encode("utf-8")


def footer_text(username: str | None, when: datetime, lang: str = "zh") -> str:
    """导出：<user> · <YYYY年M月D日 HH:MM>."""
    return t("export.footer", lang, user=username or "-", when=fmt_datetime(when, lang))


def export_image(fig: go.Figure, fmt: str, footer: str, *, title: str | None = None,
                 width: int = WIDTH, height: int = HEIGHT, scale: float = SCALE) -> bytes:
    """The finished export of ``fig``: titled, rendered, with the footer strip."""
    raw = RENDERER.render(prepare(fig, title), fmt, width, height, scale)
    if fmt == "png":
        return png_footer(raw, footer, scale)
    return svg_footer(raw, footer, width, height, scale)


def safe_part(text: str) -> str:
    """A piece of a file name: no path separators, quotes or spaces."""
    return _UNSAFE.sub("-", text).strip("-.") or "-"


def export_filename(area: str, what: str, start: date, end: date, ext: str) -> str:
    """``<area>_<what>_<from>_<to>.<ext>``, e.g. ``盘山县_案件分类_2026-10-24_2026-11-22.png``."""
    dates = [start.isoformat()] if start == end else [start.isoformat(), end.isoformat()]
    parts = [safe_part(area), safe_part(what), *dates]
    return "_".join(parts) + "." + ext
