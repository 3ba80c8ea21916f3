"""Entry point: ``python app.py`` serves on 127.0.0.1:8050; ``gunicorn app:server``."""

import sys

from dashboard.factory import DatabaseNotReady, create_app
from dashboard.rules import RulesError

try:
    app = create_app()
except (RulesError, DatabaseNotReady) as exc:  # a clear message, never a traceback
    sys.exit(f"countydash: {exc}")
server = app.server

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)
