"""Digital coverage of party branches: the composite index and the spread between branches.

Pure functions (no database, no Dash). The formula is published on the coverage page:

    index = 100 * sum_i w_i * x_i        (weights sum to 1)

over five indicators, each a share from 0 to 1 for one branch and one month:

- ``registered`` (column ``registered_share``): members registered on the platform / members;
  default weight 0.20
- ``active`` (``active_share``): members active in the last 30 days / members; 0.25
- ``study`` (``study_completion``): share of the online study plan completed; 0.20
- ``meetings`` (``meetings_share``): 三会一课 recorded online / required; 0.20
- ``broadband`` (``broadband_share``): households with broadband / households; 0.15

A branch where an indicator with a positive weight is missing (no members, no meetings
required, no households, no study figure) gets no index (NaN) rather than a guess; the page
flags it. The weights can be changed with the environment variable
``COUNTYDASH_COVERAGE_WEIGHTS``, e.g. ``"registered=0.2,active=0.25,study=0.2,meetings=0.2,
broadband=0.15"``; unlisted indicators get weight 0 and the weights are rescaled to sum to 1.

The spread: the Gini coefficient (0 = every branch equal, 1 = one branch holds everything),
the Lorenz curve, and the quintile gap (mean index of the top fifth of branches minus that
of the bottom fifth, in index points). A Gini or gap that grows month by month is the
Matthew effect: weak branches falling further behind.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

#: The indicators of the index, in the order they are shown.
INDICATORS: tuple[str, ...] = ("registered", "active", "study", "meetings", "broadband")

#: The frame column (a 0-1 share) of each indicator.
COLUMNS: dict[str, str] = {
    "registered": "registered_share",
    "active": "active_share",
    "study": "study_completion",
    "meetings": "meetings_share",
    "broadband": "broadband_share",
}

#: Default weights (sum 1): activity weighs most, infrastructure least, because the index
#: measures what the branch itself does with the platform.
DEFAULT_WEIGHTS: dict[str, float] = {
    "registered": 0.20, "active": 0.25, "study": 0.20, "meetings": 0.20, "broadband": 0.15,
}

WEIGHTS_ENV = "COUNTYDASH_COVERAGE_WEIGHTS"

Weights = tuple[tuple[str, float], ...]


class WeightsError(ValueError):
    """The weight specification cannot be used; the message says why and what is allowed."""


def parse_weights(spec: str) -> dict[str, float]:
    """Parse ``"registered=0.2,active=0.25,..."`` into weights that sum to 1.

    Parameters
    ----------
    spec
        Comma-separated ``key=value`` pairs; keys from :data:`INDICATORS`, values finite,
        non-negative numbers, at least one positive. Unlisted indicators get weight 0.

    Returns
    -------
    dict
        One weight per indicator of :data:`INDICATORS` (in that order), rescaled to sum to 1.

    Raises
    ------
    WeightsError
        On an empty spec, a malformed pair, an unknown or repeated key, a value that is not a
        finite non-negative number, or when every weight is 0.
    """
    allowed = ", ".join(INDICATORS)
    if not spec or not spec.strip():
        raise WeightsError(f"{WEIGHTS_ENV} is empty; expected e.g. "
                           "'registered=0.2,active=0.25,study=0.2,meetings=0.2,broadband=0.15'")
    raw: dict[str, float] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep:
            raise WeightsError(f"{WEIGHTS_ENV}: '{part.strip()}' is not of the form key=value")
        if key not in INDICATORS:
            raise WeightsError(f"{WEIGHTS_ENV}: unknown indicator '{key}'; allowed: {allowed}")
        if key in raw:
            raise WeightsError(f"{WEIGHTS_ENV}: indicator '{key}' is given twice")
        try:
            number = float(value.strip())
        except ValueError:
            raise WeightsError(
                f"{WEIGHTS_ENV}: weight of '{key}' is not a number: '{value.strip()}'"
            ) from None
        if not math.isfinite(number) or number < 0:
            raise WeightsError(
                f"{WEIGHTS_ENV}: weight of '{key}' must be a finite number >= 0, got {number}")
        raw[key] = number
    total = sum(raw.values())
    if total <= 0:
        raise WeightsError(f"{WEIGHTS_ENV}: at least one weight must be positive")
    return {k: raw.get(k, 0.0) / total for k in INDICATORS}


def configured_weights(environ: Mapping[str, str] | None = None) -> dict[str, float]:
    """The weights from ``COUNTYDASH_COVERAGE_WEIGHTS``, or :data:`DEFAULT_WEIGHTS` if unset.

    Read on every call (cheap), so nothing is kept in a module global.
    """
    env = os.environ if environ is None else environ
    spec = env.get(WEIGHTS_ENV, "")
    return parse_weights(spec) if spec.strip() else dict(DEFAULT_WEIGHTS)


def as_key(weights: Mapping[str, float] | None = None) -> Weights:
    """Weights as a hashable tuple of (indicator, weight), the form queries take."""
    w = configured_weights() if weights is None else weights
    return tuple((k, float(w.get(k, 0.0))) for k in INDICATORS)


def _weights(weights: Mapping[str, float] | Weights | None) -> dict[str, float]:
    if weights is None:
        return configured_weights()
    return dict(weights)


def coverage_index(frame: pd.DataFrame, weights: Mapping[str, float] | Weights | None = None
                   ) -> pd.Series:
    """The composite coverage index, 0-100, per row of ``frame``.

    Parameters
    ----------
    frame
        One row per branch (and month) with the share columns of :data:`COLUMNS` (0-1).
    weights
        Indicator -> weight (summing to 1); default: :func:`configured_weights`.

    Returns
    -------
    pandas.Series
        ``100 * sum(w_i * x_i)``, aligned with ``frame``; NaN where an indicator with a
        positive weight is missing.
    """
    w = _weights(weights)
    total = pd.Series(0.0, index=frame.index)
    for key, weight in w.items():
        if weight > 0:
            total = total + weight * pd.to_numeric(frame[COLUMNS[key]], errors="coerce")
    return (100.0 * total).rename("coverage_index")


def _clean(values: Any) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    return x[~np.isnan(x)]


def gini(values: Any) -> float:
    """Gini coefficient of non-negative values; NaN values are left out.

    Parameters
    ----------
    values
        Array-like of non-negative numbers (here: the index of each branch).

    Returns
    -------
    float
        ``sum_ij |x_i - x_j| / (2 n^2 mean)`` (population form): 0 when all values are
        equal (or all 0), up to ``(n-1)/n`` when one value holds everything; NaN without
        values.
    """
    x = np.sort(_clean(values))
    n = len(x)
    if n == 0:
        return math.nan
    if (x < 0).any():
        raise ValueError("gini() needs non-negative values")
    total = x.sum()
    if total == 0:
        return 0.0
    rank = np.arange(1, n + 1)
    return float(((2 * rank - n - 1) * x).sum() / (n * total))


def lorenz(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Points of the Lorenz curve, from (0, 0) to (1, 1).

    Returns
    -------
    (x, y)
        ``x[k]`` = share of branches (weakest first), ``y[k]`` = their share of the index
        total; both 0-1, length n + 1. Empty input gives the equality line's two ends.
    """
    x = np.sort(_clean(values))
    n = len(x)
    if n == 0 or x.sum() == 0:
        return np.array([0.0, 1.0]), np.array([0.0, 1.0])
    share = np.concatenate([[0.0], np.cumsum(x) / x.sum()])
    return np.arange(n + 1) / n, share


def quintile_size(n: int) -> int:
    """Branches in a fifth: ``max(1, n // 5)`` (the same rule as the SQL of the trend)."""
    return max(1, n // 5)


def quintile_gap(values: Any) -> float:
    """Mean of the top fifth of values minus the mean of the bottom fifth.

    A fifth holds ``max(1, n // 5)`` values. NaN with fewer than two values.
    """
    x = np.sort(_clean(values))
    n = len(x)
    if n < 2:
        return math.nan
    k = quintile_size(n)
    return float(x[-k:].mean() - x[:k].mean())


def shortfalls(frame: pd.DataFrame, weights: Mapping[str, float] | Weights | None = None,
               reference: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Index points each branch loses per indicator against a typical branch.

    Parameters
    ----------
    frame
        Rows with the share columns of :data:`COLUMNS`.
    weights
        As for :func:`coverage_index`.
    reference
        Indicator -> the share a typical branch reaches; default: the median over ``frame``.

    Returns
    -------
    pandas.DataFrame
        One column per indicator: ``100 * w * (reference - x)``, in index points (positive =
        below the typical branch); NaN where the indicator is missing.
    """
    w = _weights(weights)
    # one array, not a frame column at a time (6 ms for a village's single branch)
    x = pd.DataFrame({key: pd.to_numeric(frame[COLUMNS[key]], errors="coerce")
                      for key in INDICATORS}, index=frame.index).astype(float)
    ref = (pd.Series(reference, dtype=float).reindex(list(INDICATORS))
           if reference is not None else x.median())
    scale = 100.0 * np.array([w.get(key, 0.0) for key in INDICATORS])
    return pd.DataFrame(scale * (ref.to_numpy() - x.to_numpy()), index=frame.index,
                        columns=list(INDICATORS))


def weakest(frame: pd.DataFrame, weights: Mapping[str, float] | Weights | None = None,
            top: int = 2, reference: Mapping[str, float] | None = None) -> list[list[str]]:
    """Per row, the indicators that pull the branch down most (largest positive shortfall).

    At most ``top`` names per row, largest first; an empty list when no indicator is below
    the typical branch.
    """
    loss = shortfalls(frame, weights, reference)
    names = np.asarray(loss.columns)
    values = loss.to_numpy(dtype=float, na_value=np.nan)
    # largest shortfall first; a stable sort keeps column order among equal shortfalls
    order = np.argsort(-np.nan_to_num(values, nan=-np.inf), axis=1, kind="stable")[:, :top]
    picked = np.take_along_axis(values, order, axis=1) > 0.05
    return [list(names[o[p]]) for o, p in zip(order, picked, strict=True)]
