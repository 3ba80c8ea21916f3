"""db.side_by_side: independent calls at once, results in order, the caller's Flask context
in every thread, the first error raised."""

from __future__ import annotations

import threading

import pytest
from flask import Flask, current_app

from dashboard import db


def test_calls_run_at_once_in_order_and_inside_the_app_context() -> None:
    # each call waits for the others: run one after the other, the barrier would break
    barrier = threading.Barrier(3, timeout=10)

    def call(value: int) -> tuple[int, str]:
        barrier.wait()
        return value, current_app.name

    with Flask("side-by-side").app_context():
        out = db.side_by_side(*[lambda v=v: call(v) for v in (3, 1, 2)])
    assert out == [(3, "side-by-side"), (1, "side-by-side"), (2, "side-by-side")]


def test_the_first_error_is_raised_and_a_single_call_runs_inline() -> None:
    def fail() -> int:
        raise ValueError("broken statement")

    with pytest.raises(ValueError, match="broken statement"):
        db.side_by_side(lambda: 1, fail)
    here = threading.get_ident()
    assert db.side_by_side(threading.get_ident) == [here]
    assert db.side_by_side() == []
