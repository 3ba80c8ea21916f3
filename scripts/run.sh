#!/usr/bin/env bash
# Install everything and serve the dashboard on http://127.0.0.1:8050 (embedded SQLite demo).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python app.py
