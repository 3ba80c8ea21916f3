"""The ``countydash`` command: init, stats, run."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import date

from dashboard import db
from dashboard.settings import Settings


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="countydash", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create or upgrade the database (with --demo: demo county)")
    p.add_argument("--demo", action="store_true", help="fill with the synthetic demo county")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default: today)")
    p.add_argument("--scale", choices=("reference", "large"), default="reference")
    p.add_argument("--replace", action="store_true", help="delete existing data first")

    p = sub.add_parser("stats", help="summarise the database DATABASE_URL points at")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("run", help="serve the dashboard (development server)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    return parser


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.setup import init_database

    engine = db.get_engine(settings.database_url)
    if settings.embedded:
        from pathlib import Path

        Path(engine.url.database or ".").parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    init_database(engine, demo=args.demo, seed=args.seed, as_of=args.as_of, scale=args.scale,
                  replace=args.replace)
    what = f"demo county ({args.scale}, seed {args.seed})" if args.demo else "empty schema"
    url = engine.url.render_as_string(hide_password=True)
    print(f"initialised {url}: {what} in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from queries.stats import fetch_stats

    engine = db.get_engine(settings.database_url)
    stats = fetch_stats(engine)
    if args.json:
        json.dump(stats, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for key, value in stats.items():
            print(f"{key}: {value}")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.factory import create_app

    create_app(settings).run(host=args.host, port=args.port, debug=False)
    return 0


COMMANDS = {"init": cmd_init, "stats": cmd_stats, "run": cmd_run}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return COMMANDS[args.command](args, settings)
    except (RuntimeError, ValueError) as exc:
        print(f"countydash {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
