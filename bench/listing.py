"""Admin listings: DynamoDB Query requests per time listing (moto in-process), and the SQLite
listing cost as expired rows accumulate (bench/store_sqlite.py, the store engineer's measure)."""

from __future__ import annotations

from collections import Counter
from typing import Any

DAY = 86_400
REGION = "us-east-1"
TABLE = "bench-listing"


def dynamodb_queries(days: tuple[int, ...] = (1, 30, 366), sessions: int = 60) -> dict[str, Any]:
    """Query requests of a full `list_by_time` (every page) over the last N days, on a table with
    `sessions` live records spread over the last 20 days (as if kept for review), with the
    retention the admin function uses (max(SESSION_TTL_SECONDS, REVIEW_RETENTION_SECONDS), the
    default settings)."""
    import boto3
    from moto import mock_aws

    from bot.config import Settings
    from bot.store.base import SessionRecord
    from bot.store.dynamodb import DynamoDBStore, create_table

    settings = Settings.from_env({"BOT_SIGNING_KEY": "x" * 40})
    retention = max(settings.session_ttl_seconds, settings.review_retention_seconds)
    out: dict[str, Any] = {"retention_days": retention / DAY, "sessions": sessions, "rows": []}
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, TABLE)
        store = DynamoDBStore(TABLE, client=client, retention_seconds=retention)
        now = 1_800_000_000
        for i in range(sessions):
            at = now - 1 - (i * 20 * DAY) // sessions  # within the retention: live (a review keeps them)
            store.save(
                SessionRecord(f"list-{i:04d}", {"step": "name"}, expires_at=now + 3600),
                expected_version=0,
                now=at,
            )
        calls: Counter[str] = Counter()
        client.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.update([model.name]))
        for n in days:
            calls.clear()
            cursor, found, pages = None, 0, 0
            while True:
                page = store.list_by_time(start=now - n * DAY, end=now, now=now, limit=250, cursor=cursor)
                found += len(page.items)
                pages += 1
                cursor = page.cursor
                if cursor is None:
                    break
            out["rows"].append(
                {"days": n, "queries": calls["Query"], "pages": pages, "sessions_listed": found}
            )
    return out


def sqlite(sizes: tuple[int, ...]) -> dict[str, Any]:
    import store_sqlite

    result: dict[str, Any] = store_sqlite.measure(sizes, 0.9)
    return result
