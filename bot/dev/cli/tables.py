"""`python -m bot tables <command>`: set up and maintain the session store (operator tools).

create                 DynamoDB: create SESSION_TABLE with gsi1/gsi2 and TTL on expires_at, or add
                       what an existing table lacks (idempotent). SQLite: create the schema.
backfill-ttl [--dry-run]
                       give every item without an expiry one (sessions/messages: last activity +
                       SESSION_TTL_SECONDS, profiles: last update + PROFILE_TTL_SECONDS). Reads the
                       whole table (on DynamoDB: a Scan), so run it with --dry-run first.
purge                  SQLite: delete every item that reads as absent now (expired items, and
                       messages whose session is gone), then VACUUM when --vacuum is given. The
                       store also purges on its own (a bounded batch on the first save after it
                       opens and every 256 saves); this is the complete pass. DynamoDB and
                       memory: nothing to do (DynamoDB's TTL deletes expired items).

Both use the bot's settings (BOT_STORE, BOT_SQLITE_PATH, SESSION_TABLE, DYNAMODB_ENDPOINT_URL,
AWS_REGION). Exit codes: 0 ok, 2 invalid settings (including a store that cannot be opened, e.g.
an unwritable BOT_LOCAL_DIR), 3 store unavailable. Errors are one line on stderr, never a
traceback; names and messages are printed with control characters escaped.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_UNAVAILABLE = 3


def add_parser(commands: Any) -> None:
    """Register `tables` and its subcommands on the top-level subparsers."""
    tables = commands.add_parser(
        "tables",
        help="create the session table / schema, backfill missing TTLs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = tables.add_subparsers(dest="tables_command", required=True, metavar="COMMAND")
    sub.add_parser("create", help="create the table (DynamoDB) or schema (SQLite); idempotent")
    backfill = sub.add_parser("backfill-ttl", help="give items without an expiry one (reads the whole table)")
    backfill.add_argument("--dry-run", action="store_true", help="only count what would be updated")
    purge = sub.add_parser("purge", help="SQLite: delete expired items now (the store also does it itself)")
    purge.add_argument("--vacuum", action="store_true", help="then give the freed pages back to the OS")


def run(
    args: argparse.Namespace, *, stdout: TextIO | None = None, clock: Callable[[], float] = time.time
) -> int:
    """Run one `tables` subcommand; returns the exit code (`clock`: what "now" is)."""
    from bot.config import ConfigError, Settings
    from bot.store.base import StoreUnavailable

    out = stdout or sys.stdout
    try:
        settings = Settings.from_env()
        if args.tables_command == "create":
            return _create(settings, out)
        if args.tables_command == "purge":
            return _purge(settings, out, now=int(clock()), vacuum=args.vacuum)
        return _backfill(settings, out, dry_run=args.dry_run, now=int(clock()))
    except (ConfigError, OSError) as exc:
        _say(f"error: {exc}", sys.stderr)
        return EXIT_INVALID
    except StoreUnavailable as exc:
        _say(f"error: {exc}", sys.stderr)
        return EXIT_UNAVAILABLE


def _say(line: str, out: TextIO) -> None:
    """Print one line with control characters escaped (settings and messages can hold any text)."""
    from bot.admin.text import terminal_safe

    print(terminal_safe(line), file=out)


def _describe(client: Any, table: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        described: dict[str, Any] = client.describe_table(TableName=table)["Table"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise
    return described


def _ttl_status(client: Any, table: str) -> str:
    ttl = client.describe_time_to_live(TableName=table).get("TimeToLiveDescription", {})
    return f"{ttl.get('TimeToLiveStatus', 'DISABLED')} on {ttl.get('AttributeName') or '-'}"


def _create(settings: Any, out: TextIO) -> int:
    from bot.admin.factory import build_store

    store = build_store(settings)
    if settings.store == "memory":
        _say("memory store: nothing to create (it lives and dies with the process)", out)
        return EXIT_OK
    if settings.store == "sqlite":
        _say(f"SQLite database {settings.sqlite_path}: schema ready (created if missing)", out)
        return EXIT_OK

    from botocore.exceptions import BotoCoreError, ClientError

    from bot.store.dynamodb import create_table

    client = store.client  # type: ignore[attr-defined]
    table = settings.session_table
    where = f" at {settings.dynamodb_endpoint_url}" if settings.dynamodb_endpoint_url else ""
    try:
        before = _describe(client, table)
        ttl_before = _ttl_status(client, table) if before is not None else None
        create_table(client, table)
        after = _describe(client, table) or {}
        ttl_after = _ttl_status(client, table)
    except (BotoCoreError, ClientError) as exc:
        _say(f"error: could not create table {table}{where}: {type(exc).__name__}: {exc}", sys.stderr)
        return EXIT_UNAVAILABLE
    indexes = sorted(g["IndexName"] for g in after.get("GlobalSecondaryIndexes", []))
    if before is None:
        _say(f"created table {table}{where} (indexes: {', '.join(indexes)}; TTL {ttl_after})", out)
        return EXIT_OK
    had = {g["IndexName"] for g in before.get("GlobalSecondaryIndexes", [])}
    added = [name for name in indexes if name not in had]
    changes = [f"added index {name}" for name in added]
    if ttl_before != ttl_after:
        changes.append(f"TTL {ttl_after}")
    if changes:
        _say(f"table {table}{where} existed: {'; '.join(changes)}", out)
    else:
        _say(f"table {table}{where} already up to date (indexes: {', '.join(indexes)}; TTL {ttl_after})", out)
    return EXIT_OK


def _purge(settings: Any, out: TextIO, *, now: int, vacuum: bool) -> int:
    from bot.admin.factory import build_store

    if settings.store != "sqlite":
        what = "DynamoDB's TTL deletes expired items" if settings.store == "dynamodb" else "memory store"
        _say(f"{settings.store}: nothing to purge ({what})", out)
        return EXIT_OK
    store = build_store(settings)
    try:
        purged = store.purge_expired(now=now)  # type: ignore[attr-defined]
        _say(f"SQLite database {settings.sqlite_path}: purged {purged} expired items", out)
        if vacuum:
            store.vacuum()  # type: ignore[attr-defined]
            _say("vacuumed", out)
    finally:
        store.close()  # type: ignore[attr-defined]
    return EXIT_OK


def _backfill(settings: Any, out: TextIO, *, dry_run: bool, now: int) -> int:
    from bot.admin.factory import build_store

    store = build_store(settings)
    report = store.backfill_ttl(
        now=now,
        session_ttl=settings.session_ttl_seconds,
        profile_ttl=settings.profile_ttl_seconds,
        dry_run=dry_run,
    )
    missing = report.missing
    total = sum(missing.values())
    kinds = ", ".join(
        f"{kind}: {missing.get(kind, 0)}" for kind in ("session", "message", "profile", "other")
    )
    _say(f"scanned {report.scanned} items; without an expiry: {total} ({kinds})", out)
    if dry_run:
        _say("dry run: nothing changed (run without --dry-run to set them)", out)
    else:
        _say(f"updated {report.updated} items", out)
    return EXIT_OK
