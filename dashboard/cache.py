"""The query cache: flask-caching bound in the app factory, keyed by arguments + data version.

The cache sits on ``queries.fetch_*`` functions and, through
:func:`callbacks.context.cached_output`, on the output of pure callbacks. Keys include the data
version of :func:`dashboard.db.data_version`, so an insert shows up on the next request, and a
refresh with nothing new costs one cheap version query; and the code's own fingerprint
(:data:`CODE_VERSION`), so that a new release never reads what an older one cached in a
shared Redis (a callback whose outputs changed shape failed on the old entry until the data
changed).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from flask import Flask, Response, current_app, g, has_app_context, has_request_context
from flask_caching import Cache

P = ParamSpec("P")
R = TypeVar("R")

cache = Cache()
log = logging.getLogger(__name__)

#: The packages whose code shapes what is cached.
CODE_PACKAGES = ("callbacks", "dashboard", "geodata", "layouts", "queries")


def code_fingerprint(root: Path) -> str:
    """A digest of every Python file and catalogue of :data:`CODE_PACKAGES` under ``root``
    (names and contents): another release, another fingerprint."""
    digest = hashlib.sha1()
    for package in CODE_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


#: This code's fingerprint, read once at import (immutable while the process lives).
CODE_VERSION = code_fingerprint(Path(__file__).resolve().parents[1])


def cache_active() -> bool:
    """True inside an app whose factory bound the cache (not in the CLI or plain tests)."""
    return has_app_context() and "cache" in current_app.extensions


#: How long a computation of a ``shared`` result holds its claim (seconds), and how often
#: another request looks for the result meanwhile.
CLAIM_SECONDS = 5
POLL_SECONDS = 0.004


def cache_key(name: str, ctx: Any, on: str, args: tuple[Any, ...],
              kwargs: dict[str, Any]) -> str:
    """The key of :func:`memoised`: ``name``, the code's and the rules' fingerprints, the
    context's scope key, its version for ``on`` and a digest of the arguments. A shared
    computation's claim is this key + ``CLAIMED``."""
    digest = hashlib.sha1(pickle.dumps((args, sorted(kwargs.items())), protocol=4)).hexdigest()
    return (f"{name}:{CODE_VERSION}{_config_version()}:{ctx.cache_key()}:"
            f"{ctx.version_for(on)}:{digest}")


def _config_version() -> str:
    """The running app's warning rules, as a digest (the factory's ``COUNTYDASH_RULES_VERSION``):
    an app restarted with another rules file reads none of the tiers cached under the last."""
    if not has_app_context():
        return ""
    return "+" + str(current_app.config.get("COUNTYDASH_RULES_VERSION", ""))


#: Suffix of the key that marks a shared result as being computed (:func:`memoised`).
CLAIMED = ":computing"


def memoised(name: str, ctx: Any, on: str, args: tuple[Any, ...], kwargs: dict[str, Any],
             compute: Callable[[], R], shared: bool = False) -> R:
    """``compute()`` memoised in the shared cache under :func:`cache_key` (``name``, the
    context's scope key, its version for ``on``: :meth:`~queries.context.QueryContext.version_for`,
    and a digest of the arguments): the one key scheme of :func:`data_cached` and of the
    callback output cache.

    ``shared``: several requests of one round need this result (the map and the child table
    both read the children's figures), so a miss computes it once: the first request claims
    the key (an atomic ``add``) and computes; the others wait for its result, and compute it
    themselves only if the claim ends without one (a failed or a killed computation)."""
    key = cache_key(name, ctx, on, args, kwargs)
    pending = _pending()
    if pending is not None and key in pending:
        return pending[key]  # type: ignore[no-any-return]
    claim = key + CLAIMED
    if shared:
        hit, claimed = _get_or_claim(key, claim)
    else:
        hit, claimed = cache.get(key), False
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    if shared and not claimed:
        waited = _wait_for(key, claim)
        if waited is not None:
            return waited  # type: ignore[no-any-return]
    try:
        value = compute()
    except BaseException:
        if claimed:
            cache.delete(claim)
        raise
    _store(key, value, claim if claimed else None)
    return value


#: One round trip for a shared result's look-up: its value, or else a claim on computing it
#: (``SET NX`` with the claim's lifetime, atomic; cachelib's ``add`` is SETNX then EXPIRE).
#: Returns ``{value, 0}`` on a hit, ``{false, 1}`` when this caller now holds the claim and
#: ``{false, 0}`` when another does.
_GET_OR_CLAIM = """
local value = redis.call('GET', KEYS[1])
if value then return {value, 0} end
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return {false, 1} end
return {false, 0}
"""


def _redis() -> Any:
    """The cache's backend when it is Redis (cachelib's ``BaseRedisCache``), else None."""
    from cachelib.redis_base import BaseRedisCache

    backend = cache.cache
    return backend if isinstance(backend, BaseRedisCache) else None


def _get_or_claim(key: str, claim: str) -> tuple[Any, bool]:
    """(the cached value or None, whether this caller now holds the claim on computing it).

    On Redis one round trip (:data:`_GET_OR_CLAIM`), where ``get`` then ``add`` took three
    (a cold showing of a village's map or child table made seven Redis calls, 0.2-0.4 ms
    each); other backends: ``get``, then ``add`` on a miss."""
    backend = _redis()
    if backend is None:
        hit = cache.get(key)
        if hit is not None:
            return hit, False
        return None, bool(cache.add(claim, 1, timeout=CLAIM_SECONDS))
    prefix = backend._get_prefix()
    raw, claimed = backend._write_client.eval(_GET_OR_CLAIM, 2, prefix + key, prefix + claim,
                                              CLAIM_SECONDS)
    return backend.serializer.loads(raw) if raw is not None else None, bool(claimed)


def _store(key: str, value: Any, claim: str | None) -> None:
    """Cache ``value`` under ``key`` and give up ``claim`` (if held): on Redis in one round
    trip (a pipeline, without MULTI), elsewhere two calls. Inside a request of an app with
    :func:`init_write_behind`, a result no other request waits for (no claim) is written
    after the response has gone out."""
    pending = _pending()
    if pending is not None and claim is None:
        pending[key] = value
        return
    backend = _redis()
    if backend is None or claim is None:
        cache.set(key, value)
        if claim is not None:
            cache.delete(claim)
        return
    prefix = backend._get_prefix()
    timeout = backend._normalize_timeout(None)
    pipe = backend._write_client.pipeline(transaction=False)
    pipe.set(prefix + key, backend.serializer.dumps(value),
             ex=timeout if timeout != -1 else None)
    pipe.delete(prefix + claim)
    pipe.execute()


#: ``flask.g`` attribute of a request's writes held back until its response has gone out.
WRITES = "countydash_cache_writes"


def _pending() -> dict[str, Any] | None:
    """The current request's held-back writes, or None outside a write-behind request."""
    return g.get(WRITES) if has_request_context() else None


def init_write_behind(server: Flask) -> None:
    """Write a request's newly computed results to the cache after its response has gone out.

    A cold callback request computed its result, then waited for one or two cache writes
    (pickling and a Redis round trip each, 0.2-0.4 ms) before its response could leave; the
    user waited for them too. Now the writes are held in the request (:func:`_store`: not a
    shared result's, which another request may be waiting for) and sent in one go - on Redis
    one pipeline - when the server closes the response, after its last byte is written
    (WSGI ``close``; gunicorn's workers then close the connection). A request that fails
    before its response writes what it computed when its context ends."""

    @server.before_request
    def _hold() -> None:
        g.setdefault(WRITES, {})

    @server.after_request
    def _after(response: Response) -> Response:
        writes = g.pop(WRITES, None)
        if writes:
            response.call_on_close(functools.partial(write_all, cache.cache, writes))
        return response

    @server.teardown_request
    def _failed(_exc: BaseException | None) -> None:
        writes = g.pop(WRITES, None)  # left only when after_request did not run
        if writes:
            write_all(cache.cache, writes)


def write_all(backend: Any, writes: dict[str, Any]) -> None:
    """Store ``writes`` (key -> value) in ``backend``: on Redis one pipeline, else one call
    each. Errors are the cache's own business: a result not stored is computed again."""
    from cachelib.redis_base import BaseRedisCache

    if isinstance(backend, BaseRedisCache):
        prefix = backend._get_prefix()
        timeout = backend._normalize_timeout(None)
        pipe = backend._write_client.pipeline(transaction=False)
        for key, value in writes.items():
            pipe.set(prefix + key, backend.serializer.dumps(value),
                     ex=timeout if timeout != -1 else None)
        try:
            pipe.execute()
        except Exception as exc:  # noqa: BLE001 - the response has gone: a log line, no more
            log.warning("cache writes after a response failed: %s", exc)
        return
    for key, value in writes.items():
        backend.set(key, value)


def _wait_for(key: str, claim: str) -> Any:
    """The result another request is computing, or None once its claim is gone without one
    (or after ``CLAIM_SECONDS``)."""
    deadline = time.monotonic() + CLAIM_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        value = cache.get(key)
        if value is not None:
            return value
        if cache.get(claim) is None:
            return cache.get(key)
    return None


def data_cached(fn: Callable[P, R] | None = None, *, on: str = "all", shared: bool = False
                ) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Memoise ``fn(ctx, *args)`` on its primitive arguments and the context's version for
    ``on`` (by default the data version and the as-of minute).

    ``ctx`` is a :class:`queries.context.QueryContext`; its version is read once per request.
    ``on="coverage"`` keys on the version of the coverage tables, the area tree and imports
    only (:meth:`~queries.context.QueryContext.version_for`), for functions that read no case
    and not the as-of instant: a new case then leaves them cached; ``on="areas"`` keys on the
    area tree's version only (geometry); ``shared=True`` for a result that several requests
    of one round read (computed once, the others wait for it: :func:`memoised`). Outside a
    Flask app (CLI, tests) the function runs uncached. Use as ``@data_cached`` or
    ``@data_cached(on=..., shared=...)``.
    """

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if not cache_active():
                return fn(*args, **kwargs)
            return memoised(f"{fn.__module__}.{fn.__qualname__}", args[0], on, args[1:],
                            kwargs, lambda: fn(*args, **kwargs), shared)

        wrapper.uncached = fn  # type: ignore[attr-defined]
        return wrapper

    return decorate if fn is None else decorate(fn)
