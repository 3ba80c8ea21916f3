"""The area look-ups answer from the tree held per process (queries.areas.area_tree): each one
gives what its statement gives, for every kind of scope, on both databases."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from dashboard import db
from dashboard.schema import area_paths
from queries import areas as q
from queries.context import QueryContext, Scope
from queries.scope import covers
from tests import reference


def _scopes(engine: Engine) -> dict[str, Scope]:
    frame = reference.raw(engine, "areas")
    towns = sorted(frame.query("level == 'town'")["code"])
    village = sorted(frame.loc[frame["parent_code"] == towns[1], "code"])[0]
    return {"all": Scope(), "town": Scope(roots=(towns[1],)),
            "village and town": Scope(roots=(village, towns[3])), "nothing": Scope(roots=()),
            "unknown root": Scope(roots=("no-such-area",))}


def _codes(engine: Engine) -> list[str]:
    frame = reference.raw(engine, "areas")
    out: list[str] = []
    for level in ("county", "town", "village", "grid"):
        out += sorted(frame.loc[frame["level"] == level, "code"])[:4]
    towns = sorted(frame.query("level == 'town'")["code"])
    out += sorted(frame.loc[frame["parent_code"] == towns[1], "code"])[:3]
    return [*out, "no-such-area", "' OR 1=1 --"]


def test_look_ups_equal_their_statements(demo_engine: Engine) -> None:
    checked = 0
    for name, scope in _scopes(demo_engine).items():
        ctx = QueryContext(engine=demo_engine, scope=scope)
        pd.testing.assert_frame_equal(q.fetch_roots(ctx),
                                      db.read_frame(demo_engine, q.build_roots(ctx)), obj=name)
        for code in _codes(demo_engine):
            where = f"{name}: {code}"
            by_sql = db.read_frame(demo_engine, q.build_area(ctx, code))
            area = q.fetch_area(ctx, code)
            if by_sql.empty:
                assert area is None, where
            else:
                assert area == by_sql.iloc[0].to_dict(), where
            for fetch, build in ((q.fetch_children, q.build_children),
                                 (q.fetch_lineage, q.build_lineage)):
                pd.testing.assert_frame_equal(
                    fetch(ctx, code), db.read_frame(demo_engine, build(ctx, code)), obj=where)
            lineage = db.read_frame(demo_engine, q.build_lineage(ctx, code))
            assert q.lineage_steps(ctx, code) == list(
                zip(lineage["code"], lineage["name"], strict=True)), where
            assert q.child_codes(ctx, code) == tuple(db.read_frame(
                demo_engine, q.build_children(ctx, code))["code"]), where
            assert q.fetch_subtree_codes(ctx, code) == frozenset(db.read_frame(
                demo_engine, q.build_subtree_codes(ctx, code))["code"]), where
            if scope.roots:
                whole = bool(db.read_scalar(demo_engine, select(func.count()).where(
                    area_paths.c.descendant_code == code,
                    area_paths.c.ancestor_code.in_(scope.roots))))
                # a root covers itself, even one the tree does not hold (it has no rows)
                assert covers(ctx, code) == (whole or code in scope.roots), where
            checked += 1
    assert checked == len(_scopes(demo_engine)) * len(_codes(demo_engine))


def test_the_tree_is_read_once_per_area_version(demo_engine: Engine) -> None:
    ctx = QueryContext(engine=demo_engine)
    tree = q.area_tree(ctx)
    assert q.area_tree(QueryContext(engine=demo_engine)) is tree
    assert len(tree.rows) == len(reference.raw(demo_engine, "areas"))
    root = ctx.sole_root
    assert root is not None and tree.lineage[root] == [(root, 0)]
    assert len(tree.below[root]) == len(tree.rows)  # the county holds every area


@pytest.mark.parametrize("bad", [None, 12, ["x"]])
def test_a_crafted_code_finds_nothing(sqlite_engine: Engine, bad: object) -> None:
    ctx = QueryContext(engine=sqlite_engine)
    assert q.fetch_area(ctx, bad) is None  # type: ignore[arg-type]
