"""Closure table of the area tree (``area_paths``), built from ``areas.parent_code``.

The closure holds one row per (ancestor, descendant) pair, including every area paired with
itself at depth 0, so that scoping a query to a subtree is a single semi-join.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["build_area_paths"]


def build_area_paths(areas: pd.DataFrame) -> pd.DataFrame:
    """Build the closure table of an area tree.

    Parameters
    ----------
    areas : pandas.DataFrame
        One row per area with columns ``code`` (unique, non-null) and ``parent_code``
        (null for roots, otherwise the code of another row).

    Returns
    -------
    pandas.DataFrame
        Columns ``ancestor_code``, ``descendant_code`` and ``depth`` (int, 0 for the row
        pairing an area with itself, 1 for its parent, ...), sorted by ancestor, depth and
        descendant.

    Raises
    ------
    ValueError
        If a code is missing or duplicated, a parent code is unknown, or the parent links
        contain a cycle (the message names a code on the cycle).
    """
    codes = areas["code"]
    if codes.isna().any():
        raise ValueError("area code must not be null")
    duplicated = codes[codes.duplicated()]
    if not duplicated.empty:
        raise ValueError(f"duplicate area code {duplicated.iloc[0]!r}")
    has_parent = areas["parent_code"].notna()
    edges = pd.DataFrame(
        {
            "parent": areas.loc[has_parent, "parent_code"].astype(object).to_numpy(),
            "child": areas.loc[has_parent, "code"].astype(object).to_numpy(),
        }
    )
    unknown = ~edges["parent"].isin(set(codes.astype(object)))
    if unknown.any():
        row = edges[unknown].iloc[0]
        raise ValueError(f"area {row['child']!r} has unknown parent {row['parent']!r}")

    level = pd.DataFrame(
        {
            "ancestor_code": codes.astype(object).to_numpy(),
            "descendant_code": codes.astype(object).to_numpy(),
        }
    )
    parts = [level.assign(depth=0)]
    depth = 0
    # Walk down one level per iteration: every path of length depth+1 extends a path of
    # length depth by one child edge. A cycle of length k shows up as (a, a) at depth k.
    while not level.empty:
        depth += 1
        level = level.merge(edges, left_on="descendant_code", right_on="parent")[
            ["ancestor_code", "child"]
        ].rename(columns={"child": "descendant_code"})
        looped = level["ancestor_code"] == level["descendant_code"]
        if looped.any():
            code = sorted(level.loc[looped, "ancestor_code"])[0]
            raise ValueError(f"cycle in the area tree through code {code!r}")
        if not level.empty:
            parts.append(level.assign(depth=depth))
    out = pd.concat(parts, ignore_index=True)
    out["depth"] = out["depth"].astype("int64")
    out = out.sort_values(["ancestor_code", "depth", "descendant_code"], kind="stable")
    return out.reset_index(drop=True)
