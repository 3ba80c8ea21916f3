"""The schema is created by migrations on SQLite and PostgreSQL and matches schema.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from dashboard import migrate
from dashboard.schema import metadata


def _check_migrates_to_head(engine) -> None:  # type: ignore[no-untyped-def]
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"migrations and schema.py disagree: {diff}"
    head = migrate.current_revision(engine)
    assert head is not None
    migrate.upgrade(engine)  # a second upgrade is a no-op
    assert migrate.current_revision(engine) == head


def test_schema_empty_sqlite_migrates_to_head(tmp_path: Path) -> None:
    _check_migrates_to_head(create_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}"))


@pytest.mark.postgres
def test_schema_empty_postgres_migrates_to_head(pg_database: str) -> None:
    from sqlalchemy import text

    from dashboard.settings import normalise_url

    engine = create_engine(normalise_url(pg_database))
    schema = "empty_migration_check"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = create_engine(normalise_url(pg_database),
                           connect_args={"options": f"-csearch_path={schema}"})
    try:
        _check_migrates_to_head(scoped)
    finally:
        scoped.dispose()
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
