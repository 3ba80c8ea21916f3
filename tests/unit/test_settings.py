"""Settings: the embedded default, PostgreSQL URLs and a cache config flask-caching accepts."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_caching import Cache

from dashboard.settings import Settings

VALID_KEYS = {"CACHE_TYPE", "CACHE_DEFAULT_TIMEOUT", "CACHE_KEY_PREFIX", "CACHE_REDIS_URL",
              "CACHE_DIR", "CACHE_THRESHOLD"}


def test_settings_embedded_default(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Settings.from_env({"COUNTYDASH_DATA_DIR": str(tmp_path)})
    assert s.embedded and s.database_url == f"sqlite:///{tmp_path / 'countydash.sqlite'}"


def test_settings_postgres_url_uses_psycopg3() -> None:
    s = Settings.from_env({"DATABASE_URL": "postgresql://u@h/db"})
    assert not s.embedded and s.database_url == "postgresql+psycopg://u@h/db"


def test_settings_unknown_cache_type_fails() -> None:
    with pytest.raises(ValueError, match="COUNTYDASH_CACHE"):
        Settings.from_env({"COUNTYDASH_CACHE": "memcahced"})


@pytest.mark.parametrize("kind", ["null", "simple", "filesystem", "redis"])
def test_settings_cache_config_keys_are_real(kind: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Settings.from_env({"COUNTYDASH_CACHE": kind, "COUNTYDASH_CACHE_DIR": str(tmp_path)})
    config = s.cache_config()
    assert set(config) <= VALID_KEYS  # a misspelled key would be silently ignored
    app = Flask("t")
    cache = Cache()
    cache.init_app(app, config=config)
    with app.app_context():
        assert type(cache.cache).__name__ == config["CACHE_TYPE"]
