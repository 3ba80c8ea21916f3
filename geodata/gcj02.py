"""WGS84 <-> GCJ-02 ("Mars coordinates" of Chinese web maps), vectorised.

GCJ-02 is WGS84 plus a deterministic, position-dependent offset of a few hundred metres,
applied inside mainland China only. The forward formula is the public-domain one used by
every open implementation (Krasovsky semi-major axis, polynomial-plus-sine offset); it has no
closed-form inverse, so :func:`gcj02_to_wgs84` iterates the forward formula to a fixed point
(converges to < 1e-9 degrees in a handful of steps).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["gcj02_to_wgs84", "geometry_gcj02_to_wgs84", "out_of_china", "wgs84_to_gcj02"]

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # its first eccentricity squared

Array = npt.NDArray[np.float64]


def out_of_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True where the point lies outside the box in which GCJ-02 applies an offset."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _offset(lon: Array, lat: Array) -> tuple[Array, Array]:
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + common
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + common
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * np.cos(rad) * np.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """WGS84 lon/lat (degrees) -> GCJ-02 lon/lat (degrees); unchanged outside China."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, *, tol: float = 1e-10,
                   max_iter: int = 30) -> tuple[Array, Array]:
    """GCJ-02 lon/lat (degrees) -> WGS84 lon/lat (degrees), by fixed-point iteration.

    Starts from ``gcj - offset(gcj)`` and corrects by the residual of the forward formula
    until it is below ``tol`` degrees (about 1e-5 m).
    """
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        rlon, rlat = flon - glon, flat - glat
        wlon, wlat = wlon - rlon, wlat - rlat
        if np.nanmax(np.abs(np.concatenate([np.ravel(rlon), np.ravel(rlat), [0.0]]))) < tol:
            break
    return wlon, wlat


def geometry_gcj02_to_wgs84(geoms: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Shapely geometries with GCJ-02 lon/lat vertices -> the same geometries in WGS84."""

    def shift(coords: Array) -> Array:
        x, y = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    arr = np.asarray(geoms, dtype=object)
    out: npt.NDArray[np.object_] = shapely.transform(arr, shift)
    return out


