"""SQLite store (stdlib sqlite3): local runs, tests, single-host deployments.

Same single-table layout as DynamoDB (see `bot.store.sqlite_schema` for the table). Only
primitives live here; the semantics are `bot.store.core`'s. The WHERE clauses below express the
rules of `bot.store.items` (an item with `expires_at <= now` is absent, NULL never expires;
messages are visible with a live STATE of the same `gen`), and the core re-applies them.

One connection per store, behind a lock (safe across threads); WAL and a busy timeout make
several stores and processes on one file safe: every write is one `BEGIN IMMEDIATE` transaction
whose conditions sit in its WHERE clauses, rolled back whole on any failure. Every sqlite3
error (locked past the busy timeout, a read-only file, I/O) becomes `StoreUnavailable`.
SQLite has no TTL: expired rows are invisible to reads and overwritten by the next write. The
store bounds itself: the first save after opening and then every `purge_every`-th save (default
256) deletes up to `purge_batch` (default 1024) expired items, found on an index, in its own short
transaction after the save (with the save's `now`, never the wall clock; a failure there, such as
a busy file, is ignored: the next round catches up). A save writes at most a few items that will
expire, so that rate keeps up. `purge_expired` (and `python -m bot tables purge`) deletes
everything that reads as absent, including messages whose session is gone, in one pass.
"""

from __future__ import annotations

import json
import os
import pathlib
import sqlite3
import threading
from typing import TYPE_CHECKING, Any

from bot.jsontext import encoder
from bot.store import codec
from bot.store.base import StoreClosed, StoreUnavailable, VersionConflict
from bot.store.core import PurgingStoreCore
from bot.store.items import NoSuchMessage, is_live
from bot.store.layout import MSG_PREFIX, SESSION_PREFIX, message_sk, session_pk, user_pk
from bot.store.sqlite_schema import SCHEMA_VERSION, connect, transaction
from bot.store.sqlite_sql import (
    DELETE_PROFILE,
    DELETE_SESSION,
    EXPIRIES,
    INSERT_MESSAGE,
    INSERT_STATE,
    LIST_BY_TIME,
    LIST_BY_USER,
    LOAD,
    MESSAGE_FEEDBACK,
    MESSAGES,
    PURGE,
    PURGE_EXPIRED_BATCH,
    RAISE_MESSAGE_EXPIRY,
    RAISE_STATE_EXPIRY,
    SELECT_PROFILE,
    SELECT_STATE,
    STATE_FEEDBACK,
    UPDATE_STATE,
    UPSERT_PROFILE,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from bot.store.base import MessageRecord, ProfileRecord, SessionRecord
    from bot.store.codec import Item
    from bot.store.items import (
        ExpiryTarget,
        FeedbackWrite,
        MessageWrite,
        Position,
        StateWrite,
        Stored,
        TimeQuery,
    )

__all__ = ["BUSY_TIMEOUT_MS", "PURGE_BATCH", "PURGE_EVERY", "SCHEMA_VERSION", "SqliteStore"]

BUSY_TIMEOUT_MS = 5000
PURGE_EVERY = 256  # saves between automatic purges (0: never purge automatically)
PURGE_BATCH = 1024  # expired items an automatic purge deletes at most
_PK_TOP = SESSION_PREFIX[:-1] + "$"  # larger than any "SESSION#..." pk: a listing's first page
_TOP = 2**62
# Item attributes kept in columns; the rest of a codec item is the JSON body.
_STATE_COLUMNS = (
    *("pk", "sk", "version", "expires_at", "updated_at", "owner", "created_at", "has_feedback", "has_review"),
)
_MESSAGE_COLUMNS = ("pk", "sk", "gen", "expires_at")


_dumps = encoder(ensure_ascii=False)  # json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _body(item: Item, columns: tuple[str, ...]) -> str:
    return _dumps({name: value for name, value in item.items() if name not in columns})


def _state(row: Sequence[Any]) -> Stored[SessionRecord]:
    """From a row of STATE_COLUMNS (pk, data, version, expires_at, updated_at, owner, gen, has_feedback)."""
    pk, data, version, expires_at, updated_at, owner, gen, has_feedback = row
    item: Item = json.loads(data)
    item.update(pk=pk, sk="STATE", version=version, expires_at=expires_at, updated_at=updated_at)
    item.update(owner=owner, created_at=gen, has_feedback=bool(has_feedback))
    return codec.state_from(item)


def _message(pk: str, sk: str, data: str, expires_at: int | None, gen: int | None) -> Stored[MessageRecord]:
    item: Item = json.loads(data)
    if "signature" in item:  # the body's name for `sig` (files written before the codec was shared)
        item["sig"] = item.pop("signature")
    item.update(pk=pk, sk=sk, expires_at=expires_at, gen=gen)
    return codec.message_from(item)


class SqliteStore(PurgingStoreCore):
    """A `SessionStore` in one SQLite file (or ":memory:")."""

    backend = "SQLite"

    def __init__(
        self,
        path: str | pathlib.Path,
        *,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        purge_every: int = PURGE_EVERY,
        purge_batch: int = PURGE_BATCH,
    ) -> None:
        if isinstance(purge_every, bool) or not isinstance(purge_every, int) or purge_every < 0:
            raise ValueError("purge_every must be an int >= 0")
        if isinstance(purge_batch, bool) or not isinstance(purge_batch, int) or purge_batch < 1:
            raise ValueError("purge_batch must be an int >= 1")
        self._path = str(path)
        self._memory = self._path == ":memory:"
        self._busy_timeout_ms = int(busy_timeout_ms)
        self._purge_every = purge_every
        self._purge_batch = purge_batch
        self._saves_to_purge = 1  # the first save after opening purges
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._closed = False
        try:
            if not self._memory:
                pathlib.Path(self._path).parent.mkdir(parents=True, exist_ok=True)
            self._conn: sqlite3.Connection | None = self._connect()
        except (sqlite3.Error, OSError) as exc:  # a newer schema's RuntimeError is not an outage
            raise StoreUnavailable(f"SQLite open failed: {self._failure(exc)}") from exc

    def _failure(self, exc: Exception) -> str:
        """SQLite's messages name tables, columns and constraints, not data, but for the one
        about undecodable text, which quotes it: that part is cut off."""
        if isinstance(exc, sqlite3.Error):
            code = getattr(exc, "sqlite_errorname", None)
            text = str(exc).split(" with text ", 1)[0]
            return f"{type(exc).__name__}{f' ({code})' if code else ''}: {text}"
        if isinstance(exc, OSError):
            return f"{type(exc).__name__}: {exc.strerror or 'error'}"
        return type(exc).__name__

    # -- connection ------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        return connect(self._path, busy_timeout_ms=self._busy_timeout_ms, memory=self._memory)

    def _connection(self) -> sqlite3.Connection:
        # Caller holds self._lock.
        if self._closed:
            raise StoreClosed("SqliteStore is closed")
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

    def _rows(self, sql: str, params: dict[str, Any] | Sequence[Any]) -> list[Any]:
        with self._lock:
            return self._connection().execute(sql, params).fetchall()

    # -- reads -----------------------------------------------------------------------------------

    def _read_session(
        self, session_id: str, *, now: int, window: int
    ) -> tuple[Stored[SessionRecord] | None, list[Stored[MessageRecord]]]:
        pk = session_pk(session_id)
        rows = self._rows(LOAD, {"pk": pk, "now": now, "window": window})
        state = next((_state(columns) for sk, *columns in rows if sk == "STATE"), None)
        messages = [_message(pk, sk, row[1], row[3], row[6]) for sk, *row in rows if sk != "STATE"]
        return state, messages

    def _read_state(self, session_id: str) -> Stored[SessionRecord] | None:
        rows = self._rows(SELECT_STATE, {"pk": session_pk(session_id)})
        return _state(rows[0]) if rows else None

    def _read_messages(
        self, session_id: str, *, now: int, after: int, limit: int
    ) -> tuple[Stored[SessionRecord] | None, list[Stored[MessageRecord]]]:
        state = self._read_state(session_id)
        if not is_live(state, now):
            return state, []
        pk = session_pk(session_id)
        params = {
            "pk": pk,
            "now": now,
            "after": MSG_PREFIX if after < 0 else message_sk(after),
            "limit": limit,
        }
        rows = self._rows(MESSAGES, params)
        return state, [_message(pk, sk, data, expires_at, gen) for sk, data, expires_at, gen in rows]

    def _read_expiries(
        self, session_id: str
    ) -> tuple[Stored[SessionRecord] | None, list[Stored[MessageRecord]]]:
        pk = session_pk(session_id)
        state: Stored[SessionRecord] | None = None
        found: list[Stored[MessageRecord]] = []
        for sk, expires_at, gen in self._rows(EXPIRIES, {"pk": pk}):
            if sk == "STATE":
                state = codec.state_from({"pk": pk, "sk": sk, "expires_at": expires_at, "created_at": gen})
            elif codec.is_message_key(sk):
                found.append(codec.message_from({"pk": pk, "sk": sk, "expires_at": expires_at, "gen": gen}))
        return state, found

    def _read_profile(self, user_id: str) -> Stored[ProfileRecord] | None:
        rows = self._rows(SELECT_PROFILE, {"pk": user_pk(user_id)})
        if not rows:
            return None
        data, version, expires_at, updated_at = rows[0]
        item = {"pk": user_pk(user_id), "sk": "PROFILE", "version": version, "updated_at": updated_at}
        return codec.profile_from({**json.loads(data), **item, "expires_at": expires_at})

    def _list(self, sql: str, params: dict[str, Any], after: Position | None, limit: int) -> list[Any]:
        """One indexed SELECT of limit + 1 rows before the position (newest first)."""
        before, before_pk = (_TOP, _PK_TOP) if after is None else (after[0], session_pk(after[1]))
        return self._rows(sql, {**params, "before": before, "before_pk": before_pk, "limit": limit + 1})

    def _list_by_user(
        self, user_id: str, *, now: int, after: Position | None, limit: int
    ) -> tuple[list[Stored[SessionRecord]], bool]:
        rows = self._list(LIST_BY_USER, {"owner": user_id, "now": now}, after, limit)
        return [_state(row) for row in rows], False

    def _list_by_time(
        self, query: TimeQuery, *, now: int, after: Position | None, limit: int
    ) -> tuple[list[Stored[SessionRecord]], bool]:
        params = {
            "start": query.start,
            # Start the index range at the cursor's second, not at `end`.
            "upper": query.end if after is None else min(query.end, after[0] + 1),
            "now": now,
            "has_feedback": None if query.has_feedback is None else int(query.has_feedback),
            "has_review": None if query.has_review is None else int(query.has_review),
        }
        return [_state(row) for row in self._list(LIST_BY_TIME, params, after, limit)], False

    # -- writes ----------------------------------------------------------------------------------

    def _commit(
        self, state: StateWrite, messages: list[MessageWrite], profile: ProfileRecord | None, *, now: int
    ) -> None:
        item = codec.state_item(state.record)
        row = {
            "pk": item["pk"],
            "data": _body(item, _STATE_COLUMNS),
            "version": item["version"],
            "expires_at": item["expires_at"],
            "owner": item.get("owner"),
            "gen": item["created_at"],
            "has_feedback": int(item["has_feedback"]),
            "has_review": int(item["has_review"]),
            "now": now,
            "expected": state.expected,
        }
        rows = [self._message_row(write, now) for write in messages]
        with self._lock:
            conn = self._connection()
            with transaction(conn):
                changed = conn.execute(INSERT_STATE if state.expected == 0 else UPDATE_STATE, row)
                if changed.rowcount != 1:
                    raise VersionConflict(
                        f"session was changed concurrently (expected version {state.expected})"
                    )
                if rows and conn.executemany(INSERT_MESSAGE, rows).rowcount != len(rows):
                    raise VersionConflict("a message of this write already exists")
                if profile is not None:
                    _upsert_profile(conn, profile, now)
            self._after_save(conn, now)

    def _after_save(self, conn: sqlite3.Connection, now: int) -> None:
        """Count the save; on the first after opening and every `purge_every`-th, delete up to
        `purge_batch` expired items (caller holds the lock; the save has committed)."""
        if not self._purge_every:
            return
        self._saves_to_purge -= 1
        if self._saves_to_purge > 0:
            return
        self._saves_to_purge = self._purge_every
        try:
            with transaction(conn):
                conn.execute(PURGE_EXPIRED_BATCH, {"now": now, "batch": self._purge_batch})
        except sqlite3.Error:
            pass  # housekeeping only: the save stands; the next round catches up

    @staticmethod
    def _message_row(write: MessageWrite, now: int) -> dict[str, Any]:
        item = codec.message_item(write.message, write.gen)
        item["signature"] = item.pop("sig")  # the body's name (readable by older code)
        return {
            "pk": item["pk"],
            "sk": item["sk"],
            "data": _body(item, _MESSAGE_COLUMNS),
            "expires_at": item["expires_at"],
            "gen": item["gen"],
            "now": now,
        }

    def _commit_feedback(self, write: FeedbackWrite, *, now: int) -> None:
        state = write.state
        pk = session_pk(state.value.session_id)
        params = {
            "pk": pk,
            "sk": message_sk(write.index),
            "now": now,
            "version": state.value.version,
            "gen": state.gen,
            "feedback": _dumps(codec.feedback_value(write.feedback)),
        }
        with self._lock:
            conn = self._connection()
            with transaction(conn):
                if conn.execute(STATE_FEEDBACK, params).rowcount != 1:
                    raise VersionConflict("session was changed concurrently")
                if conn.execute(MESSAGE_FEEDBACK, params).rowcount != 1:
                    raise NoSuchMessage  # rolls the record's change back

    def _put_profile(self, profile: ProfileRecord, *, now: int) -> int:
        with self._lock:
            conn = self._connection()
            with transaction(conn):
                return _upsert_profile(conn, profile, now)

    def _raise_expiry(self, session_id: str, targets: list[ExpiryTarget], *, until: int, now: int) -> int:
        pk = session_pk(session_id)
        updated = 0
        with self._lock:
            conn = self._connection()
            with transaction(conn):
                for target in targets:
                    params = {"pk": pk, "sk": target.sk, "gen": target.gen, "now": now, "until": until}
                    sql = RAISE_MESSAGE_EXPIRY if target.message else RAISE_STATE_EXPIRY
                    updated += conn.execute(sql, params).rowcount
        return updated

    def _delete_session(self, session_id: str) -> int:
        with self._lock:
            return int(self._connection().execute(DELETE_SESSION, (session_pk(session_id),)).rowcount)

    def _delete_profile(self, user_id: str) -> None:
        with self._lock:
            self._connection().execute(DELETE_PROFILE, (user_pk(user_id),))

    # -- upkeep ----------------------------------------------------------------------------------

    def _scan_without_expiry(self) -> Iterator[tuple[int, list[Item]]]:
        with self._lock:
            conn = self._connection()
            with transaction(conn, write=False):
                scanned = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
                rows = conn.execute(
                    "SELECT pk, sk, data, updated_at FROM items WHERE expires_at IS NULL"
                ).fetchall()
        items: list[Item] = []
        for pk, sk, data, updated_at in rows:
            try:
                at_ms = json.loads(data).get("at_ms")
            except (ValueError, AttributeError):
                at_ms = None
            valid = isinstance(at_ms, int) and not isinstance(at_ms, bool)
            items.append({"pk": pk, "sk": sk, "updated_at": updated_at, "at_ms": at_ms if valid else None})
        yield scanned, items

    def _give_expiry(self, updates: list[tuple[str, str, int]]) -> int:
        with self._lock:
            conn = self._connection()
            with transaction(conn):
                return int(
                    conn.executemany(
                        "UPDATE items SET expires_at = ? WHERE pk = ? AND sk = ? AND expires_at IS NULL",
                        [(expires_at, pk, sk) for pk, sk, expires_at in updates],
                    ).rowcount
                )

    def vacuum(self) -> None:
        """Give the pages freed by purges back to the file system (maintenance: rewrites the file)."""
        with self._failing("vacuum"), self._lock:
            self._connection().execute("VACUUM")

    def _purge(self, *, now: int) -> int:
        with self._lock:
            return int(self._connection().execute(PURGE, {"now": now}).rowcount)


def _upsert_profile(conn: sqlite3.Connection, profile: ProfileRecord, now: int) -> int:
    """Write a profile unconditionally (version = live stored + 1, else 1); returns the version."""
    params = {
        "pk": user_pk(profile.user_id),
        "data": _dumps({"data": profile.data}),
        "expires_at": profile.expires_at,
        "now": now,
    }
    return int(conn.execute(UPSERT_PROFILE, params).fetchall()[0][0])
