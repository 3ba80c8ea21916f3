"""Offline map glyphs: the committed PBFs decode right, and the route serves them safely."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dashboard import glyphs
from dashboard.glyphs import (
    BUFFER,
    GLYPHDATA_DIR,
    RANGES,
    Glyph,
    encode_glyphs_pbf,
    offline_style,
    register_glyph_route,
)

REGULAR = "Open Sans Regular"
STACKS = ("Open Sans Regular", "Open Sans Bold")


# --- a tiny protobuf decoder -----------------------------------------------------------------

def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def _fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            yield field, value
        elif wire == 2:
            size, pos = _varint(data, pos)
            yield field, data[pos:pos + size]
            pos += size
        else:
            raise AssertionError(f"unexpected wire type {wire}")
    assert pos == len(data), "truncated message"


def _unzigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


GLYPH_FIELDS = {1: "id", 2: "bitmap", 3: "width", 4: "height", 5: "left", 6: "top",
                7: "advance"}


def decode(data: bytes) -> list[dict[str, Any]]:
    """Decode a glyphs PBF into ``[{"name", "range", "glyphs": [...]}, ...]``."""
    stacks = []
    for field, stack_body in _fields(data):
        assert field == 1 and isinstance(stack_body, bytes)
        stack: dict[str, Any] = {"glyphs": []}
        for sfield, value in _fields(stack_body):
            assert isinstance(value, bytes)
            if sfield == 1:
                stack["name"] = value.decode()
            elif sfield == 2:
                stack["range"] = value.decode()
            elif sfield == 3:
                glyph: dict[str, Any] = {"bitmap": b""}
                for gfield, gvalue in _fields(value):
                    glyph[GLYPH_FIELDS[gfield]] = gvalue
                glyph["left"] = _unzigzag(glyph["left"])
                glyph["top"] = _unzigzag(glyph["top"])
                stack["glyphs"].append(glyph)
        stacks.append(stack)
    return stacks


def _only_stack(data: bytes) -> dict[str, Any]:
    stacks = decode(data)
    assert len(stacks) == 1
    return stacks[0]


# --- the committed files --------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize(("start", "end"), RANGES)
def test_pregenerated_ranges_decode(stack: str, start: int, end: int) -> None:
    decoded = _only_stack((GLYPHDATA_DIR / stack / f"{start}-{end}.pbf").read_bytes())
    assert decoded["name"] == stack and decoded["range"] == f"{start}-{end}"
    ids = [g["id"] for g in decoded["glyphs"]]
    assert ids == sorted(set(ids)) and all(start <= i <= end for i in ids)
    assert len(ids) > 50
    for g in decoded["glyphs"]:
        if g["bitmap"]:
            assert len(g["bitmap"]) == (g["width"] + 2 * BUFFER) * (g["height"] + 2 * BUFFER)
        else:
            assert g["width"] == g["height"] == 0


@pytest.mark.parametrize("stack", STACKS)
def test_printable_ascii_has_sdf_bitmaps(stack: str) -> None:
    decoded = _only_stack((GLYPHDATA_DIR / stack / "0-255.pbf").read_bytes())
    by_id = {g["id"]: g for g in decoded["glyphs"]}
    assert set(range(0x20, 0x7F)) <= set(by_id)
    assert not set(range(0x00, 0x20)) & set(by_id)  # no control characters
    assert by_id[0x20]["bitmap"] == b"" and by_id[0x20]["advance"] > 0
    for code in range(0x21, 0x7F):
        g = by_id[code]
        assert g["width"] > 0 and g["height"] > 0 and g["advance"] > 0, chr(code)
        assert len(g["bitmap"]) == (g["width"] + 6) * (g["height"] + 6), chr(code)
        # An SDF: the buffer's corner lies outside the ink (< 191), some pixels inside (>= 191).
        assert g["bitmap"][0] < 191 <= max(g["bitmap"]), chr(code)
    # Digits and capitals sit on one baseline: same top for "2" and "Q" within a pixel.
    assert abs(by_id[ord("2")]["top"] - by_id[ord("Q")]["top"]) <= 1
    assert by_id[ord("g")]["top"] < 0 and by_id[ord("l")]["top"] < 0


def test_pregenerated_total_size_is_small() -> None:
    total = sum(p.stat().st_size for p in GLYPHDATA_DIR.rglob("*.pbf"))
    assert 0 < total < 1_500_000


def test_build_is_deterministic(tmp_path: Path) -> None:
    pytest.importorskip("freetype")
    source = glyphs.FONTSTACKS[REGULAR]
    if not (source.primary.is_file() and source.fallback.is_file()):
        pytest.skip("fonts not installed")
    written = glyphs.build(tmp_path, {REGULAR: source}, [(0, 255)])
    assert [p.read_bytes() for p in written] == [(GLYPHDATA_DIR / REGULAR / "0-255.pbf")
                                                  .read_bytes()]


def test_encoder_round_trips_negative_metrics() -> None:
    glyph = Glyph(id=300, bitmap=bytes(range(7 * 8)), width=1, height=2, left=-3, top=-27,
                  advance=70000)
    decoded = _only_stack(encode_glyphs_pbf("A, B", 256, 511, [glyph]))
    assert decoded == {"name": "A, B", "range": "256-511", "glyphs": [
        {"id": 300, "bitmap": bytes(range(56)), "width": 1, "height": 2, "left": -3,
         "top": -27, "advance": 70000}]}
    with pytest.raises(ValueError):
        encode_glyphs_pbf("A", 0, 255, [glyph])


# --- the route ------------------------------------------------------------------------------

@pytest.fixture
def client() -> FlaskClient:
    server = Flask("glyph-test")
    register_glyph_route(server)
    register_glyph_route(server)  # idempotent
    return server.test_client()


def test_route_serves_pregenerated_file(client: FlaskClient) -> None:
    response = client.get("/glyphs/Open%20Sans%20Regular/0-255.pbf")
    assert response.status_code == 200
    assert response.mimetype == "application/x-protobuf"
    assert response.data == (GLYPHDATA_DIR / REGULAR / "0-255.pbf").read_bytes()
    assert response.cache_control.public
    assert (response.cache_control.max_age or 0) >= 7 * 24 * 3600


def test_route_serves_comma_stack_from_its_first_generated_font(client: FlaskClient) -> None:
    response = client.get("/glyphs/Open%20Sans%20Regular,Arial%20Unicode%20MS%20Regular/"
                          "8192-8447.pbf")
    assert response.status_code == 200
    assert response.data == (GLYPHDATA_DIR / REGULAR / "8192-8447.pbf").read_bytes()


@pytest.mark.parametrize("url", [
    "/glyphs/Open%20Sans%20Regular/1024-1279.pbf",  # range not generated
    "/glyphs/Open%20Sans%20Regular/131072-131327.pbf",  # beyond the BMP
])
def test_route_answers_empty_valid_pbf_for_unknown_range(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/x-protobuf"
    stack = _only_stack(response.data)
    start = url.rsplit("/", 1)[1].split("-")[0]
    assert stack["name"] == REGULAR and stack["range"].startswith(f"{start}-")
    assert stack["glyphs"] == []


@pytest.mark.parametrize("url", [
    "/glyphs/../0-255.pbf",
    "/glyphs/%2E%2E/0-255.pbf",
    "/glyphs/..%2F..%2Fetc/0-255.pbf",
    "/glyphs/Open%20Sans%20Regular%2F..%2F..%2Fglyphs/0-255.pbf",
    "/glyphs/Open%20Sans%20Regular/../../glyphs.py",
    "/glyphs/..%5Cglyphdata/0-255.pbf",
    "/glyphs/Open.Sans/0-255.pbf",
    "/glyphs/Open_Sans/0-255.pbf",
    "/glyphs/Open%00Sans/0-255.pbf",
    "/glyphs/%20%7Cls/0-255.pbf",
    "/glyphs/Open%20Sans%20Regular/0-254.pbf",  # not a 256 block
    "/glyphs/Open%20Sans%20Regular/1-256.pbf",  # not aligned
    "/glyphs/Open%20Sans%20Regular/256-0.pbf",
    "/glyphs/Open%20Sans%20Regular/-256--1.pbf",
    "/glyphs/Open%20Sans%20Regular/1114112-1114367.pbf",  # past U+10FFFF
    "/glyphs/Open%20Sans%20Regular/0-255.json",
    "/glyphs/" + "A" * 300 + "/0-255.pbf",
])
def test_route_rejects_malformed_requests(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 404


# --- the style ------------------------------------------------------------------------------

def test_offline_style_uses_app_glyphs_and_no_network() -> None:
    style = offline_style()
    assert style["version"] == 8
    assert style["glyphs"] == "/glyphs/{fontstack}/{range}.pbf"
    assert "sprite" not in style and style["sources"] == {}
    assert style["layers"] == [{"id": "background", "type": "background",
                                "paint": {"background-color": "#f7f9fc"}}]


def test_offline_style_with_tiles_adds_raster_source() -> None:
    url = "http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png"
    style = offline_style(url)
    assert style["sources"] == {"tiles": {"type": "raster", "tiles": [url], "tileSize": 256}}
    assert [layer["type"] for layer in style["layers"]] == ["background", "raster"]
    assert style["layers"][1]["source"] == "tiles"
    assert offline_style() != style  # a fresh dict each call
