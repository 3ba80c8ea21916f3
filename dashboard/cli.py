"""The ``countydash`` command: init, stats, run."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import date

from dashboard import db
from dashboard.importer.cli import IMPORT_COMMANDS, add_import_commands
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

    p = sub.add_parser("warnings", help="current red/yellow/blue warnings, or a daily snapshot")
    p.add_argument("action", nargs="?", choices=("list", "snapshot"), default="list")
    p.add_argument("--json", action="store_true", help="print JSON (list)")
    p.add_argument("--area", default=None, help="only units inside this area (list)")
    p.add_argument("--rules", default=None, help="rules TOML (default: the shipped rules)")
    p.add_argument("--day", type=_date, default=None,
                   help="snapshot day YYYY-MM-DD (default: the data's as-of day)")

    p = sub.add_parser("kiosk-link", help="create, list or revoke big-screen kiosk links")
    p.add_argument("--area", default=None, help="area code the screen shows")
    p.add_argument("--label", default=None, help="where the screen hangs")
    p.add_argument("--base-url", default="http://127.0.0.1:8050")
    p.add_argument("--revoke", type=int, default=None, metavar="ID", help="revoke link ID")
    p.add_argument("--list", action="store_true", help="list links (without tokens)")

    p = sub.add_parser("simulate", help="feed new and resolved cases (demo / screen tests)")
    p.add_argument("--rate", type=float, default=30.0, help="new cases per minute")
    p.add_argument("--duration", type=float, default=None, help="seconds (default: forever)")

    p = sub.add_parser("users", help="manage dashboard users")
    usub = p.add_subparsers(dest="users_command", required=True)
    u = usub.add_parser("add", help="add a user (password read from stdin)")
    u.add_argument("name")
    u.add_argument("--role", required=True, choices=("county", "town", "village", "analyst"))
    u.add_argument("--area", default=None, help="area code (required for town and village)")
    u.add_argument("--pii", action="store_true", help="may see personal fields unmasked")
    usub.add_parser("list", help="list users")
    u = usub.add_parser("disable", help="disable a user")
    u.add_argument("name")

    p = sub.add_parser("brief", help="write a briefing pack (.pptx or .pdf by the extension)")
    p.add_argument("--area", required=True, help="area code")
    p.add_argument("--from", dest="start", type=_date, required=True, help="YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=_date, required=True, help="YYYY-MM-DD")
    p.add_argument("--out", required=True, help="FILE.pptx or FILE.pdf")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--user", default=None, help="only what this user may see (default: all)")

    from dashboard import bench, loadtest
    bench.add_arguments(sub.add_parser("bench", help="benchmark the standard interactions"))
    loadtest.add_arguments(sub.add_parser("loadtest", help="bounded load test on 127.0.0.1"))

    p = sub.add_parser("run", help="serve the dashboard (development server)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    add_import_commands(sub)
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


def cmd_users(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.auth import hash_password
    from queries.areas import fetch_area
    from queries.context import QueryContext
    from queries.users import fetch_user, fetch_users, insert_user, set_disabled

    engine = db.get_engine(settings.database_url)
    if args.users_command == "list":
        frame = fetch_users(engine)
        for row in frame.itertuples():
            state = "disabled" if row.disabled else "active"
            print(f"{row.username}\t{row.role}\t{row.area_code or '-'}\t"
                  f"pii={'yes' if row.can_view_pii else 'no'}\t{state}")
        return 0
    if args.users_command == "disable":
        if not set_disabled(engine, args.name):
            raise ValueError(f"no user named {args.name!r}")
        print(f"disabled {args.name}")
        return 0
    if fetch_user(engine, args.name) is not None:
        raise ValueError(f"user {args.name!r} exists already")
    if args.role in ("town", "village"):
        if not args.area:
            raise ValueError(f"--area is required for role {args.role}")
        area = fetch_area(QueryContext(engine=engine), args.area)
        if area is None or area["level"] != args.role:
            raise ValueError(f"--area {args.area!r} is not a {args.role} code")
    password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        raise ValueError("the password (read from stdin) must have at least 8 characters")
    insert_user(engine, username=args.name, password_hash=hash_password(password),
                role=args.role, area_code=args.area if args.role in ("town", "village") else None,
                pii=args.pii)
    print(f"added {args.name} ({args.role})")
    return 0


def cmd_warnings(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard import tiers
    from dashboard.rules import load_rules
    from queries.areas import fetch_area, fetch_subtree_codes
    from queries.context import QueryContext

    rules = load_rules(args.rules or settings.rules_path or None)
    engine = db.get_engine(settings.database_url)
    ctx = QueryContext(engine=engine)
    if args.action == "snapshot":
        day = args.day or ctx.now.date()
        held = tiers.snapshot(engine, rules, day)
        print(f"snapshot {day}: {held} units hold a tier")
        return 0
    warnings = tiers.current(ctx, rules)
    if args.area:
        if fetch_area(ctx, args.area) is None:
            raise ValueError(f"unknown area code {args.area!r}")
        warnings = tiers.within_area(warnings, fetch_subtree_codes(ctx, args.area))
    records = tiers.to_json_records(warnings)
    if args.json:
        json.dump(records, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for r in records:
            why = "; ".join(f"{x['metric']}={x['value']:.3g} (threshold {x['threshold']:g})"
                            for x in r["reasons"])
            print(f"{r['tier']:6} {r['unit_type']:7} {r['code']:16} {r['name']}: {why}")
    return 0


def cmd_kiosk(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.auth import new_kiosk_token
    from queries.areas import fetch_area
    from queries.context import QueryContext
    from queries.users import fetch_kiosk_tokens, insert_kiosk_token, revoke_kiosk_token

    engine = db.get_engine(settings.database_url)
    if args.list:
        for r in fetch_kiosk_tokens(engine).itertuples():
            state = f"revoked {r.revoked_at}" if r.revoked_at is not None else "active"
            print(f"{r.id}\t{r.area_code}\t{r.label or '-'}\t{state}")
        return 0
    if args.revoke is not None:
        if not revoke_kiosk_token(engine, args.revoke):
            raise ValueError(f"no active kiosk link with id {args.revoke}")
        print(f"revoked kiosk link {args.revoke}")
        return 0
    if not args.area:
        raise ValueError("--area CODE is required to create a kiosk link")
    if fetch_area(QueryContext(engine=engine), args.area) is None:
        raise ValueError(f"unknown area code {args.area!r}")
    token, token_hash = new_kiosk_token()
    token_id = insert_kiosk_token(engine, token_hash, args.area, args.label)
    link = f"{args.base_url.rstrip('/')}/screen?kiosk={token}"
    print(f"kiosk link {token_id} for {args.area}: {link}")
    return 0


def cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.simulate import run

    if args.rate <= 0:
        raise ValueError("--rate must be positive (cases per minute)")
    engine = db.get_engine(settings.database_url)
    try:
        total = run(engine, args.rate, args.duration)
    except KeyboardInterrupt:
        return 0
    print(f"simulated {total} new cases")
    return 0


def cmd_brief(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.briefing import run_cli

    return run_cli(args, settings)


COMMANDS = {"init": cmd_init, "stats": cmd_stats, "run": cmd_run, "users": cmd_users,
            "warnings": cmd_warnings, "kiosk-link": cmd_kiosk, "simulate": cmd_simulate,
            "brief": cmd_brief,
            "bench": lambda a, _s: _bench_main(a), "loadtest": lambda a, _s: _load_main(a),
            **IMPORT_COMMANDS}


def _bench_main(args: argparse.Namespace) -> int:
    from dashboard import bench

    return bench.main(args)


def _load_main(args: argparse.Namespace) -> int:
    from dashboard import loadtest

    return loadtest.main(args)


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
