"""SQLite session store (stdlib sqlite3): local runs, tests, single-host deployments.

Same single-table layout as DynamoDB (see `bot.store.layout`): `items(pk, sk, data, ...)` where
`data` is a JSON object {"state": {...}, "owner": str|null, "extra": {...}}. Version, expiry and
update time are real columns so the conditional write is one atomic SQL statement, safe across
threads (one connection behind a lock) and across processes (WAL + busy timeout; each statement
runs in its own transaction and the version check sits in its WHERE clause).

SQLite has no TTL: expired rows are invisible to `get`, overwritten by the next `put`, and can be
removed with `purge_expired`.
"""

from __future__ import annotations

import json
import os
import pathlib
import sqlite3
import threading
from typing import Any

from bot.store.base import SessionRecord, StoreUnavailable, VersionConflict
from bot.store.layout import STATE_SK, check_record, copy_record, session_pk

BUSY_TIMEOUT_MS = 5000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    data TEXT NOT NULL,
    version INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (pk, sk)
)
"""

# expected_version == 0: insert, or take over a row that has expired (it counts as absent).
_INSERT_OR_REPLACE_EXPIRED = """
INSERT INTO items (pk, sk, data, version, expires_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)
ON CONFLICT (pk, sk) DO UPDATE SET
    data = excluded.data, version = excluded.version,
    expires_at = excluded.expires_at, updated_at = excluded.updated_at
WHERE items.expires_at <= ?
"""

# expected_version > 0: the live row must still carry the version the caller read.
_UPDATE_IF_VERSION = """
UPDATE items SET data = ?, version = ?, expires_at = ?, updated_at = ?
WHERE pk = ? AND sk = ? AND version = ? AND expires_at > ?
"""

_SELECT_LIVE = """
SELECT data, version, expires_at, updated_at FROM items WHERE pk = ? AND sk = ? AND expires_at > ?
"""


class _Unavailable:
    """Turn SQLite operational failures (locked past the busy timeout, I/O) into StoreUnavailable."""

    def __init__(self, operation: str) -> None:
        self._operation = operation

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, sqlite3.OperationalError):
            raise StoreUnavailable(f"SQLite {self._operation} failed: {exc}") from exc


class SqliteStore:
    """A `SessionStore` in one SQLite file (or ":memory:")."""

    def __init__(self, path: str | pathlib.Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self._path = str(path)
        self._memory = self._path == ":memory:"
        self._busy_timeout_ms = int(busy_timeout_ms)
        if not self._memory:
            pathlib.Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._closed = False
        self._conn: sqlite3.Connection | None = self._connect()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._path,
            timeout=self._busy_timeout_ms / 1000,
            isolation_level=None,  # autocommit: every statement is its own transaction
            check_same_thread=False,  # shared across threads, serialised by self._lock
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            if not self._memory:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        return conn

    def _connection(self) -> sqlite3.Connection:
        # Caller holds self._lock.
        if self._closed:
            raise RuntimeError("SqliteStore is closed")
        if self._conn is not None and self._pid != os.getpid() and not self._memory:
            # A connection must not be used across fork(); open a fresh one in the child.
            self._conn = None
            self._pid = os.getpid()
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def get(self, session_id: str, *, now: int) -> SessionRecord | None:
        with self._lock, _Unavailable("get"):
            row = self._connection().execute(_SELECT_LIVE, (session_pk(session_id), STATE_SK, now)).fetchone()
        if row is None:
            return None
        data_json, version, expires_at, updated_at = row
        data: dict[str, Any] = json.loads(data_json)
        return SessionRecord(
            session_id=session_id,
            state=dict(data["state"]),
            version=int(version),
            expires_at=int(expires_at),
            updated_at=int(updated_at),
            owner=data.get("owner"),
            extra=dict(data.get("extra", {})),
        )

    def put(self, record: SessionRecord, *, expected_version: int, now: int) -> SessionRecord:
        check_record(record, expected_version=expected_version)
        stored = copy_record(record, version=expected_version + 1, updated_at=now)
        data = json.dumps(
            {"state": stored.state, "owner": stored.owner, "extra": stored.extra},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        pk = session_pk(record.session_id)
        with self._lock, _Unavailable("put"):
            conn = self._connection()
            if expected_version == 0:
                cursor = conn.execute(
                    _INSERT_OR_REPLACE_EXPIRED, (pk, STATE_SK, data, stored.expires_at, now, now)
                )
            else:
                cursor = conn.execute(
                    _UPDATE_IF_VERSION,
                    (data, stored.version, stored.expires_at, now, pk, STATE_SK, expected_version, now),
                )
            changed = cursor.rowcount
        if changed != 1:
            raise VersionConflict(f"session was changed concurrently (expected version {expected_version})")
        return copy_record(stored)

    def delete(self, session_id: str) -> None:
        with self._lock, _Unavailable("delete"):
            self._connection().execute(
                "DELETE FROM items WHERE pk = ? AND sk = ?", (session_pk(session_id), STATE_SK)
            )

    def purge_expired(self, *, now: int) -> int:
        """Delete every item whose expiry has passed; returns how many (SQLite has no TTL)."""
        with self._lock:
            return self._connection().execute("DELETE FROM items WHERE expires_at <= ?", (now,)).rowcount
