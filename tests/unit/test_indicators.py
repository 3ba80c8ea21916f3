"""The coverage index, Gini, Lorenz and quintile gap against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dashboard import indicators as ind


def shares(**cols: list[float]) -> pd.DataFrame:
    return pd.DataFrame({ind.COLUMNS[k]: v for k, v in cols.items()})


# -- Gini ------------------------------------------------------------------------------------


@pytest.mark.parametrize("values", [[5.0] * 7, [1.0], [0.0, 0.0, 0.0], [62.5, 62.5]])
def test_gini_equal_distribution_is_zero(values: list[float]) -> None:
    assert ind.gini(values) == 0.0


def test_gini_hand_computed_cases() -> None:
    # one of four holds everything: sum |xi-xj| = 2*3*1 = 6; / (2 * 16 * 0.25) = 0.75
    assert ind.gini([0, 0, 0, 1]) == pytest.approx(0.75)
    # 1, 2, 3: pairwise |diff| over ordered pairs = 2*(1+2+1) = 8; / (2 * 9 * 2) = 2/9
    assert ind.gini([3, 1, 2]) == pytest.approx(2 / 9)
    # 1 and 3: 2*2 / (2 * 4 * 2) = 0.25
    assert ind.gini([1, 3]) == pytest.approx(0.25)


def test_gini_matches_mean_absolute_difference() -> None:
    x = np.random.default_rng(3).uniform(10, 90, 57)
    mad = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert ind.gini(x) == pytest.approx(mad, rel=1e-12)


def test_gini_ignores_nan_and_rejects_negative() -> None:
    assert ind.gini([1, 3, math.nan]) == pytest.approx(0.25)
    assert math.isnan(ind.gini([]))
    assert math.isnan(ind.gini([math.nan]))
    with pytest.raises(ValueError):
        ind.gini([1, -1])


def test_gini_grows_when_the_weak_fall_behind() -> None:
    before = [40, 50, 60, 70, 80]
    after = [30, 45, 60, 75, 90]  # same mean, wider spread
    assert ind.gini(after) > ind.gini(before)


# -- Lorenz ----------------------------------------------------------------------------------


def test_lorenz_equal_is_the_diagonal() -> None:
    x, y = ind.lorenz([4, 4, 4, 4])
    np.testing.assert_allclose(x, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(y, x)


def test_lorenz_hand_computed() -> None:
    x, y = ind.lorenz([3, 1, 2, 4])  # sorted 1,2,3,4, total 10
    np.testing.assert_allclose(x, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(y, [0, 0.1, 0.3, 0.6, 1.0])


def test_lorenz_area_gives_the_gini() -> None:
    values = np.random.default_rng(5).uniform(20, 95, 40)
    x, y = ind.lorenz(values)
    area = float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))
    assert 1 - 2 * area == pytest.approx(ind.gini(values), rel=1e-12)


def test_lorenz_empty_is_the_equality_line() -> None:
    x, y = ind.lorenz([])
    assert list(x) == [0.0, 1.0] and list(y) == [0.0, 1.0]


# -- quintile gap ----------------------------------------------------------------------------


def test_quintile_gap_hand_computed() -> None:
    # ten values: a fifth is two; top 90, 100 (mean 95), bottom 10, 20 (mean 15)
    assert ind.quintile_gap([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]) == pytest.approx(80)
    # thirteen values: a fifth is 13 // 5 = 2
    values = list(range(1, 14))
    assert ind.quintile_gap(values) == pytest.approx((12.5) - (1.5))
    # four values: a fifth is at least one
    assert ind.quintile_gap([5, 1, 9, 3]) == pytest.approx(8)


def test_quintile_gap_equal_and_too_few() -> None:
    assert ind.quintile_gap([7] * 12) == 0
    assert math.isnan(ind.quintile_gap([7]))
    assert math.isnan(ind.quintile_gap([]))


# -- the index -------------------------------------------------------------------------------


def test_index_by_hand_with_default_weights() -> None:
    frame = shares(registered=[1.0, 0.5], active=[1.0, 0.2], study=[1.0, 0.4],
                   meetings=[1.0, 0.75], broadband=[1.0, 0.6])
    got = ind.coverage_index(frame, ind.DEFAULT_WEIGHTS)
    expected = 100 * (0.2 * 0.5 + 0.25 * 0.2 + 0.2 * 0.4 + 0.2 * 0.75 + 0.15 * 0.6)
    assert got.tolist() == pytest.approx([100.0, expected])


def test_index_missing_indicator_is_nan_not_a_guess() -> None:
    frame = shares(registered=[math.nan], active=[math.nan], study=[0.9],
                   meetings=[1.0], broadband=[0.5])
    assert math.isnan(ind.coverage_index(frame, ind.DEFAULT_WEIGHTS).iloc[0])
    # ... unless its weight is zero
    w = ind.parse_weights("study=1,meetings=1")
    assert ind.coverage_index(frame, w).iloc[0] == pytest.approx(95.0)


def test_default_weights_sum_to_one_and_cover_every_indicator() -> None:
    assert set(ind.DEFAULT_WEIGHTS) == set(ind.INDICATORS) == set(ind.COLUMNS)
    assert sum(ind.DEFAULT_WEIGHTS.values()) == pytest.approx(1.0)


# -- weights from the environment ------------------------------------------------------------


def test_parse_weights_valid_and_rescaled() -> None:
    w = ind.parse_weights("registered=0.2,active=0.25,study=0.2,meetings=0.2,broadband=0.15")
    assert w == pytest.approx(ind.DEFAULT_WEIGHTS)
    w = ind.parse_weights(" Active = 3 , study=1 ")
    assert w == pytest.approx({"registered": 0, "active": 0.75, "study": 0.25,
                               "meetings": 0, "broadband": 0})


@pytest.mark.parametrize("spec,fragment", [
    ("", "empty"),
    ("registered", "key=value"),
    ("speed=1", "unknown indicator 'speed'"),
    ("active=0.5,active=0.5", "given twice"),
    ("active=lots", "not a number"),
    ("active=-1,study=2", ">= 0"),
    ("active=nan", ">= 0"),
    ("active=inf", ">= 0"),
    ("active=0,study=0", "positive"),
])
def test_parse_weights_rejects_bad_input_clearly(spec: str, fragment: str) -> None:
    with pytest.raises(ind.WeightsError, match=None) as err:
        ind.parse_weights(spec)
    assert fragment in str(err.value)
    assert ind.WEIGHTS_ENV in str(err.value)


def test_configured_weights_reads_the_environment() -> None:
    assert ind.configured_weights({}) == ind.DEFAULT_WEIGHTS
    assert ind.configured_weights({ind.WEIGHTS_ENV: "active=1"})["active"] == 1.0
    with pytest.raises(ind.WeightsError):
        ind.configured_weights({ind.WEIGHTS_ENV: "activity=1"})


def test_configured_weights_process_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ind.WEIGHTS_ENV, "meetings=1")
    assert ind.as_key() == (("registered", 0.0), ("active", 0.0), ("study", 0.0),
                            ("meetings", 1.0), ("broadband", 0.0))


# -- what pulls a branch down ----------------------------------------------------------------


def test_weakest_names_the_indicators_below_the_typical_branch() -> None:
    frame = shares(registered=[0.9, 0.9, 0.9], active=[0.6, 0.6, 0.1],
                   study=[0.8, 0.8, 0.75], meetings=[1.0, 1.0, 0.25], broadband=[0.5] * 3)
    names = ind.weakest(frame, ind.DEFAULT_WEIGHTS)
    # branch 3: active loses 25*0.5 = 12.5 points, meetings 20*0.75 = 15, study 20*0.05 = 1
    assert names[2] == ["meetings", "active"]
    assert names[0] == [] and names[1] == []
    loss = ind.shortfalls(frame, ind.DEFAULT_WEIGHTS)
    assert loss.loc[2, "meetings"] == pytest.approx(15.0)
    assert loss.loc[2, "active"] == pytest.approx(12.5)
