"""The data stamp and the dataset's facts: what every request reads before its figures.

The stamp is the data version (in every cache key, so that new data shows up at once), the
as-of instant ("now" for open and overdue cases) and the tree's sole root; the facts are
``dataset_meta``'s rows (synthetic flag, source, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, case, func, select

from dashboard import db, schema


def meta(engine: Engine) -> dict[str, str]:
    """The dataset's key/value facts (as-of time, source, synthetic flag)."""
    # rows, not a frame: a dozen pairs (a frame cost 0.3 ms of every cold navbar)
    _, rows = db.read_rows(engine, select(schema.dataset_meta.c.key, schema.dataset_meta.c.value))
    return {key: value for key, value in rows}


def version_columns() -> list[Any]:
    """The scalar subqueries of :func:`version_and_as_of`, to ride along in another
    statement (the session's user look-up: one round trip for both, every request);
    :func:`stamp_of` reads their values."""
    c, cov, m = schema.cases, schema.coverage_monthly, schema.dataset_meta
    # the cases' part first: QueryContext.version_for("coverage") drops it
    return [
        select(func.max(c.c.updated_at)).scalar_subquery().label("v_cases"),
        select(func.max(cov.c.updated_at)).scalar_subquery().label("v_coverage"),
        select(m.c.value).where(m.c.key == "data_version").scalar_subquery().label("v_data"),
        select(m.c.value).where(m.c.key == "as_of").scalar_subquery().label("v_as_of"),
        _sole_root().scalar_subquery().label("v_root"),
    ]


def stamp_of(values: Sequence[Any]) -> tuple[str, datetime, str | None]:
    """The data version, the as-of instant and the sole root (:func:`sole_root`) from the
    values of :func:`version_columns`."""
    *parts, declared, root = values
    version = "|".join(str(v) for v in parts)
    if declared:
        return version, datetime.fromisoformat(declared), root
    return version, datetime.now().replace(microsecond=0), root


def version_and_as_of(engine: Engine) -> tuple[str, datetime, str | None]:
    """The data version, the as-of instant and the sole root, in one round trip (every
    request needs the first two, most the third).

    The version is a cheap fingerprint that changes whenever cases, coverage or areas change:
    two indexed max() look-ups and the meta row that every import and demo build bumps (the
    area tree changes only through them: an area count, 0.6-0.8 ms of every request on
    PostgreSQL, added nothing); it is in every cache key so that new data shows up at once.
    The as-of instant is "now" for open and overdue cases: a synthetic or imported snapshot
    declares it in ``dataset_meta`` (the simulator moves it forward); a live database has
    none and uses the clock.
    """
    with db.read_connection(engine) as conn:
        return stamp_of(conn.execute(select(*version_columns())).one())


def _sole_root() -> Select:
    a = schema.areas
    return select(case((func.count() == 1, func.min(a.c.code)), else_=None)).where(
        a.c.parent_code.is_(None))


def sole_root(engine: Engine) -> str | None:
    """The code of the only area without a parent (the county), None with several or none:
    every area, so every case, lies below it. One indexed look-up."""
    return db.read_scalar(engine, _sole_root())  # type: ignore[no-any-return]


def as_of(engine: Engine) -> datetime:
    """See :func:`version_and_as_of`."""
    return version_and_as_of(engine)[1]
