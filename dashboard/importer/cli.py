"""The import subcommands of ``countydash``: added to its parser by ``add_import_commands``.

Heavy modules (geopandas, shapely) are imported only when an import runs.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from dashboard import db
from dashboard.settings import Settings


def _as_of(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date or time (ISO 8601): {value!r}") from exc


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rejects", type=Path, default=None,
                   help="where to list rejected rows (default: FILE.rejects.csv)")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.add_argument("--as-of", type=_as_of, default=None,
                   help="record the data's as-of instant (YYYY-MM-DD[THH:MM])")


def add_import_commands(sub: Any) -> None:
    """Add import-areas, import-cases, import-branches and import-coverage to ``sub``."""
    p = sub.add_parser("import-areas", help="import polygons of one level (GeoJSON, "
                       "Shapefile, GeoPackage, TopoJSON)")
    p.add_argument("file", type=Path)
    p.add_argument("--level", required=True, choices=("county", "town", "village", "grid"))
    p.add_argument("--code-field", required=True, help="field holding the area code")
    p.add_argument("--name-field", required=True, help="field holding the area name")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--parent-field", default=None, help="field holding the parent's code")
    group.add_argument("--parent-prefix", type=int, default=None, metavar="N",
                       help="the parent's code is the first N characters of the code")
    p.add_argument("--layer", default=None, help="layer name (GeoPackage, several layers)")
    p.add_argument("--crs", default=None, help="source CRS when the file declares none or a "
                   "wrong one, e.g. EPSG:4490 (CGCS2000), EPSG:4326, EPSG:4547")
    p.add_argument("--gcj02", action="store_true",
                   help="lon/lat taken from a Chinese web map (GCJ-02): remove the offset")
    p.add_argument("--households-field", default=None)
    p.add_argument("--population-field", default=None)
    p.add_argument("--root-code", default=None,
                   help="code of the county root created when towns come without a county")
    p.add_argument("--root-name", default=None, help="its name")
    _common(p)

    p = sub.add_parser("import-cases", help="import cases from CSV / Excel (or Open311 JSON)")
    p.add_argument("file", type=Path)
    p.add_argument("--mapping", type=Path, default=None,
                   help="mapping TOML ([source], [columns], [categories], [values])")
    p.add_argument("--open311", action="store_true",
                   help="FILE is Open311 GeoReport v2 JSON (mapping optional)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    _common(p)

    p = sub.add_parser("import-branches", help="import party branches from CSV / Excel")
    p.add_argument("file", type=Path)
    p.add_argument("--mapping", type=Path, default=None,
                   help="mapping TOML (default: columns named id, name, kind, area)")
    _common(p)

    p = sub.add_parser("import-coverage", help="import monthly coverage from CSV / Excel")
    p.add_argument("file", type=Path)
    p.add_argument("--mapping", type=Path, default=None,
                   help="mapping TOML (default: columns named branch, month, members, ...)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)
    _common(p)


def _report(summary: Any) -> int:
    print("\n".join(summary.lines()))
    return 0


def cmd_import_areas(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.importer.areas import import_areas
    from geodata.importer import AreaSource

    source = AreaSource(
        path=args.file, level=args.level, code_field=args.code_field,
        name_field=args.name_field, parent_field=args.parent_field,
        parent_prefix=args.parent_prefix, layer=args.layer, crs=args.crs, gcj02=args.gcj02,
        households_field=args.households_field, population_field=args.population_field,
        root_code=args.root_code, root_name=args.root_name)
    engine = db.get_engine(settings.database_url)
    return _report(import_areas(engine, source, rejects=args.rejects, dry_run=args.dry_run,
                                as_of=args.as_of))


def cmd_import_cases(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.importer.cases import (
        CASE_FIELDS,
        CASE_REQUIRED,
        import_case_table,
        import_cases,
    )
    from dashboard.importer.mapping import MappingError, load_mapping

    engine = db.get_engine(settings.database_url)
    options = {"rejects": args.rejects, "dry_run": args.dry_run, "as_of": args.as_of,
               "show_progress": args.progress}
    if args.open311:
        from dashboard.importer.open311 import open311_mapping, read_open311

        extra: dict[str, Any] = {}
        if args.mapping is not None:
            try:
                extra = tomllib.loads(args.mapping.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise MappingError(f"mapping {args.mapping}: {exc}") from exc
        table = read_open311(args.file)
        return _report(import_case_table(engine, table, open311_mapping(extra),
                                         str(args.file), **options))
    if args.mapping is None:
        raise ValueError("--mapping MAPPING.toml is required (see the README for its tables)")
    mapping = load_mapping(args.mapping, fields=CASE_FIELDS, required=CASE_REQUIRED)
    return _report(import_cases(engine, args.file, mapping, **options))


def cmd_import_branches(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.importer.party import import_branches

    engine = db.get_engine(settings.database_url)
    return _report(import_branches(engine, args.file, args.mapping, rejects=args.rejects,
                                   dry_run=args.dry_run, as_of=args.as_of))


def cmd_import_coverage(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.importer.party import import_coverage

    engine = db.get_engine(settings.database_url)
    return _report(import_coverage(engine, args.file, args.mapping, rejects=args.rejects,
                                   dry_run=args.dry_run, as_of=args.as_of,
                                   show_progress=args.progress))


IMPORT_COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "import-areas": cmd_import_areas,
    "import-cases": cmd_import_cases,
    "import-branches": cmd_import_branches,
    "import-coverage": cmd_import_coverage,
}

__all__ = ["IMPORT_COMMANDS", "add_import_commands"]
