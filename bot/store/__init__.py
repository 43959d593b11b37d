"""Session stores: server-side trusted state keyed by Lex sessionId.

The interface (`bot.store.base`) is split by use: `TurnStore` (what a turn needs), `AdminStore`
(operators), `UpkeepStore` (maintenance); `SessionStore` is all of them. Its semantics are
implemented once (`bot.store.core` over `bot.store.checks`, `bot.store.items`, `bot.store.codec`);
each backend (memory, sqlite, dynamodb) implements only primitives.

`import bot.store` is cheap: backends (and boto3) are imported only by `make_store` or by
importing `bot.store.memory` / `bot.store.sqlite` / `bot.store.dynamodb` directly.
"""

from __future__ import annotations

from bot.store.base import (
    AdminStore,
    SessionRecord,
    SessionStore,
    StoreUnavailable,
    TurnStore,
    UpkeepStore,
    VersionConflict,
)

__all__ = [
    "STORE_KINDS",
    "AdminStore",
    "SessionRecord",
    "SessionStore",
    "StoreUnavailable",
    "TurnStore",
    "UpkeepStore",
    "VersionConflict",
    "make_store",
]

STORE_KINDS = ("memory", "sqlite", "dynamodb")
DEFAULT_SQLITE_PATH = ".data/sessions.sqlite3"


def make_store(
    kind: str,
    *,
    sqlite_path: str | None = None,
    table_name: str | None = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    retention_seconds: int | None = None,
) -> SessionStore:
    """Build a store by name: "memory", "sqlite" (file at `sqlite_path`) or "dynamodb".

    `retention_seconds` (DynamoDB): the longest a session record stays live after its last
    activity, max(SESSION_TTL_SECONDS, REVIEW_RETENTION_SECONDS); time listings then skip the
    days that can hold no live record (see `bot.store.dynamodb`). Ignored by the local stores,
    whose listings are one indexed SELECT whatever the range."""
    normalized = kind.strip().lower()
    if normalized == "memory":
        from bot.store.memory import MemoryStore

        return MemoryStore()
    if normalized == "sqlite":
        from bot.store.sqlite import SqliteStore

        return SqliteStore(sqlite_path or DEFAULT_SQLITE_PATH)
    if normalized == "dynamodb":
        if not table_name:
            raise ValueError("SESSION_TABLE is required for the dynamodb session store (table_name)")
        from bot.store.dynamodb import DynamoDBStore

        return DynamoDBStore(
            table_name, endpoint_url=endpoint_url, region=region, retention_seconds=retention_seconds
        )
    raise ValueError(f"unknown session store kind {kind!r}; valid kinds: {', '.join(STORE_KINDS)}")
