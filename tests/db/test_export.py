"""Chart exports and the briefing pack: formats, Chinese text, footers, scope and audit.

One kaleido browser serves the whole module; one brief is built per format (the county
user's PDF, the town user's PPTX).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest
from dash import Dash
from PIL import Image
from sqlalchemy import Engine

from dashboard.charts import CHARTS
from dashboard.export_routes import register_export_routes
from dashboard.factory import create_app
from dashboard.i18n import t
from dashboard.settings import Settings
from tests import reference
from tests.conftest import AS_OF

PASSWORDS = {"county": "county-demo", "town": "town-demo"}
START, END = AS_OF - timedelta(days=30), AS_OF - timedelta(days=1)
PERIOD = f"from={START.isoformat()}&to={END.isoformat()}"


@pytest.fixture(scope="module")
def app(sqlite_path: Path) -> Dash:
    app = create_app(Settings.from_env({"DATABASE_URL": f"sqlite:///{sqlite_path}",
                                        "COUNTYDASH_CACHE": "null"}))
    register_export_routes(app.server)  # idempotent: harmless once the factory does it
    return app


def client_as(app: Dash, username: str):  # type: ignore[no-untyped-def]
    client = app.server.test_client()
    resp = client.post("/login", data={"username": username, "password": PASSWORDS[username],
                                       "next": "/"})
    assert resp.status_code == 302
    return client


def areas(engine: Engine) -> tuple[str, str, dict[str, str], str]:
    """County code and name, town names by code, and the town user's town."""
    frame = reference.raw(engine, "areas")
    county = frame[frame["level"] == "county"].iloc[0]
    towns = frame[frame["level"] == "town"]
    users = reference.raw(engine, "users").set_index("username")
    return (str(county["code"]), str(county["name"]),
            dict(zip(towns["code"], towns["name"], strict=True)),
            str(users.loc["town", "area_code"]))


def ink(img: Image.Image, threshold: int = 200) -> float:
    """Share of pixels darker than ``threshold`` (0-255 grey)."""
    grey = np.asarray(img.convert("L"))
    return float((grey < threshold).mean())


def filename(resp) -> str:  # type: ignore[no-untyped-def]
    disposition = resp.headers["Content-Disposition"]
    return unquote(disposition.split("filename*=UTF-8''")[-1])


@pytest.fixture(scope="module")
def county_pdf(app: Dash, sqlite_engine: Engine) -> tuple[bytes, str, float]:
    county, _, _, _ = areas(sqlite_engine)
    started = time.perf_counter()
    resp = client_as(app, "county").get(f"/export/brief.pdf?area={county}&{PERIOD}")
    elapsed = time.perf_counter() - started
    assert resp.status_code == 200, resp.data[:200]
    assert resp.mimetype == "application/pdf"
    return resp.data, filename(resp), elapsed


@pytest.fixture(scope="module")
def town_pptx(app: Dash, sqlite_engine: Engine) -> bytes:
    _, _, _, town = areas(sqlite_engine)
    resp = client_as(app, "town").get(f"/export/brief.pptx?area={town}&{PERIOD}")
    assert resp.status_code == 200, resp.data[:200]
    return resp.data


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "brief.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def pptx_text(body: bytes) -> tuple[list[str], int, list[tuple[int, int]]]:
    """Text of every slide, the number of slides and the pixel size of every picture."""
    from pptx import Presentation

    prs = Presentation(io.BytesIO(body))
    texts, sizes = [], []
    for slide in prs.slides:
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
            if shape.shape_type == 13:  # picture
                sizes.append(Image.open(io.BytesIO(shape.image.blob)).size)
        texts.append("\n".join(parts))
    return texts, len(prs.slides), sizes


def test_brief_pdf_holds_title_and_kpis(county_pdf: tuple[bytes, str, float],
                                        sqlite_engine: Engine, tmp_path: Path) -> None:
    pdf, name, _ = county_pdf
    _, county_name, _, _ = areas(sqlite_engine)
    text = pdf_text(pdf, tmp_path)
    assert t("export.brief.title", "zh", area=county_name) in text
    ref = reference.kpis(sqlite_engine, areas(sqlite_engine)[0], START, END)
    assert f"{int(ref['cases']):,}" in text  # cases reported, as on the page (1,524)
    assert f"{ref['completion_rate'] * 100:.1f}" in text
    assert f"{END.year}年{END.month}月{END.day}日" in text  # Chinese date convention
    for word in ("环比", "同比", "数据截至", "红色预警", "导出：county"):
        assert word in text
    assert name == f"{county_name}_简报_{START.isoformat()}_{END.isoformat()}.pdf"


def test_brief_pdf_pages_are_not_blank(county_pdf: tuple[bytes, str, float],
                                       tmp_path: Path) -> None:
    (tmp_path / "b.pdf").write_bytes(county_pdf[0])
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "b.pdf"),
                    str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 8  # title, KPIs, four charts, warnings, sources
    for page in pages:
        assert ink(Image.open(page)) > 0.003, page.name
    # the chart pages carry pictures: far more ink than a text page
    assert max(ink(Image.open(p)) for p in pages[2:6]) > 0.05


def test_town_brief_pptx_slides_title_and_only_the_town(town_pptx: bytes,
                                                         sqlite_engine: Engine) -> None:
    _, _, towns, town = areas(sqlite_engine)
    texts, n, sizes = pptx_text(town_pptx)
    assert n == 8
    assert t("export.brief.title", "zh", area=towns[town]) in texts[0]
    assert "环比" in texts[1] and "同比" in texts[1]
    assert len(sizes) == 4 and all(w >= 1920 for w, _ in sizes)
    everything = "\n".join(texts)
    assert towns[town] in everything
    for code, name in towns.items():
        if code != town:
            assert name not in everything, name


def test_town_map_export_holds_only_its_villages(app: Dash, sqlite_engine: Engine) -> None:
    _, _, towns, town = areas(sqlite_engine)
    frame = reference.raw(sqlite_engine, "areas")
    villages = frame[frame["parent_code"] == town]["name"].tolist()
    resp = client_as(app, "town").get(f"/export/chart/map.svg?area={town}&{PERIOD}")
    assert resp.status_code == 200
    svg = resp.data.decode()
    assert sum(v in svg for v in villages) >= len(villages) // 2  # labels are SVG text
    assert all(name not in svg for code, name in towns.items() if code != town)


def test_town_user_gets_nothing_of_another_area(app: Dash, sqlite_engine: Engine) -> None:
    county, _, towns, town = areas(sqlite_engine)
    other = next(code for code in towns if code != town)
    client = client_as(app, "town")
    for url in (f"/export/brief.pdf?area={county}&{PERIOD}",
                f"/export/chart/stages.png?area={other}&{PERIOD}"):
        resp = client.get(url)
        assert resp.status_code == 404
        assert not resp.data.startswith((b"%PDF", b"\x89PNG"))
        assert towns[other].encode() not in resp.data
    audit = reference.raw(sqlite_engine, "audit_log")
    denied = audit[(audit["action"] == "export_denied") & (audit["username"] == "town")]
    assert {json.loads(d)["area"] for d in denied["detail"]} >= {county, other}


def test_chart_png_and_svg_resolution_name_and_footer(app: Dash,
                                                      sqlite_engine: Engine) -> None:
    county, county_name, _, _ = areas(sqlite_engine)
    client = client_as(app, "county")
    resp = client.get(f"/export/chart/categories.png?area={county}&{PERIOD}")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    img = Image.open(io.BytesIO(resp.data))
    assert img.width >= 1920
    footer = img.crop((0, img.height - 54, img.width, img.height))
    assert ink(footer) > 0.002  # the "exported by" strip has text
    assert filename(resp) == (f"{county_name}_{t('export.chart.categories', 'zh')}_"
                              f"{START.isoformat()}_{END.isoformat()}.png")
    resp = client.get(f"/export/chart/stages.svg?area={county}&{PERIOD}")
    svg = resp.data.decode()
    assert resp.mimetype == "image/svg+xml" and svg.startswith("<svg")
    assert county_name in svg and t("cases.stage.accept", "zh") in svg
    assert "导出：county · " in svg and f"{AS_OF.year}年" in svg


def test_exports_are_audited(county_pdf: tuple[bytes, str, float], town_pptx: bytes,
                             sqlite_engine: Engine) -> None:
    audit = reference.raw(sqlite_engine, "audit_log")
    rows = audit[audit["action"] == "export"]
    details = [(u, json.loads(d)) for u, d in zip(rows["username"], rows["detail"], strict=True)]
    # other exports (the case list's CSV download) are audited too, with their own details
    briefs = [(u, d) for u, d in details if d.get("kind") == "brief"]
    assert any(u == "county" and d["format"] == "pdf" and d["from"] == START.isoformat()
               and d["bytes"] == len(county_pdf[0]) for u, d in briefs)
    assert any(u == "town" and d["format"] == "pptx" for u, d in briefs)


def test_brief_does_not_block_other_requests(app: Dash, sqlite_engine: Engine) -> None:
    """While one user's brief is being generated, another user's page requests answer."""
    _, _, _, town = areas(sqlite_engine)
    done: dict[str, int] = {}

    def generate() -> None:
        resp = client_as(app, "county").get(f"/export/brief.pptx?area={town}&{PERIOD}")
        done["status"] = resp.status_code

    worker = threading.Thread(target=generate)
    other = client_as(app, "town")
    worker.start()
    timings = []
    while worker.is_alive() and len(timings) < 5:
        started = time.perf_counter()
        assert other.get("/_dash-layout").status_code == 200
        timings.append(time.perf_counter() - started)
    overlapped = worker.is_alive()
    worker.join(timeout=300)
    assert done.get("status") == 200
    assert overlapped, "the brief finished before the other requests: nothing was shown"
    assert max(timings) < 3.0, timings


def test_server_side_render_draws_cjk_glyphs(tmp_path: Path) -> None:
    """The same chart without a CJK font draws empty boxes; with Noto Sans CJK it draws
    the characters: the images differ, and the real title is much wider in ink."""
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
                    "<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir>"
                    f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>")
    script = (
        "import sys, plotly.graph_objects as go\n"
        "from dashboard.export import RENDERER\n"
        "fig = go.Figure(go.Bar(x=['矛盾纠纷', '社会治安'], y=[3, 5]))\n"
        "fig.update_layout(title={'text': '盘山县案件分类汇总', 'font': {'size': 40}},\n"
        "                  font_family='Noto Sans CJK SC, sans-serif', margin={'t': 100})\n"
        "open(sys.argv[1], 'wb').write(RENDERER.render(fig, 'png'))\n"
        "RENDERER.close()\n")
    images = {}
    for label, env in (("cjk", {}), ("none", {"FONTCONFIG_FILE": str(conf)})):
        out = tmp_path / f"{label}.png"
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, timeout=120,
                       env={**os.environ, **env}, cwd=Path(__file__).parents[2])
        images[label] = Image.open(out).convert("L")
    title = (0, 0, images["cjk"].width // 2, 150)  # 1.5x scale: the title band
    a = np.asarray(images["cjk"].crop(title))
    b = np.asarray(images["none"].crop(title))
    assert (a != b).mean() > 0.01
    assert ink(images["cjk"].crop(title)) > 0.01

    def width(arr: np.ndarray) -> int:
        cols = np.where((arr < 200).any(axis=0))[0]
        return int(cols.max() - cols.min()) if len(cols) else 0

    # nine ideographs at 40 px: ~360 px wide; boxes from a CJK-less font are narrower
    assert width(a) > 1.4 * width(b) > 0


@pytest.mark.parametrize("chart", CHARTS)
def test_every_chart_exports_png_and_svg_with_title_and_footer(app: Dash, sqlite_engine: Engine,
                                                               chart: str) -> None:
    """Every chart of the registry (every chart a page offers) renders server-side: a PNG at
    least 1920 px wide with ink in the footer strip, and an SVG holding the Chinese title."""
    county, county_name, _, _ = areas(sqlite_engine)
    client = client_as(app, "county")
    png = client.get(f"/export/chart/{chart}.png?area={county}&{PERIOD}")
    assert png.status_code == 200 and png.mimetype == "image/png", png.data[:200]
    img = Image.open(io.BytesIO(png.data))
    assert img.width >= 1920
    assert ink(img.crop((0, 0, img.width, img.height - 60))) > 0.005  # a drawn chart
    assert ink(img.crop((0, img.height - 54, img.width, img.height))) > 0.002
    assert filename(png).startswith(f"{county_name}_{t(f'export.chart.{chart}', 'zh')}")
    assert f'filename="{county}_{chart}_' in png.headers["Content-Disposition"]  # ASCII
    svg = client.get(f"/export/chart/{chart}.svg?area={county}&{PERIOD}")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    text = svg.data.decode()
    assert county_name in text and t(f"export.chart.{chart}", "zh") in text
    assert "导出：county · " in text


def test_backlog_export_says_as_of_not_the_period(app: Dash, sqlite_engine: Engine) -> None:
    """The backlog is today's state: its title and file name give the as-of day instead of a
    period it does not use."""
    county, county_name, _, _ = areas(sqlite_engine)
    svg = client_as(app, "county").get(f"/export/chart/backlog.svg?area={county}&{PERIOD}")
    text = svg.data.decode()
    assert f"截至{AS_OF.year}年" in text and f"{START.month}月{START.day}日—" not in text
    day = (AS_OF - timedelta(days=1)).isoformat()
    assert filename(svg) == f"{county_name}_{t('export.chart.backlog', 'zh')}_{day}.svg"


def test_chart_export_follows_the_case_filters(app: Dash, sqlite_engine: Engine) -> None:
    """A category filter in the view drills the exported category chart into its minors,
    as the page does; a source filter narrows the distributions."""
    county, _, _, _ = areas(sqlite_engine)
    cats = reference.raw(sqlite_engine, "case_categories")
    cases = reference.raw(sqlite_engine, "cases")
    major = str(cases["category_code"].map(cats.set_index("code")["parent_code"])
                .value_counts().index[0])
    minors = cats[cats["parent_code"] == major]["name"].astype(str)
    others = cats[cats["parent_code"].isna() & (cats["code"] != major)]["name"].astype(str)
    client = client_as(app, "county")
    svg = client.get(f"/export/chart/categories.svg?area={county}&{PERIOD}&cat={major}")
    text = svg.data.decode()
    assert any(name in text for name in minors)
    assert not any(name in text for name in others)
    plain = client.get(f"/export/chart/categories.svg?area={county}&{PERIOD}").data.decode()
    assert any(name in plain for name in others)


def test_every_page_chart_has_download_links() -> None:
    """Each figure of the cases and coverage pages sits beside PNG and SVG links to a chart
    of the registry (the same figure, rendered on the server)."""
    from dash import dcc

    from layouts import cases as cases_layout
    from layouts import coverage as coverage_layout

    def walk(node: object):  # type: ignore[no-untyped-def]
        yield node
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list | tuple) else [children]:
            if child is not None and not isinstance(child, str | int | float):
                yield from walk(child)

    for page in (cases_layout.page("zh"), coverage_layout.page("zh")):
        nodes = list(walk(page))
        graphs = [n for n in nodes if isinstance(n, dcc.Graph)]
        targets = [n.id["index"] for n in nodes if isinstance(getattr(n, "id", None), dict)
                   and n.id.get("type") == "export-link"]
        charts = {target.rsplit(".", 1)[0] for target in targets}
        assert charts <= set(CHARTS)
        assert len(charts) == len(graphs) > 0
        assert sorted(targets) == sorted(f"{c}.{f}" for c in charts for f in ("png", "svg"))
