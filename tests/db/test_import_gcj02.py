"""GCJ-02 offsets against published reference points (eviltransform, coordtransform)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geodata.gcj02 import gcj02_to_wgs84, geometry_gcj02_to_wgs84, out_of_china, wgs84_to_gcj02

# (WGS84 lon, lat, GCJ-02 lon, lat) as published by the open implementations' tests
KNOWN = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),    # Shanghai
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),    # Shenzhen
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),    # Beijing
    (116.404, 39.915, 116.41024449916938, 39.91640428150164),          # Beijing, Tian'anmen
]


@pytest.mark.parametrize(("lon", "lat", "glon", "glat"), KNOWN)
def test_gcj02_forward_matches_reference(lon: float, lat: float, glon: float,
                                         glat: float) -> None:
    x, y = wgs84_to_gcj02(lon, lat)
    assert float(x) == pytest.approx(glon, abs=1e-9)
    assert float(y) == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize(("lon", "lat", "glon", "glat"), KNOWN)
def test_gcj02_inverse_recovers_wgs84(lon: float, lat: float, glon: float,
                                      glat: float) -> None:
    x, y = gcj02_to_wgs84(glon, glat)
    assert float(x) == pytest.approx(lon, abs=1e-9)  # 1e-9 degrees is 0.1 mm
    assert float(y) == pytest.approx(lat, abs=1e-9)


def test_gcj02_round_trip_over_china_and_identity_outside() -> None:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(75, 135, 2000), rng.uniform(18, 53, 2000)
    x, y = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.abs(x - lon).max() < 1e-8 and np.abs(y - lat).max() < 1e-8
    shift = np.hypot(*(np.array(wgs84_to_gcj02(lon, lat)) - [lon, lat]))
    assert shift.min() > 1e-4  # the offset exists everywhere inside (> ~10 m)
    nyc = wgs84_to_gcj02(-74.0, 40.7)
    assert out_of_china(-74.0, 40.7) and (float(nyc[0]), float(nyc[1])) == (-74.0, 40.7)


def test_gcj02_geometry_inverse() -> None:
    box = shapely.box(121.0, 41.0, 121.01, 41.01)
    shifted = shapely.transform(box, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0],
                                                                                xy[:, 1])))
    back = geometry_gcj02_to_wgs84([shifted])[0]
    assert shapely.hausdorff_distance(back, box) < 1e-9
