"""Settings read from the environment once, at app or CLI start, into a frozen object."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

CACHE_TYPES = {
    "null": "NullCache",
    "simple": "SimpleCache",
    "filesystem": "FileSystemCache",
    "redis": "RedisCache",
}


def default_data_dir() -> Path:
    """Where the embedded SQLite file lives unless ``COUNTYDASH_DATA_DIR`` says otherwise."""
    return Path(os.environ.get("COUNTYDASH_DATA_DIR") or Path.cwd() / "var")


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the embedded default for each.

    ``database_url`` is ``DATABASE_URL``; without it the app uses a SQLite file under the
    data directory, created and filled with the demo county on first run.
    """

    database_url: str
    embedded: bool
    cache_type: str = "simple"
    cache_redis_url: str = "redis://127.0.0.1:6379/0"
    cache_key_prefix: str = "countydash:"
    cache_dir: str = ""
    cache_timeout_s: int = 3600
    secret_key: str = "dev-only-change-me"
    default_lang: str = "zh"
    min_sample: int = 20
    map_tile_url: str = ""
    demo_seed: int = 7
    rules_path: str = ""
    screen_refresh_s: int = 60
    screen_tour_s: int = 20
    session_minutes: int = 480
    secure_cookie: bool = False
    server_timing: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read settings from ``env`` (default: ``os.environ``); unknown cache types fail."""
        env = dict(os.environ if env is None else env)
        url = env.get("DATABASE_URL", "").strip()
        embedded = not url
        if embedded:
            data_dir = Path(env.get("COUNTYDASH_DATA_DIR") or default_data_dir())
            url = f"sqlite:///{(data_dir / 'countydash.sqlite').resolve()}"
        url = normalise_url(url)
        cache_type = env.get("COUNTYDASH_CACHE", "simple").strip().lower()
        if cache_type not in CACHE_TYPES:
            raise ValueError(
                f"COUNTYDASH_CACHE={cache_type!r}: expected one of {', '.join(CACHE_TYPES)}"
            )
        return cls(
            database_url=url,
            embedded=embedded,
            cache_type=cache_type,
            cache_redis_url=env.get("COUNTYDASH_REDIS_URL", "redis://127.0.0.1:6379/0"),
            cache_key_prefix=env.get("COUNTYDASH_CACHE_PREFIX", "countydash:"),
            cache_dir=env.get("COUNTYDASH_CACHE_DIR", ""),
            cache_timeout_s=int(env.get("COUNTYDASH_CACHE_TIMEOUT", "3600")),
            secret_key=env.get("COUNTYDASH_SECRET_KEY", "dev-only-change-me"),
            default_lang=env.get("COUNTYDASH_LANG", "zh"),
            min_sample=int(env.get("COUNTYDASH_MIN_SAMPLE", "20")),
            map_tile_url=env.get("COUNTYDASH_TILE_URL", ""),
            demo_seed=int(env.get("COUNTYDASH_DEMO_SEED", "7")),
            rules_path=env.get("COUNTYDASH_RULES", ""),
            screen_refresh_s=int(env.get("COUNTYDASH_SCREEN_REFRESH", "60")),
            screen_tour_s=int(env.get("COUNTYDASH_SCREEN_TOUR", "20")),
            session_minutes=int(env.get("COUNTYDASH_SESSION_MINUTES", "480")),
            secure_cookie=env.get("COUNTYDASH_SECURE_COOKIE", "") in ("1", "true", "yes"),
            server_timing=env.get("COUNTYDASH_SERVER_TIMING", "") in ("1", "true", "yes"),
        )

    def cache_config(self) -> dict[str, object]:
        """The flask-caching configuration for this deployment (keys checked by a test)."""
        config: dict[str, object] = {
            "CACHE_TYPE": CACHE_TYPES[self.cache_type],
            "CACHE_DEFAULT_TIMEOUT": self.cache_timeout_s,
            "CACHE_KEY_PREFIX": self.cache_key_prefix,
        }
        if self.cache_type == "redis":
            config["CACHE_REDIS_URL"] = self.cache_redis_url
        if self.cache_type == "filesystem":
            config["CACHE_DIR"] = self.cache_dir or str(default_data_dir() / "cache")
        if self.cache_type == "simple":
            config["CACHE_THRESHOLD"] = 2000
        return config


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
