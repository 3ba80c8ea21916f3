"""The closure table of the area tree."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.areatree import build_area_paths


def _areas(pairs: list[tuple[str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["code", "parent_code"])


def _rows(paths: pd.DataFrame) -> set[tuple[str, str, int]]:
    return {
        (a, d, int(k))
        for a, d, k in paths[["ancestor_code", "descendant_code", "depth"]].itertuples(index=False)
    }


def test_closure_of_a_small_tree() -> None:
    #   C
    #   +-- T1
    #   |   +-- V1
    #   |   |   +-- G1
    #   |   |   +-- G2
    #   |   +-- V2
    #   +-- T2
    areas = _areas(
        [
            ("G2", "V1"),  # children before parents: order must not matter
            ("V1", "T1"),
            ("C", None),
            ("T1", "C"),
            ("T2", "C"),
            ("V2", "T1"),
            ("G1", "V1"),
        ]
    )
    paths = build_area_paths(areas)
    expected = {(c, c, 0) for c in ["C", "T1", "T2", "V1", "V2", "G1", "G2"]} | {
        ("C", "T1", 1),
        ("C", "T2", 1),
        ("C", "V1", 2),
        ("C", "V2", 2),
        ("C", "G1", 3),
        ("C", "G2", 3),
        ("T1", "V1", 1),
        ("T1", "V2", 1),
        ("T1", "G1", 2),
        ("T1", "G2", 2),
        ("V1", "G1", 1),
        ("V1", "G2", 1),
    }
    assert list(paths.columns) == ["ancestor_code", "descendant_code", "depth"]
    assert len(paths) == len(expected)  # no duplicates
    assert _rows(paths) == expected
    # Subtree of T1 via the closure.
    below_t1 = set(paths.loc[paths["ancestor_code"] == "T1", "descendant_code"])
    assert below_t1 == {"T1", "V1", "V2", "G1", "G2"}


def test_forest_and_single_node() -> None:
    paths = build_area_paths(_areas([("A", None), ("B", None), ("B1", "B")]))
    assert _rows(paths) == {("A", "A", 0), ("B", "B", 0), ("B1", "B1", 0), ("B", "B1", 1)}
    assert build_area_paths(_areas([("X", None)])).shape == (1, 3)


def test_depth_counts_on_a_chain() -> None:
    chain = [("n0", None)] + [(f"n{i}", f"n{i - 1}") for i in range(1, 30)]
    paths = build_area_paths(_areas(chain))
    assert len(paths) == 30 * 31 // 2
    top = paths[paths["ancestor_code"] == "n0"].set_index("descendant_code")["depth"]
    assert top["n29"] == 29


def test_cycle_raises_and_names_a_code() -> None:
    areas = _areas([("R", None), ("A", "C"), ("B", "A"), ("C", "B")])
    with pytest.raises(ValueError, match=r"cycle.*'[ABC]'"):
        build_area_paths(areas)


def test_self_parent_is_a_cycle() -> None:
    with pytest.raises(ValueError, match=r"cycle.*'S'"):
        build_area_paths(_areas([("S", "S")]))


def test_unknown_parent_and_duplicate_code_raise() -> None:
    with pytest.raises(ValueError, match="unknown parent"):
        build_area_paths(_areas([("A", None), ("B", "Z")]))
    with pytest.raises(ValueError, match="duplicate"):
        build_area_paths(_areas([("A", None), ("A", None)]))
