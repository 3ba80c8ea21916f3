#!/usr/bin/env bash
# Install everything and run the whole test suite: unit, SQLite, PostgreSQL and real-browser tests.
# PostgreSQL tests use COUNTYDASH_TEST_PG_URL (default: the local server, database "test");
# they create and drop a database of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export COUNTYDASH_TEST_PG_URL="${COUNTYDASH_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}"
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
