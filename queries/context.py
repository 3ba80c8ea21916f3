"""What every query needs besides its own arguments: the engine, the caller's scope, "now"."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Engine

from queries.stamp import version_and_as_of


@dataclass(frozen=True)
class Scope:
    """The subtrees of the area tree a caller may see; ``roots=None`` means the whole county.

    A scope can only narrow a query (see :func:`queries.scope.within`), never widen it.
    ``pii`` says whether personal fields may be shown unmasked.
    """

    roots: tuple[str, ...] | None = None
    pii: bool = False
    aggregates_only: bool = False

    def key(self) -> str:
        roots = ",".join(self.roots) if self.roots is not None else "*"
        return f"{roots};pii={int(self.pii)};agg={int(self.aggregates_only)}"


@dataclass
class QueryContext:
    """One request's view of the database. Cheap to build; computes version and as-of lazily."""

    engine: Engine
    scope: Scope = field(default_factory=Scope)
    min_sample: int = 20
    #: The data version, the as-of instant and the sole root when the request already read
    #: them (with the session's user, :func:`queries.users.fetch_user_and_stamp`); else
    #: read on first use (:func:`queries.stamp.version_and_as_of`).
    stamp: tuple[str, datetime, str | None] | None = None
    #: The pool of the statements planned once for any values (:data:`dashboard.db.GENERIC`);
    #: without one they run on ``engine``, planned for their values like any other.
    generic: Engine | None = None

    def generic_for(self, query: tuple[Any, Mapping[str, Any]]) -> Engine:
        """The engine to run ``query`` (a statement and its values) on, for a kind of query
        whose best plan does not depend on the values (:func:`dashboard.db.get_engine`): the
        generic pool for a template (a statement with parameters: a small subtree's), the
        queries' own for a statement built for its values."""
        return self.generic if self.generic is not None and query[1] else self.engine

    @cached_property
    def _stamp(self) -> tuple[str, datetime, str | None]:
        return self.stamp or version_and_as_of(self.engine)

    @property
    def version(self) -> str:
        return self._stamp[0]

    def version_for(self, subject: str = "all") -> str:
        """What a cached result depends on: ``all`` is the data version and the as-of minute
        (open and overdue figures move with the clock in a live database); ``coverage`` the
        coverage tables and the import version row (not the cases nor the clock); ``areas``
        the area tree and its geometry (the import version row, which every import and demo
        build bumps)."""
        if subject == "all":
            return f"{self.version}:{self.now:%Y%m%d%H%M}"
        if subject == "coverage":
            return "cov:" + self.version.split("|", 1)[1]
        if subject == "areas":
            return "areas:" + self.version.split("|", 2)[2]
        raise ValueError(f"unknown version subject {subject!r}")

    @property
    def now(self) -> datetime:
        return self._stamp[1]

    @property
    def sole_root(self) -> str | None:
        """The only area without a parent (the county), None with several roots or none
        (:func:`queries.stamp.sole_root`): read with the version, in the same round trip."""
        return self._stamp[2]

    def cache_key(self) -> str:
        url = self.engine.url.render_as_string(hide_password=True)
        digest = hashlib.sha1(url.encode()).hexdigest()[:10]
        return f"{digest}:{self.scope.key()}:{self.min_sample}"
