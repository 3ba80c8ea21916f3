"""Every text comes from the catalogue in both languages; ids come from ids.py, once each."""

from __future__ import annotations

import re
from pathlib import Path

from dash import html
from dash.development.base_component import Component

from dashboard import ids
from dashboard.i18n import CATALOGUE, t
from layouts import overview, shell

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff]")


def test_catalogue_keys_defined_once() -> None:
    from dashboard.i18n import DUPLICATE_KEYS

    assert DUPLICATE_KEYS == []


def test_catalogue_has_both_languages() -> None:
    for key, (zh, en) in CATALOGUE.items():
        assert zh.strip() and en.strip(), key
        # the language switch names the other language in that language
        assert key == "lang.switch" or not CJK.search(en), f"{key}: English text holds Chinese"
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key


def test_layouts_hold_no_chinese_text() -> None:
    for path in (ROOT / "layouts").glob("*.py"):
        assert not CJK.search(path.read_text(encoding="utf-8")), path.name


def test_t_switches_language() -> None:
    assert t("nav.overview", "zh") == "总览"
    assert t("nav.overview", "en") == "Overview"
    assert t("footer.as_of", "en", as_of="x") == "Data as of x"


def walk(component: object) -> list[Component]:
    out: list[Component] = []
    if isinstance(component, Component):
        out.append(component)
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list | tuple) else [children]:
            out.extend(walk(child))
    return out


def test_layout_ids_unique_and_declared() -> None:
    tree = html.Div([shell.layout(), overview.page("zh")])
    seen: list[str] = []
    for comp in walk(tree):
        cid = getattr(comp, "id", None)
        if isinstance(cid, str):
            seen.append(cid)
    assert len(seen) == len(set(seen)), "duplicate ids"
    assert set(seen) <= ids.all_static_ids()
