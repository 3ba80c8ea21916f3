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


def test_threads_are_kept_and_nested_calls_still_run_at_once() -> None:
    first = set(db.side_by_side(*[threading.get_ident] * 2))
    assert threading.get_ident() not in first
    again = set(db.side_by_side(*[threading.get_ident] * 2))
    assert first | again <= {t.ident for t in db._side_pool()._threads}  # the same pool
    # every call of each inner side_by_side waits for its sibling: the inner calls run at
    # once on threads of their own, not queued behind their waiting callers
    inner = [threading.Barrier(2, timeout=10) for _ in range(db.SIDE_BY_SIDE * 4)]

    def outer(barrier: threading.Barrier) -> int:
        return sum(db.side_by_side(lambda: barrier.wait() + 1, lambda: barrier.wait() + 1))

    out = db.side_by_side(*[lambda b=b: outer(b) for b in inner])
    assert len(out) == len(inner) and all(v >= 2 for v in out)


def test_a_forked_process_makes_its_own_threads() -> None:
    import os

    db.side_by_side(lambda: 1, lambda: 2)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's pool threads are gone, a new pool answers
        try:
            ok = db.side_by_side(lambda: 1, lambda: 2) == [1, 2] and os.getpid() in db._side
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    assert os.read(read, 1) == b"1"
    os.waitpid(pid, 0)
