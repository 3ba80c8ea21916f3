"""Bulk loading of whole tables into an empty database: the demo county's frames.

One transaction for every table: executemany on the raw DBAPI connection on SQLite,
``COPY ... FROM STDIN`` on PostgreSQL (psycopg 3), batched inserts elsewhere. Large tables are
loaded with their secondary indexes (and, on PostgreSQL, foreign keys) dropped and restored
afterwards in the same transaction (both databases have transactional DDL, so a failed load
leaves the schema as it was).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

#: Tables with at least this many rows are loaded with their secondary indexes (and foreign
#: keys on PostgreSQL) detached (:func:`_detach`).
BULK_ROWS = 20_000

#: Rows as DBAPI-ready tuples, a chunk at a time, for a dialect.
Chunks = Callable[[sa.Dialect], Iterator[list[tuple[Any, ...]]]]


@dataclass(frozen=True)
class TableLoad:
    """One table's load: its columns (in the rows' order), how many rows, and the rows."""

    table: sa.Table
    columns: list[str]
    rows: int
    chunks: Chunks


def write_tables(engine: sa.Engine, loads: Iterable[TableLoad]) -> None:
    """Load ``loads`` in the order given (parents first), in one transaction."""
    with engine.begin() as conn:
        dialect = conn.dialect
        cache_size = None
        if dialect.name == "sqlite":
            cache_size = conn.exec_driver_sql("PRAGMA cache_size").scalar()
            conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MiB while loading
        elif dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")  # index builds
        for load in loads:
            table, cols = load.table, load.columns
            rebuild: list[str] = []
            if load.rows >= BULK_ROWS and dialect.name == "postgresql":
                try:  # a loader that does not own the table just loads with indexes in place
                    with conn.begin_nested():
                        rebuild = _detach(conn, table)
                except sa.exc.DBAPIError:
                    rebuild = []
            elif load.rows >= BULK_ROWS:
                rebuild = _detach(conn, table)
            chunks = load.chunks(dialect)
            if dialect.name == "postgresql":
                _copy_postgres(conn, table, cols, chunks)
            elif dialect.name == "sqlite":
                _insert_sqlite(conn, table, cols, chunks)
            else:
                for chunk in chunks:
                    conn.execute(table.insert(), [dict(zip(cols, r, strict=True)) for r in chunk])
            for ddl in rebuild:
                conn.exec_driver_sql(ddl)
        if cache_size is not None:
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(cache_size)}")


def _detach(conn: sa.Connection, table: sa.Table) -> list[str]:
    """Drop the secondary indexes of table (and on PostgreSQL its foreign keys, which are
    checked row by row during COPY); return the DDL that restores them after the load.

    Primary keys and unique indexes stay. Restored foreign keys are validated in bulk."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    drops: list[str] = []
    restore: list[str] = []
    if conn.dialect.name == "sqlite":
        found = conn.execute(
            sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
            ),
            {"t": table.name},
        ).all()
        drops = [f"DROP INDEX {quote(name)}" for name, _ in found]
        restore = [ddl for _, ddl in found]
    elif conn.dialect.name == "postgresql":
        regclass = {"t": quote(table.name)}
        indexes = conn.execute(
            sa.text(
                "SELECT n.nspname, i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_namespace n ON n.oid = i.relnamespace "
                "WHERE x.indrelid = CAST(:t AS regclass) AND NOT x.indisunique "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
                "ORDER BY i.relname"
            ),
            regclass,
        ).all()
        fkeys = conn.execute(
            sa.text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f' ORDER BY conname"
            ),
            regclass,
        ).all()
        target = quote(table.name)
        drops = [f"ALTER TABLE {target} DROP CONSTRAINT {quote(name)}" for name, _ in fkeys]
        drops += [f"DROP INDEX {quote(nsp)}.{quote(name)}" for nsp, name, _ in indexes]
        restore = [ddl for _, _, ddl in indexes]
        restore += [
            f"ALTER TABLE {target} ADD CONSTRAINT {quote(name)} {ddl}" for name, ddl in fkeys
        ]
    for ddl in drops:
        conn.exec_driver_sql(ddl)
    return restore


def _target(conn: sa.Connection, table: sa.Table, cols: list[str]) -> str:
    """``table (col, ...)``, quoted for the connection's dialect."""
    quote = conn.dialect.identifier_preparer.quote
    return f"{quote(table.name)} ({', '.join(quote(c) for c in cols)})"


def _insert_sqlite(
    conn: sa.Connection,
    table: sa.Table,
    cols: list[str],
    chunks: Iterator[list[tuple[Any, ...]]],
) -> None:
    sql = f"INSERT INTO {_target(conn, table, cols)} VALUES ({', '.join('?' for _ in cols)})"
    cursor = conn.connection.cursor()
    try:
        for chunk in chunks:
            cursor.executemany(sql, chunk)
    finally:
        cursor.close()


def _copy_postgres(
    conn: sa.Connection,
    table: sa.Table,
    cols: list[str],
    chunks: Iterator[list[tuple[Any, ...]]],
) -> None:
    sql = f"COPY {_target(conn, table, cols)} FROM STDIN"
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for chunk in chunks:
            for row in chunk:
                copy.write_row(row)


def ensure_database(admin_url: str, name: str) -> None:
    """Create PostgreSQL database ``name`` on the server of ``admin_url`` (a role that may
    create databases) unless it exists. ``name`` is the caller's own choice, never input."""
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": name}).scalar()
            if not exists:
                quote = conn.dialect.identifier_preparer.quote_identifier
                conn.execute(text(f"CREATE DATABASE {quote(name)}"))
    finally:
        admin.dispose()
