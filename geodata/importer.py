"""Reading, checking, repairing and reprojecting area polygons for import.

:func:`read_features` reads a GeoJSON / Shapefile / GeoPackage / TopoJSON layer (through GDAL)
and brings it to EPSG:4326, settling the source CRS (declared, overridden, or assumed) and
GCJ-02 offsets. :func:`plan_areas` then decides, without writing anything, which features
become which ``areas`` rows: codes and names, parents (by field, by code prefix, or by the
largest overlap with the level above), repairs of invalid polygons, and what is rejected
(orphans, duplicates, wrong levels) or reported (overlaps, gaps, polygons outside their
parent). Imported polygons are stored in EPSG:4326 (``geom_crs``), full precision, so that
every consumer - the map layers and the spatial join of cases - decodes one CRS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from dashboard.importer.report import Finding, Rejection
from dashboard.schema import LEVELS
from geodata.gcj02 import geometry_gcj02_to_wgs84
from geodata.layers import WGS84

#: The level a level's parents belong to.
LEVEL_ABOVE: dict[str, str] = {"town": "county", "village": "town", "grid": "village"}
#: A child sticking out of its parent by more than this share is reported.
OUTSIDE_SHARE = 0.01
#: Overlaps and gaps smaller than this (m²) are numerical noise, not findings.
MIN_AREA_M2 = 1.0
#: Marks the polygons this importer stored (``areas.geom_source``).
GEOM_SOURCE = "import"
DERIVED_SOURCE = "derived"


@dataclass(frozen=True)
class AreaSource:
    """Where the polygons of one level come from and how to read them."""

    path: Path
    level: str
    code_field: str
    name_field: str
    parent_field: str | None = None
    parent_prefix: int | None = None
    layer: str | None = None
    crs: str | None = None
    gcj02: bool = False
    households_field: str | None = None
    population_field: str | None = None
    root_code: str | None = None
    root_name: str | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"--level must be one of {', '.join(LEVELS)}, not {self.level!r}")
        if self.parent_field and self.parent_prefix is not None:
            raise ValueError("give --parent-field or --parent-prefix, not both")
        if self.parent_prefix is not None and self.parent_prefix < 1:
            raise ValueError("--parent-prefix must be a positive number of characters")
        if self.level == "county" and (self.parent_field or self.parent_prefix):
            raise ValueError("a county has no parent: drop --parent-field / --parent-prefix")


@dataclass
class AreaPlan:
    """What an area import would write, and what it has to say about it."""

    rows: pd.DataFrame  # code, name, level, parent_code, households, population, geom, ...
    rejections: list[Rejection] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    repaired: int = 0
    root: dict[str, object] | None = None  # a derived county root to create first
    originals: dict[int, dict[str, object]] = field(default_factory=dict)


def _is_degrees(bounds: np.ndarray) -> bool:
    minx, miny, maxx, maxy = bounds
    return bool(-180.5 <= minx <= maxx <= 180.5 and -90.5 <= miny <= maxy <= 90.5)


def parse_crs(value: str) -> CRS:
    """``EPSG:4490``, ``4490``, a WKT or PROJ string -> CRS (ValueError if unknown)."""
    text = value.strip()
    try:
        return CRS.from_user_input(f"EPSG:{text}" if text.isdigit() else text)
    except CRSError as exc:
        raise ValueError(f"unknown CRS {value!r}: {exc}") from exc


def read_features(source: AreaSource) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Read the source layer and return it in EPSG:4326 with what was assumed about its CRS.

    Parameters
    ----------
    source
        The file, layer and CRS options. ``source.crs`` overrides (or supplies) the declared
        CRS; ``source.gcj02`` says the lon/lat are GCJ-02 (Chinese web maps), removed by the
        iterative inverse of :mod:`geodata.gcj02`.

    Returns
    -------
    The features (geometry in EPSG:4326, attributes as read) and findings of kind ``crs``.

    Raises
    ------
    ValueError
        Unreadable file, several layers and no ``layer``, a missing field, no CRS where the
        coordinates are not degrees, or a declared CRS that the coordinates contradict.
    """
    path = Path(source.path)
    if not path.exists():
        raise ValueError(f"no such file: {path}")
    try:
        layers = pyogrio.list_layers(path)
        if source.layer is None and len(layers) > 1:
            names = ", ".join(str(n) for n in layers[:, 0])
            raise ValueError(f"{path.name} holds several layers ({names}): pick one with --layer")
        gdf = pyogrio.read_dataframe(path, layer=source.layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise ValueError(f"{path.name} has no geometry")
    wanted = [source.code_field, source.name_field, source.parent_field,
              source.households_field, source.population_field]
    missing = [f for f in wanted if f and f not in gdf.columns]
    if missing:
        fields = ", ".join(c for c in gdf.columns if c != gdf.geometry.name)
        raise ValueError(f"{path.name} has no field {', '.join(map(repr, missing))}; "
                         f"its fields are: {fields}")
    findings: list[Finding] = []
    valid = gdf.geometry.notna() & ~gdf.geometry.is_empty
    bounds = gdf.geometry[valid].total_bounds if valid.any() else np.array([0.0, 0, 0, 0])
    declared = gdf.crs
    if source.crs:
        crs = parse_crs(source.crs)
        if declared is not None and not CRS(declared).equals(crs):
            findings.append(Finding("crs", path.name,
                                    f"declared {CRS(declared).to_string()} overridden by "
                                    f"--crs {crs.to_string()}"))
        gdf = gdf.set_crs(crs, allow_override=True)
    elif declared is None:
        if not _is_degrees(bounds):
            raise ValueError(f"{path.name} declares no CRS and its coordinates are not lon/lat "
                             f"degrees (bounds {np.round(bounds, 1).tolist()}): pass "
                             f"--crs EPSG:NNNN")
        findings.append(Finding("crs", path.name,
                                "no CRS declared; lon/lat degrees assumed as EPSG:4326 "
                                "(pass --crs EPSG:4490 for CGCS2000, --gcj02 for web-map "
                                "coordinates)"))
        gdf = gdf.set_crs(WGS84)
    crs = CRS(gdf.crs)
    if crs.is_geographic and not _is_degrees(bounds):
        raise ValueError(f"{path.name} declares {crs.to_string()} (degrees) but its coordinates "
                         f"reach {np.round(bounds, 1).tolist()}: the declared CRS is wrong; "
                         f"pass the right one with --crs")
    if crs.is_projected and _is_degrees(bounds) and valid.any():
        raise ValueError(f"{path.name} declares {crs.to_string()} (projected) but its "
                         f"coordinates look like lon/lat degrees: pass --crs EPSG:4326 "
                         f"(or EPSG:4490)")
    if source.gcj02 and not crs.is_geographic:
        raise ValueError("--gcj02 applies to lon/lat coordinates, not to a projected CRS")
    gdf = gdf.to_crs(WGS84)
    if source.gcj02:
        gdf = gdf.set_geometry(gpd.GeoSeries(geometry_gcj02_to_wgs84(gdf.geometry.to_numpy()),
                                             index=gdf.index, crs=WGS84))
        findings.append(Finding("crs", path.name, "GCJ-02 offsets removed (now WGS84)"))
    return gdf, findings


def norm_code(value: object) -> str | None:
    """A code as text: integral numbers without ``.0``, surrounding blanks removed."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, np.integer):
        value = int(value)
    text = str(value).strip()
    return text or None


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of a geometry (make_valid can return a collection)."""
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def metric_crs(geoms: gpd.GeoSeries) -> CRS:
    """A metric CRS for areas in square metres: the UTM zone of the data's centre."""
    valid = geoms[geoms.notna() & ~geoms.is_empty]
    if not len(valid):
        return CRS("EPSG:3857")
    minx, miny, maxx, maxy = valid.total_bounds
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    zone = min(max(int((lon + 180) // 6) + 1, 1), 60)
    return CRS(f"EPSG:{(32600 if lat >= 0 else 32700) + zone}")


def to_metric(geoms: gpd.GeoSeries, crs: CRS) -> gpd.GeoSeries:
    """Geometries in the metric CRS, prepared for repeated predicates."""
    metric = geoms.to_crs(crs)
    shapely.prepare(metric.to_numpy())
    return metric


def largest_overlap(kids: gpd.GeoSeries, parents: gpd.GeoSeries, crs: CRS) -> pd.DataFrame:
    """For each child, the parent it overlaps most and how much.

    Parameters
    ----------
    kids, parents
        Polygons in EPSG:4326 indexed by code.
    crs
        Metric CRS for the areas.

    Returns
    -------
    Frame indexed by child code: ``best`` (parent code or None), ``share`` (0-1 of the
    child's area inside ``best``), ``area_m2`` (the child's area), ``others`` (text listing
    the other parents it overlaps, with shares).
    """
    km = to_metric(kids, crs)
    pm = to_metric(parents, crs)
    kid_arr, par_arr = km.to_numpy(), pm.to_numpy()
    tree = shapely.STRtree(par_arr)
    ki, pi = tree.query(kid_arr, predicate="intersects")
    inter = shapely.area(shapely.intersection(kid_arr[ki], par_arr[pi])) if len(ki) else []
    pairs = pd.DataFrame({"kid": ki, "par": pi, "area": inter})
    pairs = pairs[pairs["area"] > 0]
    kid_area = shapely.area(kid_arr)
    out = pd.DataFrame({"best": None, "share": 0.0, "area_m2": kid_area, "others": ""},
                       index=kids.index)
    if pairs.empty:
        return out
    pairs = pairs.sort_values(["kid", "area"], ascending=[True, False])
    pairs["share"] = pairs["area"] / kid_area[pairs["kid"].to_numpy()]
    pcodes = np.asarray(parents.index, dtype=object)
    first = pairs.drop_duplicates("kid")
    out.iloc[first["kid"].to_numpy(), out.columns.get_loc("best")] = pcodes[first["par"]]
    out.iloc[first["kid"].to_numpy(), out.columns.get_loc("share")] = first["share"].to_numpy()
    rest = pairs[~pairs.index.isin(first.index)]
    if not rest.empty:
        text = rest.groupby("kid").apply(
            lambda g: ", ".join(f"{pcodes[p]} {s:.0%}" for p, s in zip(g["par"], g["share"],
                                                                        strict=True)),
            include_groups=False)
        out.iloc[text.index.to_numpy(), out.columns.get_loc("others")] = text.to_numpy()
    return out


def _reject(reasons: dict[int, list[str]], idx: object, reason: str) -> None:
    reasons.setdefault(int(idx), []).append(reason)  # type: ignore[call-overload]


def plan_areas(gdf: gpd.GeoDataFrame, source: AreaSource, existing: pd.DataFrame) -> AreaPlan:
    """Decide which features become which ``areas`` rows; nothing is written.

    Parameters
    ----------
    gdf
        Features in EPSG:4326 as returned by :func:`read_features`.
    source
        Field names and parent options.
    existing
        The ``areas`` table as it stands (``queries.imports.fetch_areas``).

    Returns
    -------
    AreaPlan
        ``rows`` holds the accepted areas (WKB in EPSG:4326); rejections carry the feature
        number (from 1) and the reason; findings report repairs, overlaps and gaps between
        areas of the level (m²), and areas lying partly outside their parent.
    """
    level = source.level
    gdf = gdf.reset_index(drop=True)
    n = len(gdf)
    reasons: dict[int, list[str]] = {}
    findings: list[Finding] = []
    codes = pd.Series([norm_code(v) for v in gdf[source.code_field]], dtype=object)
    names = pd.Series([norm_code(v) for v in gdf[source.name_field]], dtype=object)
    geoms = gdf.geometry.to_numpy().copy()
    originals = {i + 1: {k: (v if not isinstance(v, shapely.Geometry) else None)
                         for k, v in row.items() if k != gdf.geometry.name}
                 for i, row in enumerate(gdf.to_dict("records"))}

    for i in range(n):
        code, name = codes[i], names[i]
        if code is None:
            _reject(reasons, i, f"no code in field {source.code_field}")
        elif len(code) > 40:
            _reject(reasons, i, f"code longer than 40 characters: {code!r}")
        if name is None:
            _reject(reasons, i, f"no name in field {source.name_field}")
        elif len(name) > 100:
            _reject(reasons, i, "name longer than 100 characters")

    # geometry: present, polygonal, valid (repaired where not)
    repaired = 0
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            _reject(reasons, i, "no geometry")
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
            _reject(reasons, i, f"not a polygon ({geom.geom_type})")
            continue
        if not geom.is_valid:
            why = shapely.is_valid_reason(geom)
            fixed = _polygonal(shapely.make_valid(geom, method="structure",
                                                  keep_collapsed=False))
            if fixed.is_empty:
                _reject(reasons, i, f"invalid polygon ({why}) with no area left after repair")
                continue
            geoms[i] = fixed
            repaired += 1
            findings.append(Finding("repaired", codes[i] or f"#{i + 1}",
                                    f"invalid polygon repaired with make_valid: {why}"))
        elif geom.geom_type == "GeometryCollection":
            geoms[i] = _polygonal(geom)
            if geoms[i].is_empty:
                _reject(reasons, i, "no polygon in the geometry collection")

    # duplicates inside the file: which one is right cannot be known, so none is taken
    rows_of: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        if code is not None:
            rows_of.setdefault(code, []).append(i)
    for code, rows in rows_of.items():
        if len(rows) > 1:
            listed = ", ".join(str(r + 1) for r in rows)
            for r in rows:
                _reject(reasons, r, f"duplicate code {code} (features {listed})")

    known_level = dict(zip(existing["code"], existing["level"], strict=True))
    for i, code in enumerate(codes):
        if code is not None and known_level.get(code, level) != level:
            _reject(reasons, i, f"code {code} exists already as a {known_level[code]}")

    parents, root = _parents(gdf, codes, source, existing, reasons, findings, geoms)

    ok = np.array([i not in reasons for i in range(n)], dtype=bool)
    households = _integers(gdf, source.households_field, reasons, ok)
    population = _integers(gdf, source.population_field, reasons, ok)
    ok = np.array([i not in reasons for i in range(n)], dtype=bool)

    rows = pd.DataFrame({
        "code": codes[ok].to_numpy(dtype=object),
        "name": names[ok].to_numpy(dtype=object),
        "level": level,
        "parent_code": parents[ok].to_numpy(dtype=object),
        "households": households[ok],
        "population": population[ok],
        "geom": list(shapely.to_wkb(geoms[ok])),
        "geom_crs": WGS84,
        "geom_source": GEOM_SOURCE,
        "row": np.flatnonzero(ok) + 1,
    })
    accepted = gpd.GeoSeries(geoms[ok], index=rows["code"], crs=WGS84)
    inside: dict[tuple[str, str], float] = {}  # (code, parent) -> m² inside the parent
    findings += check_nesting(accepted, rows, existing, source, inside)
    findings += check_siblings(accepted, rows, existing, level, inside)
    rejections = [Rejection(i + 1, codes[i] or "", "; ".join(reasons[i]))
                  for i in sorted(reasons)]
    return AreaPlan(rows=rows, rejections=rejections, findings=findings, repaired=repaired,
                    root=root, originals=originals)


def _integers(gdf: gpd.GeoDataFrame, fieldname: str | None, reasons: dict[int, list[str]],
              ok: np.ndarray) -> np.ndarray:
    out = np.full(len(gdf), None, dtype=object)
    if not fieldname:
        return out
    values = pd.to_numeric(gdf[fieldname], errors="coerce")
    for i, (raw, v) in enumerate(zip(gdf[fieldname], values, strict=True)):
        if norm_code(raw) is None:
            continue
        if pd.isna(v) or v < 0 or not float(v).is_integer():
            _reject(reasons, i, f"{fieldname} is not a whole number >= 0: {raw!r}")
        else:
            out[i] = int(v)
    return out


def _parents(gdf: gpd.GeoDataFrame, codes: pd.Series, source: AreaSource,
             existing: pd.DataFrame, reasons: dict[int, list[str]], findings: list[Finding],
             geoms: np.ndarray) -> tuple[pd.Series, dict[str, object] | None]:
    """Each feature's parent code (None for a county) and a derived root, if one is needed."""
    level, n = source.level, len(gdf)
    parents = pd.Series([None] * n, dtype=object)
    counties = existing.loc[existing["level"] == "county", "code"].tolist()
    if level == "county":
        if n > 1:
            for i in range(n):
                _reject(reasons, i, f"a county import holds one polygon, this file has {n}")
        for i, code in enumerate(codes):
            if counties and code not in counties:
                _reject(reasons, i, f"the area tree has a county already ({counties[0]}); "
                                    "one county per database")
        return parents, None
    above = LEVEL_ABOVE[level]
    root: dict[str, object] | None = None
    if source.parent_field:
        parents[:] = [norm_code(v) for v in gdf[source.parent_field]]
    elif source.parent_prefix is not None:
        k = source.parent_prefix
        parents[:] = [c[:k] if c is not None and len(c) > k else None for c in codes]
        for i, c in enumerate(codes):
            if c is not None and len(c) <= k:
                _reject(reasons, i, f"code {c} is not longer than --parent-prefix {k}")
    elif level == "town":
        if len(counties) > 1:
            raise ValueError(f"the database holds several counties ({', '.join(counties)})")
        parents[:] = counties[0] if counties else (source.root_code or "county")
    else:
        _place_by_overlap(codes, geoms, above, existing, parents, reasons, findings)

    if level == "town" and not counties:
        wanted = {p for i, p in enumerate(parents) if p is not None and i not in reasons}
        if len(wanted) == 1:
            code = next(iter(wanted))
            root = {"code": code, "name": source.root_name or code, "level": "county",
                    "parent_code": None, "households": None, "population": None,
                    "geom": None, "geom_crs": None, "geom_source": DERIVED_SOURCE}
            findings.append(Finding("root", code, "no county in the database: a county root "
                                    "is created, its outline dissolved from its towns"))
    known_level = dict(zip(existing["code"], existing["level"], strict=True))
    if root is not None:
        known_level[str(root["code"])] = "county"
    for i, parent in enumerate(parents):
        if i in reasons and parent is None:
            continue
        if parent is None:
            _reject(reasons, i, f"no parent code in field {source.parent_field}")
        elif parent not in known_level:
            _reject(reasons, i, f"parent {parent} not found: import the {above}s first "
                                "(orphan)")
        elif known_level[parent] != above:
            _reject(reasons, i, f"parent {parent} is a {known_level[parent]}, a {level}'s "
                                f"parent must be a {above}")
    return parents, root


def outlines(existing: pd.DataFrame) -> gpd.GeoDataFrame:
    """Every area's outline in EPSG:4326: stored where present, else dissolved from its
    children (the map's own :func:`geodata.layers.build_outlines`, which falls back to a
    general union for real data whose neighbours do not share vertices exactly)."""
    from geodata.layers import build_outlines

    return build_outlines(existing)


def _parent_outlines(existing: pd.DataFrame, level: str) -> gpd.GeoDataFrame:
    """Outlines of the areas of ``level`` (stored, or dissolved from their children)."""
    if existing.empty:
        return gpd.GeoDataFrame({"source": []}, geometry=gpd.GeoSeries([], crs=WGS84))
    gdf = outlines(existing[existing["level"].isin(LEVELS[LEVELS.index(level):])])
    rows = gdf[(gdf["level"] == level) & gdf.geometry.notna()]
    return rows[~rows.geometry.is_empty]


def _place_by_overlap(codes: pd.Series, geoms: np.ndarray, above: str, existing: pd.DataFrame,
                      parents: pd.Series, reasons: dict[int, list[str]],
                      findings: list[Finding]) -> None:
    """No parent field: each area goes to the area of the level above it overlaps most."""
    outlines = _parent_outlines(existing, above)
    if outlines.empty:
        raise ValueError(f"no --parent-field / --parent-prefix, and no {above} has a polygon "
                         f"to place these areas in: import the {above}s first or name the "
                         "parent field")
    usable = [i for i in range(len(codes)) if i not in reasons]
    if not usable:
        return
    kids = gpd.GeoSeries([geoms[i] for i in usable],
                         index=[codes[i] or f"#{i + 1}" for i in usable], crs=WGS84)
    crs = metric_crs(kids)
    best = largest_overlap(kids, outlines.geometry, crs)
    for i, (key, row) in zip(usable, best.iterrows(), strict=True):
        if row["best"] is None:
            _reject(reasons, i, f"outside every {above}: no parent can be found")
            continue
        parents[i] = row["best"]
        if row["share"] < 1 - OUTSIDE_SHARE:
            also = f"; also in {row['others']}" if row["others"] else ""
            findings.append(Finding(
                "placed-by-overlap", str(key),
                f"placed in {row['best']} by largest overlap ({row['share']:.1%} of it){also}",
                float(row["area_m2"] * (1 - row["share"]))))


def inside_area(geom: shapely.Geometry, parent: shapely.Geometry,
                cache: dict[tuple[str, str], float], key: tuple[str, str]) -> float:
    """Area (m², metric CRS) of ``geom`` inside ``parent``; memoised in ``cache`` by key."""
    if key not in cache:
        cache[key] = geom.area if parent.covers(geom) else geom.intersection(parent).area
    return cache[key]


def check_nesting(accepted: gpd.GeoSeries, rows: pd.DataFrame, existing: pd.DataFrame,
                  source: AreaSource, inside: dict[tuple[str, str], float]) -> list[Finding]:
    """Areas lying partly outside the stored polygon of their (declared) parent."""
    if source.level == "county" or accepted.empty:
        return []
    if not (source.parent_field or source.parent_prefix is not None):
        return []  # placed by overlap: already reported there
    outlines = _parent_outlines(existing, LEVEL_ABOVE[source.level])
    stored = outlines[outlines["source"] == "stored"]
    if stored.empty:
        return []
    crs = metric_crs(accepted)
    declared = dict(zip(rows["code"], rows["parent_code"], strict=True))
    km = to_metric(accepted, crs)
    pm = to_metric(stored.geometry, crs)
    out: list[Finding] = []
    for code, geom in km.items():
        parent = declared.get(code)
        if parent not in pm.index or geom.area <= 0:
            continue
        area = geom.area
        outside = area - inside_area(geom, pm[parent], inside, (str(code), str(parent)))
        if outside / area <= OUTSIDE_SHARE:
            continue
        best = largest_overlap(accepted.loc[[code]], stored.geometry, crs).iloc[0]
        alt = best["best"]
        hint = (f"; it overlaps {alt} most ({best['share']:.0%}) - kept under the "
                f"declared parent" if alt is not None and alt != parent else "")
        out.append(Finding("outside-parent", str(code),
                           f"{outside / area:.1%} lies outside its parent {parent}{hint}",
                           float(outside)))
    return out


def check_siblings(accepted: gpd.GeoSeries, rows: pd.DataFrame, existing: pd.DataFrame,
                   level: str, inside: dict[tuple[str, str], float]) -> list[Finding]:
    """Overlaps between areas of the level, and gaps inside their parents (m²)."""
    if accepted.empty:
        return []
    others = existing[(existing["level"] == level) & existing["geom"].notna()
                      & ~existing["code"].isin(rows["code"])]
    from geodata.layers import to_geoseries

    old = to_geoseries(others["geom"], others["geom_crs"]) if len(others) else None
    geoms = pd.concat([accepted, old.set_axis(others["code"])]) if old is not None \
        else accepted
    parent_of = dict(zip(others["code"], others["parent_code"], strict=True))
    parent_of.update(zip(rows["code"], rows["parent_code"], strict=True))
    crs = metric_crs(geoms)
    metric = to_metric(gpd.GeoSeries(geoms.to_numpy(), index=geoms.index, crs=WGS84), crs)
    arr = metric.to_numpy()
    codes = np.asarray(metric.index, dtype=object)
    findings: list[Finding] = []
    tree = shapely.STRtree(arr)
    a, b = tree.query(arr, predicate="overlaps")
    keep = a < b
    a, b = a[keep], b[keep]
    overlap_in: dict[object, float] = {}  # parent -> m² where its children overlap
    if len(a):
        areas = shapely.area(shapely.intersection(arr[a], arr[b]))
        for i, j, size in zip(a, b, areas, strict=True):
            if size >= MIN_AREA_M2:
                same = parent_of.get(codes[i]) == parent_of.get(codes[j])
                if same:
                    parent = parent_of.get(codes[i])
                    overlap_in[parent] = overlap_in.get(parent, 0.0) + float(size)
                kind = "siblings" if same else f"{level}s of different parents"
                findings.append(Finding("overlap", f"{codes[i]}/{codes[j]}",
                                        f"{codes[i]} and {codes[j]} overlap ({kind})",
                                        float(size)))
    # gaps: inside a stored parent polygon, or enclosed by the siblings' union
    outlines = _parent_outlines(existing, LEVEL_ABOVE[level]) if level != "county" else None
    groups = pd.Series([parent_of.get(c) for c in codes], index=codes, dtype=object)
    for parent, members in groups.groupby(groups).groups.items():
        stored = outlines is not None and parent in outlines.index and \
            outlines.loc[parent, "source"] == "stored"
        if stored:
            assert outlines is not None
            shape = to_metric(gpd.GeoSeries([outlines.loc[parent, "geometry"]], crs=WGS84),
                              crs).iloc[0]
            # covered = sum of the parts inside minus double-counted overlaps (no full
            # difference of detailed polygons needed)
            covered = sum(inside_area(metric[m], shape, inside, (str(m), str(parent)))
                          for m in members) - overlap_in.get(parent, 0.0)
            gap = shape.area - covered
            if gap >= MIN_AREA_M2 and gap > 1e-4 * shape.area:
                findings.append(Finding("gap", str(parent),
                                        f"{gap / shape.area:.2%} of {parent} is covered by "
                                        f"none of its {level}s", float(gap)))
            continue
        union = shapely.union_all(metric.loc[list(members)].to_numpy())
        holes = [shapely.Polygon(r) for p in shapely.get_parts(union)
                 for r in getattr(p, "interiors", [])]
        for hole in holes:
            inner = hole.difference(union).area
            if inner >= MIN_AREA_M2:
                findings.append(Finding("gap", str(parent),
                                        f"a hole enclosed by the {level}s of {parent}, "
                                        "covered by none", float(inner)))
    return findings
