"""The SQLite store's schema, its migrations and its transactions.

One `items` table keyed by (pk, sk) holds session records (sk STATE), messages (sk MSG#<index>)
and profiles (sk PROFILE). The JSON `data` column holds each item's body (`bot.store.codec`'s
item without the columns); what the store queries or conditions on is a real column:

    version        the session's (or profile's) optimistic-concurrency counter
    expires_at     epoch seconds; NULL = a legacy item without expiry (live; see `backfill_ttl`)
    updated_at     last write (sessions: last activity, the listing order)
    owner          STATE only: the owning user (index items_gsi1, like DynamoDB's gsi1)
    gen            STATE: created_at; MSG: the generation (its session's created_at when written)
    has_feedback   STATE only, listing filter
    has_review     STATE only, listing filter

Two partial indexes on STATE rows stand in for the GSIs: items_gsi1 (owner, updated_at, pk,
expires_at) and items_gsi2 (updated_at, pk, expires_at), so listings are indexed SELECTs, never a
table scan. Their last column is the expiry: SQLite tests the liveness condition on the index
entry and seeks the table row only for a live record, so expired rows (until they are purged)
cost an index step, not a row read. items_expiry (expires_at) finds what a purge deletes.

The schema is versioned with PRAGMA user_version and migrated forward on open (version 1 was
the session-records-only table with a NOT NULL expires_at; version 2 had the listing indexes
without expires_at and no items_expiry).
"""

from __future__ import annotations

import contextlib
import sqlite3

SCHEMA_VERSION = 3

_TABLE = """
CREATE TABLE items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    data TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER,
    updated_at INTEGER NOT NULL DEFAULT 0,
    owner TEXT,
    gen INTEGER,
    has_feedback INTEGER NOT NULL DEFAULT 0,
    has_review INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (pk, sk)
)
"""

_INDEXES = (
    "CREATE INDEX IF NOT EXISTS items_gsi1 ON items (owner, updated_at, pk, expires_at)"
    " WHERE sk = 'STATE' AND owner IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS items_gsi2 ON items (updated_at, pk, expires_at) WHERE sk = 'STATE'",
    "CREATE INDEX IF NOT EXISTS items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL",
)
# Schema 2 -> 3: the listing indexes gain expires_at (recreated under the same names).
_MIGRATE_FROM_2 = ("DROP INDEX IF EXISTS items_gsi1", "DROP INDEX IF EXISTS items_gsi2")

# Schema 1 -> 2: the old table had only session records, data = {"state", "owner", "extra"}.
_MIGRATE_FROM_1 = (
    "ALTER TABLE items RENAME TO items_v1",
    _TABLE,
    """
    INSERT INTO items (pk, sk, data, version, expires_at, updated_at, owner, gen)
    SELECT pk, sk, data, version, expires_at, updated_at,
           CASE WHEN sk = 'STATE' THEN json_extract(data, '$.owner') END,
           CASE WHEN sk = 'STATE' THEN 0 END
    FROM items_v1
    """,
    "DROP TABLE items_v1",
)


def connect(path: str, *, busy_timeout_ms: int, memory: bool) -> sqlite3.Connection:
    """A connection in autocommit mode (writes use explicit transactions), schema ready."""
    conn = sqlite3.connect(
        path,
        timeout=busy_timeout_ms / 1000,
        isolation_level=None,  # autocommit; writes use explicit BEGIN IMMEDIATE ... COMMIT
        check_same_thread=False,  # shared across threads, serialised by the store's lock
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if not memory:
            conn.execute("PRAGMA journal_mode = WAL")
        if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            _prepare_schema(conn)
    except BaseException:
        conn.close()
        raise
    return conn


class transaction:  # noqa: N801 - used like a function: `with transaction(conn):`
    """BEGIN IMMEDIATE (or a read transaction) ... COMMIT; ROLLBACK on any exception."""

    def __init__(self, conn: sqlite3.Connection, *, write: bool = True) -> None:
        self._conn = conn
        self._begin = "BEGIN IMMEDIATE" if write else "BEGIN"

    def __enter__(self) -> None:
        self._conn.execute(self._begin)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            try:
                self._conn.execute("COMMIT")
            except BaseException:
                _rollback(self._conn)
                raise
        else:
            _rollback(self._conn)


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):  # the original error matters more
            conn.execute("ROLLBACK")


def _table_columns(conn: sqlite3.Connection) -> set[str]:
    return {row[1] for row in conn.execute("PRAGMA table_info(items)")}


def _prepare_schema(conn: sqlite3.Connection) -> None:
    """Create the schema, or migrate an older one forward, in one write transaction."""
    with transaction(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # re-read under the write lock
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"the SQLite store has schema version {version}; this code knows up to {SCHEMA_VERSION}"
            )
        columns = _table_columns(conn)
        if not columns:
            conn.execute(_TABLE)
        elif "gen" not in columns:  # schema 1 (user_version 0): session records only
            for statement in _MIGRATE_FROM_1:
                conn.execute(statement)
        else:  # schema 2
            for statement in _MIGRATE_FROM_2:
                conn.execute(statement)
        for statement in _INDEXES:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
