"""User-facing text: one catalogue, Simplified Chinese first, English second.

Layouts never hold text; they call :func:`t` with a key. The catalogue is split by feature
(``base``, ``cases``, ``coverage``, ...) and merged here; a test checks that every key has both
languages, that no key is defined twice and that no layout module holds Chinese text.
"""

from __future__ import annotations

import importlib
import pkgutil

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"


def _load() -> tuple[dict[str, tuple[str, str]], list[str]]:
    merged: dict[str, tuple[str, str]] = {}
    duplicates: list[str] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        part = importlib.import_module(f"{__name__}.{info.name}").CATALOGUE
        duplicates += [k for k in part if k in merged]
        merged.update(part)
    return merged, duplicates


CATALOGUE, DUPLICATE_KEYS = _load()


def t(key: str, lang: str = DEFAULT_LANG, /, **values: object) -> str:
    """The text for ``key`` in ``lang`` (zh or en), with ``{placeholders}`` filled in."""
    zh, en = CATALOGUE[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def normalise_lang(value: str | None) -> str:
    """A supported language code; anything else falls back to Chinese."""
    return value if value in LANGS else DEFAULT_LANG
