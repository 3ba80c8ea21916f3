"""Offline map glyphs: SDF glyph PBFs made from local fonts, served by the app itself.

MapLibre draws CJK ideographs, kana and full-width forms locally (``localIdeographFontFamily``),
but any other character in a map label (Latin letters, digits, punctuation) makes it fetch a
glyph range from the style's ``glyphs`` URL. plotly's built-in styles point that URL at a public
font server, which fails offline. This module

* generates MapLibre glyph PBFs (the fontnik / node-fontnik format: 24 px, 3 px buffer, signed
  distance field with radius 8 and cutoff 0.25) from fonts found on the machine, with
  ``freetype-py`` and numpy: ``python -m dashboard.glyphs build`` writes
  ``dashboard/glyphdata/<fontstack>/<start>-<end>.pbf`` deterministically;
* serves them at ``/glyphs/<fontstack>/<start>-<end>.pbf`` (:func:`register_glyph_route`),
  answering an empty but valid PBF for a range that was not generated, so MapLibre never sees
  a 404;
* builds a MapLibre style that uses that route and no network at all (:func:`offline_style`).

Serving needs neither freetype nor the fonts: only :func:`build` does.

The glyph protobuf (``glyphs.proto`` of mapbox/glyph-pbf-composite, read by MapLibre)::

    message glyph {
        required uint32 id = 1;
        optional bytes bitmap = 2;      // (width + 6) * (height + 6) bytes, rows top to bottom
        required uint32 width = 3;
        required uint32 height = 4;
        required sint32 left = 5;
        required sint32 top = 6;
        required uint32 advance = 7;
    }
    message fontstack {
        required string name = 1;
        required string range = 2;      // "start-end"
        repeated glyph glyphs = 3;
    }
    message glyphs { repeated fontstack stacks = 1; }
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from flask import Blueprint, Flask, Response, abort, send_file

if TYPE_CHECKING:  # pragma: no cover - typing only
    import freetype

# --- format constants (fontnik) -------------------------------------------------------------
#: Font size, in pixels, every glyph PBF is rendered at.
FONT_SIZE = 24
#: Blank border around each glyph bitmap, in pixels (MapLibre's ``GLYPH_PBF_BORDER``).
BUFFER = 3
#: Distance, in pixels, covered by the 0-255 range of the SDF.
SDF_RADIUS = 8.0
#: Fraction of the SDF range kept for the inside of the outline (edge value 191).
SDF_CUTOFF = 0.25
#: Distance from a glyph's origin down to its baseline, in pixels at :data:`FONT_SIZE`.
#:
#: fontnik uses the font's own ascender here (DejaVu Sans: 23). MapLibre draws CJK ideographs
#: locally with their baseline 27.5 px below the origin, so using the font's ascender would
#: raise digits and Latin letters by about 4.5 px against the ideographs in a mixed label such
#: as "第2网格". One constant for every font also keeps fallback glyphs on the same baseline.
BASELINE = 27
#: Bezier curves are flattened into this many line segments (quadratic, cubic).
CONIC_STEPS = 8
CUBIC_STEPS = 12

# --- what is generated ----------------------------------------------------------------------
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
NOTO_CJK_DIR = Path("/usr/share/fonts/opentype/noto")
#: Face of a ``NotoSansCJK-*.ttc`` collection preferred for fallback glyphs (Chinese shapes).
NOTO_CJK_FAMILY = "Noto Sans CJK SC"


@dataclass(frozen=True)
class FontSource:
    """Where one fontstack's glyphs come from.

    Parameters
    ----------
    primary : Path
        Font file tried first (DejaVu Sans).
    fallback : Path
        Font collection used for code points ``primary`` lacks (Noto Sans CJK).
    """

    primary: Path
    fallback: Path


#: The fontstacks plotly.js asks for: a ``Scattermap`` text trace's ``textfont`` becomes
#: "Open Sans Regular" (or "Open Sans Bold" for ``weight="bold"``) unless its family is one of
#: plotly's supported map fonts.
FONTSTACKS: dict[str, FontSource] = {
    "Open Sans Regular": FontSource(DEJAVU_DIR / "DejaVuSans.ttf",
                                    NOTO_CJK_DIR / "NotoSansCJK-Regular.ttc"),
    "Open Sans Bold": FontSource(DEJAVU_DIR / "DejaVuSans-Bold.ttf",
                                 NOTO_CJK_DIR / "NotoSansCJK-Bold.ttc"),
}
#: Glyph ranges generated for each fontstack, as (start, end) code points.
RANGES: tuple[tuple[int, int], ...] = (
    (0, 255),          # Basic Latin, Latin-1
    (256, 511),        # Latin Extended-A/B
    (8192, 8447),      # General Punctuation, super/subscripts, currency
    (12288, 12543),    # CJK Symbols and Punctuation, Hiragana, Katakana
    (65280, 65535),    # Halfwidth and Fullwidth Forms
)
#: Stack served for a fontstack that was not generated but names a bold-ish weight.
_BOLD_WORDS = ("Bold", "Extrabold", "Semibold", "Black", "Heavy")
GLYPHDATA_DIR = Path(__file__).resolve().with_name("glyphdata")

# --- serving --------------------------------------------------------------------------------
#: URL template put in the style's ``glyphs``. Root-relative: MapLibre resolves it against the
#: page, so it works on any host and port.
GLYPHS_URL = "/glyphs/{fontstack}/{range}.pbf"
BACKGROUND = "#f7f9fc"
PBF_MIMETYPE = "application/x-protobuf"
#: Browser cache lifetime of a glyph range, in seconds (30 days).
CACHE_MAX_AGE = 30 * 24 * 3600
MAX_CODEPOINT = 0x10FFFF
_FONTSTACK_RE = re.compile(r"[A-Za-z0-9 ,\-]{1,256}")


@dataclass(frozen=True)
class Glyph:
    """One rendered glyph, in the units of the glyph PBF.

    Parameters
    ----------
    id : int
        Unicode code point.
    bitmap : bytes
        SDF, ``(width + 2 * BUFFER) * (height + 2 * BUFFER)`` bytes, rows top to bottom;
        empty for a glyph without ink (a space).
    width, height : int
        Size of the ink box, without the buffer.
    left : int
        Horizontal offset of the ink box from the pen position.
    top : int
        Vertical offset of the ink box's top from the origin (``ink top - BASELINE``).
    advance : int
        Horizontal pen advance.
    """

    id: int
    bitmap: bytes
    width: int
    height: int
    left: int
    top: int
    advance: int


# === protobuf encoding ======================================================================

def _varint(value: int) -> bytes:
    """Encode a non-negative integer as a protobuf base-128 varint."""
    if value < 0:
        raise ValueError(f"varint must be non-negative, got {value}")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _zigzag(value: int) -> int:
    """Map a signed integer onto the unsigned one a ``sint32`` field stores."""
    if not -(2**31) <= value < 2**31:
        raise ValueError(f"sint32 out of range: {value}")
    return (value << 1) ^ (value >> 31)


def _key(field: int, wire_type: int) -> bytes:
    return _varint((field << 3) | wire_type)


def _uint_field(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def _sint_field(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(_zigzag(value))


def _bytes_field(field: int, value: bytes) -> bytes:
    return _key(field, 2) + _varint(len(value)) + value


def encode_glyph(glyph: Glyph) -> bytes:
    """Encode one ``glyph`` message (without its enclosing field key).

    Parameters
    ----------
    glyph : Glyph
        The glyph to encode; ``bitmap`` is omitted when empty, as fontnik does.

    Returns
    -------
    bytes
        The message body.
    """
    body = _uint_field(1, glyph.id)
    if glyph.bitmap:
        body += _bytes_field(2, glyph.bitmap)
    body += (_uint_field(3, glyph.width) + _uint_field(4, glyph.height)
             + _sint_field(5, glyph.left) + _sint_field(6, glyph.top)
             + _uint_field(7, glyph.advance))
    return body


def encode_glyphs_pbf(fontstack: str, start: int, end: int, glyphs: Iterable[Glyph]) -> bytes:
    """Encode a glyph range PBF holding one fontstack.

    Parameters
    ----------
    fontstack : str
        Name stored in the ``fontstack`` message.
    start, end : int
        First and last code point of the range (``range`` becomes ``"start-end"``).
    glyphs : Iterable[Glyph]
        Glyphs of the range; written in ascending code point order.

    Returns
    -------
    bytes
        The serialized ``glyphs`` message.
    """
    stack = _bytes_field(1, fontstack.encode("utf-8")) + _bytes_field(2, f"{start}-{end}".encode())
    for glyph in sorted(glyphs, key=lambda g: g.id):
        if not start <= glyph.id <= end:
            raise ValueError(f"glyph {glyph.id} is outside range {start}-{end}")
        stack += _bytes_field(3, encode_glyph(glyph))
    return _bytes_field(1, stack)


@lru_cache(maxsize=512)
def empty_glyphs_pbf(fontstack: str, start: int) -> bytes:
    """A valid glyph PBF for a 256-code-point range, with no glyphs in it.

    Parameters
    ----------
    fontstack : str
        Fontstack name to put in the PBF.
    start : int
        First code point of the range (a multiple of 256).

    Returns
    -------
    bytes
        The serialized ``glyphs`` message.
    """
    return encode_glyphs_pbf(fontstack, start, start + 255, ())


# === rendering ==============================================================================

def _round_half_away(value: float) -> int:
    """Round like C's ``std::round`` (halves away from zero), which fontnik uses."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _outline_segments(face: freetype.Face) -> np.ndarray:
    """The loaded glyph's outline flattened into line segments, shape (n, 4), in pixels."""
    rings: list[list[tuple[float, float]]] = []

    def move_to(a: Any, _ctx: Any) -> int:
        rings.append([(a.x / 64.0, a.y / 64.0)])
        return 0

    def line_to(a: Any, _ctx: Any) -> int:
        rings[-1].append((a.x / 64.0, a.y / 64.0))
        return 0

    def conic_to(b: Any, c: Any, _ctx: Any) -> int:
        x0, y0 = rings[-1][-1]
        x1, y1, x2, y2 = b.x / 64.0, b.y / 64.0, c.x / 64.0, c.y / 64.0
        for i in range(1, CONIC_STEPS + 1):
            t = i / CONIC_STEPS
            u = 1.0 - t
            rings[-1].append((u * u * x0 + 2 * u * t * x1 + t * t * x2,
                              u * u * y0 + 2 * u * t * y1 + t * t * y2))
        return 0

    def cubic_to(b: Any, c: Any, d: Any, _ctx: Any) -> int:
        x0, y0 = rings[-1][-1]
        x1, y1 = b.x / 64.0, b.y / 64.0
        x2, y2, x3, y3 = c.x / 64.0, c.y / 64.0, d.x / 64.0, d.y / 64.0
        for i in range(1, CUBIC_STEPS + 1):
            t = i / CUBIC_STEPS
            u = 1.0 - t
            rings[-1].append((
                u * u * u * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3,
                u * u * u * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3))
        return 0

    face.glyph.outline.decompose(None, move_to=move_to, line_to=line_to, conic_to=conic_to,
                                 cubic_to=cubic_to)
    segments: list[tuple[float, float, float, float]] = []
    for ring in rings:
        if len(ring) < 2:
            continue
        if ring[0] != ring[-1]:
            ring.append(ring[0])  # close the ring
        segments.extend((a[0], a[1], b[0], b[1]) for a, b in zip(ring, ring[1:], strict=False)
                        if a != b)
    return np.asarray(segments, dtype=np.float64).reshape(-1, 4)


def _sdf(segments: np.ndarray, width: int, height: int) -> bytes:
    """SDF bitmap of an outline already shifted into the buffered box, rows top to bottom.

    Parameters
    ----------
    segments : np.ndarray
        Line segments ``(x0, y0, x1, y1)``, y up, origin at the box's bottom-left corner.
    width, height : int
        Size of the buffered box, in pixels.

    Returns
    -------
    bytes
        ``width * height`` SDF values: 191 on the outline, growing inside, as fontnik does.
    """
    ys, xs = np.mgrid[0:height, 0:width]
    px = (xs.ravel() + 0.5)[:, None]
    py = (ys.ravel() + 0.5)[:, None]
    ax, ay, bx, by = (segments[:, k][None, :] for k in range(4))
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0)
    ex, ey = px - (ax + t * dx), py - (ay + t * dy)
    dist = np.sqrt(np.min(ex * ex + ey * ey, axis=1))
    # Non-zero winding rule (TrueType and CFF fill rule): robust to overlapping contours.
    side = dx * (py - ay) - (px - ax) * dy
    up = (ay <= py) & (by > py) & (side > 0)
    down = (ay > py) & (by <= py) & (side < 0)
    inside = (up.sum(axis=1) - down.sum(axis=1)) != 0
    d = np.minimum(dist, SDF_RADIUS) * (256.0 / SDF_RADIUS)
    d = np.where(inside, -d, d) + SDF_CUTOFF * 256.0
    n = np.clip(np.trunc(d), 0, 255).astype(np.uint8)
    values = (255 - n).reshape(height, width)[::-1]  # fontnik stores rows top to bottom
    return values.tobytes()


def render_glyph(face: freetype.Face, codepoint: int) -> Glyph:
    """Render one code point of ``face`` (already sized) as an SDF glyph.

    Parameters
    ----------
    face : freetype.Face
        Face with the character size set to :data:`FONT_SIZE` pixels.
    codepoint : int
        Unicode code point the face has a glyph for.

    Returns
    -------
    Glyph
        The glyph; without a bitmap when the outline has no ink.
    """
    import freetype

    face.load_char(codepoint, freetype.FT_LOAD_NO_HINTING | freetype.FT_LOAD_NO_BITMAP)
    advance = _round_half_away(face.glyph.metrics.horiAdvance / 64.0)
    empty = Glyph(codepoint, b"", 0, 0, 0, -BASELINE, advance)
    if face.glyph.format != freetype.FT_GLYPH_FORMAT_OUTLINE:
        return empty
    segments = _outline_segments(face)
    if segments.size == 0:
        return empty
    points = np.concatenate([segments[:, :2], segments[:, 2:]])
    xmin, ymin = (_round_half_away(float(v)) for v in points.min(axis=0))
    xmax, ymax = (_round_half_away(float(v)) for v in points.max(axis=0))
    width, height = xmax - xmin, ymax - ymin
    if width <= 0 or height <= 0:
        return empty
    shifted = segments + np.array([BUFFER - xmin, BUFFER - ymin] * 2, dtype=np.float64)
    bitmap = _sdf(shifted, width + 2 * BUFFER, height + 2 * BUFFER)
    return Glyph(codepoint, bitmap, width, height, xmin, ymax - BASELINE, advance)


def _open_face(path: Path, family: str | None = None) -> freetype.Face:
    """Open a font (the face of a collection whose family is ``family``), sized for glyphs."""
    import freetype

    face = freetype.Face(str(path))
    if family is not None and face.num_faces > 1:
        for index in range(face.num_faces):
            candidate = freetype.Face(str(path), index)
            if candidate.family_name.decode("utf-8", "replace") == family:
                face = candidate
                break
    face.set_char_size(FONT_SIZE * 64)
    return face


def _wanted(codepoint: int) -> bool:
    """Whether a code point gets a glyph at all (not controls or surrogates)."""
    return unicodedata.category(chr(codepoint)) not in {"Cc", "Cs"}


def render_range(fontstack: str, start: int, faces: Sequence[freetype.Face]) -> bytes:
    """Render the glyph PBF of one 256-code-point range.

    Parameters
    ----------
    fontstack : str
        Name stored in the PBF.
    start : int
        First code point (a multiple of 256).
    faces : Sequence[freetype.Face]
        Faces in order of preference; a code point comes from the first face that has it.

    Returns
    -------
    bytes
        The serialized glyph PBF.
    """
    glyphs: list[Glyph] = []
    for codepoint in range(start, start + 256):
        if not _wanted(codepoint):
            continue
        face = next((f for f in faces if f.get_char_index(codepoint)), None)
        if face is not None:
            glyphs.append(render_glyph(face, codepoint))
    return encode_glyphs_pbf(fontstack, start, start + 255, glyphs)


def build(out_dir: Path = GLYPHDATA_DIR,
          fontstacks: dict[str, FontSource] | None = None,
          ranges: Sequence[tuple[int, int]] = RANGES,
          log: Callable[[str], None] | None = None) -> list[Path]:
    """Write every fontstack's glyph ranges as ``<out_dir>/<fontstack>/<start>-<end>.pbf``.

    The output depends only on the font files and these parameters, so a rebuild on the same
    fonts gives byte-identical files.

    Parameters
    ----------
    out_dir : Path
        Directory of the fontstack folders.
    fontstacks : dict[str, FontSource], optional
        Fontstacks to build; :data:`FONTSTACKS` by default.
    ranges : Sequence[tuple[int, int]]
        256-aligned ranges to build.
    log : Callable[[str], None], optional
        Called with one line per file written.

    Returns
    -------
    list[Path]
        The files written.

    Raises
    ------
    FileNotFoundError
        When a font file is missing.
    ValueError
        When a range is not an aligned 256-code-point block.
    """
    written: list[Path] = []
    for name, source in (fontstacks or FONTSTACKS).items():
        for path in (source.primary, source.fallback):
            if not path.is_file():
                raise FileNotFoundError(f"font not found: {path}")
        faces = [_open_face(source.primary), _open_face(source.fallback, NOTO_CJK_FAMILY)]
        stack_dir = out_dir / name
        stack_dir.mkdir(parents=True, exist_ok=True)
        for start, end in ranges:
            if not is_aligned_range(start, end):
                raise ValueError(f"not an aligned 256 block: {start}-{end}")
            target = stack_dir / f"{start}-{end}.pbf"
            target.write_bytes(render_range(name, start, faces))
            written.append(target)
            if log is not None:
                log(f"{target} {target.stat().st_size} bytes")
    return written


# === serving ================================================================================

def is_aligned_range(start: int, end: int) -> bool:
    """Whether ``start-end`` is one of MapLibre's 256-code-point glyph ranges."""
    return start % 256 == 0 and end == start + 255 and start >= 0 and end <= MAX_CODEPOINT


def is_valid_fontstack(fontstack: str) -> bool:
    """Whether a fontstack name is safe: letters, digits, spaces, commas and hyphens only."""
    return _FONTSTACK_RE.fullmatch(fontstack) is not None


def resolve_fontstack(fontstack: str, root: Path = GLYPHDATA_DIR) -> str | None:
    """The generated fontstack that serves a requested one.

    The requested name itself when it was generated; else the first font of a comma-separated
    stack that was (MapLibre joins ``text-font`` with commas, e.g. plotly's layer default
    "Open Sans Regular,Arial Unicode MS Regular"); else "Open Sans Bold" for a bold-ish name
    and "Open Sans Regular" for any other, when generated.

    Parameters
    ----------
    fontstack : str
        Requested name, already checked by :func:`is_valid_fontstack`.
    root : Path
        Directory of the generated fontstack folders.

    Returns
    -------
    str or None
        Folder name under ``root``, or None when nothing was generated.
    """
    candidates = [fontstack, *(part.strip() for part in fontstack.split(","))]
    bold = any(word in fontstack for word in _BOLD_WORDS)
    candidates += ["Open Sans Bold", "Open Sans Regular"] if bold else ["Open Sans Regular"]
    for name in candidates:
        if name and is_valid_fontstack(name) and (root / name).is_dir():
            return name
    return None


def _pbf_response(body: bytes) -> Response:
    response = Response(body, mimetype=PBF_MIMETYPE)
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_MAX_AGE
    return response


def _serve_glyphs(fontstack: str, start: int, end: int) -> Response:
    if not is_valid_fontstack(fontstack) or not is_aligned_range(start, end):
        abort(404)
    root = GLYPHDATA_DIR
    name = resolve_fontstack(fontstack, root)
    if name is not None:
        path = (root / name / f"{start}-{end}.pbf").resolve()
        if path.is_file() and path.is_relative_to(root):
            return send_file(path, mimetype=PBF_MIMETYPE, max_age=CACHE_MAX_AGE,
                             conditional=True, etag=True)
    return _pbf_response(empty_glyphs_pbf(fontstack, start))


def glyph_blueprint() -> Blueprint:
    """A blueprint serving ``GET /glyphs/<fontstack>/<start>-<end>.pbf``."""
    blueprint = Blueprint("countydash_glyphs", __name__)
    blueprint.add_url_rule("/glyphs/<fontstack>/<int:start>-<int:end>.pbf",
                           endpoint="glyphs", view_func=_serve_glyphs, methods=["GET"])
    return blueprint


#: Map styles served by the app, by name: background colour of each.
STYLE_BACKGROUNDS = {"light": BACKGROUND, "dark": "#0f1d33"}


def style_url(name: str = "light") -> str:
    """The URL of a served map style, for ``layout.map.style``.

    Plotly re-applies a style given as a dict on every figure update (and loses the new
    layers); a URL string keeps the style stable across drill-downs.
    """
    return f"/map-style/{name}.json"


def register_style_route(server: Flask, tile_url: str = "") -> None:
    """Serve ``GET /map-style/<light|dark>.json``: :func:`offline_style` with the intranet
    tile URL configured for this deployment (if any)."""
    from flask import abort, jsonify

    def serve(name: str) -> Any:
        if name not in STYLE_BACKGROUNDS:
            abort(404)
        resp = jsonify(offline_style(tile_url, background=STYLE_BACKGROUNDS[name]))
        resp.headers["Cache-Control"] = "public, max-age=3600"
        return resp

    if "countydash_map_style" not in server.view_functions:
        server.add_url_rule("/map-style/<name>.json", endpoint="countydash_map_style",
                            view_func=serve, methods=["GET"])


def register_glyph_route(server: Flask) -> None:
    """Serve the glyph PBFs from ``server`` (idempotent).

    ``GET /glyphs/<fontstack>/<start>-<end>.pbf`` answers the generated file, or an empty but
    valid PBF for a range that was not generated, as ``application/x-protobuf`` with a long
    cache lifetime; a malformed fontstack name or a range that is not an aligned 256 block
    answers 404.

    Parameters
    ----------
    server : flask.Flask
        The Flask app, e.g. ``dash_app.server``.
    """
    blueprint = glyph_blueprint()
    if blueprint.name not in server.blueprints:
        server.register_blueprint(blueprint)


def offline_style(tile_url: str = "", *, glyphs_url: str = GLYPHS_URL,
                  background: str = BACKGROUND) -> dict[str, Any]:
    """A MapLibre style (version 8) that needs nothing but this app.

    Parameters
    ----------
    tile_url : str
        Optional raster tile URL template (``.../{z}/{x}/{y}.png``); without it the style has
        no sources and only a light background.
    glyphs_url : str
        Glyph URL template; the app's own route by default. Pass a prefixed one when the app
        is served under a path prefix.
    background : str
        Background colour (the big screen's dark theme passes its own).

    Returns
    -------
    dict[str, Any]
        The style, for ``layout.map.style``.
    """
    style: dict[str, Any] = {
        "version": 8,
        "name": "countydash-offline",
        "glyphs": glyphs_url,
        "sources": {},
        "layers": [{"id": "background", "type": "background",
                    "paint": {"background-color": background}}],
    }
    if tile_url:
        style["sources"]["tiles"] = {"type": "raster", "tiles": [tile_url], "tileSize": 256}
        style["layers"].append({"id": "tiles", "type": "raster", "source": "tiles"})
    return style


# === command line ===========================================================================

def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dashboard.glyphs build [--out DIR]``: regenerate the glyph PBFs.

    Parameters
    ----------
    argv : Sequence[str], optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status.
    """
    parser = argparse.ArgumentParser(prog="python -m dashboard.glyphs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    build_parser = sub.add_parser("build", help="regenerate the glyph PBFs")
    build_parser.add_argument("--out", type=Path, default=GLYPHDATA_DIR,
                              help=f"output directory (default: {GLYPHDATA_DIR})")
    args = parser.parse_args(argv)
    if args.command == "build":
        files = build(args.out, log=print)
        total = sum(f.stat().st_size for f in files)
        print(f"{len(files)} files, {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
