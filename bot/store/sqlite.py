"""SQLite store (stdlib sqlite3): local runs, tests, single-host deployments.

Same single-table layout as DynamoDB (see `bot.store.layout`): one `items` table keyed by
(pk, sk) holds session records (sk STATE), messages (sk MSG#<index>) and profiles (sk PROFILE).
The JSON `data` column holds each item's body; what the store queries or conditions on is a real
column:

    version        the session's (or profile's) optimistic-concurrency counter
    expires_at     epoch seconds; NULL = a legacy item without expiry (live; see `backfill_ttl`)
    updated_at     last write (sessions: last activity, the listing order)
    owner          STATE only: the owning user (index items_gsi1, like DynamoDB's gsi1)
    gen            STATE: created_at; MSG: the generation (its session's created_at when written)
    has_feedback   STATE only, listing filter
    has_review     STATE only, listing filter

Two partial indexes on STATE rows stand in for the GSIs: items_gsi1 (owner, updated_at, pk) and
items_gsi2 (updated_at, pk), so listings are indexed SELECTs, never a table scan. A message's
index comes from its key (sk), never from its body.

One connection per store, behind a lock (safe across threads); WAL and a busy timeout make
several stores and processes on one file safe: every write is one `BEGIN IMMEDIATE` transaction
whose version check sits in its WHERE clauses, rolled back whole on any failure.

The schema is versioned with PRAGMA user_version and migrated forward on open (version 1 was
the session-records-only table with a NOT NULL expires_at). SQLite has no TTL: expired rows are
invisible to reads, overwritten by the next write and removed by `purge_expired`.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from bot.store.base import (
    BackfillReport,
    Feedback,
    MessageRecord,
    Page,
    ProfileRecord,
    Review,
    SessionRecord,
    StoreUnavailable,
    VersionConflict,
)
from bot.store.layout import (
    MSG_INDEX_WIDTH,
    MSG_PREFIX,
    PROFILE_SK,
    SESSION_PREFIX,
    STATE_SK,
    USER_PREFIX,
    check_limit,
    check_new_messages,
    check_profile,
    check_record,
    check_user_id,
    copy_record,
    listing_cursor,
    listing_position,
    message_sk,
    session_id_from_pk,
    session_pk,
    time_params,
    user_pk,
)

BUSY_TIMEOUT_MS = 5000
SCHEMA_VERSION = 2


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
    "CREATE INDEX IF NOT EXISTS items_gsi1 ON items (owner, updated_at, pk)"
    " WHERE sk = 'STATE' AND owner IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS items_gsi2 ON items (updated_at, pk) WHERE sk = 'STATE'",
)

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

# Every item with expires_at <= now is absent; NULL (a legacy item without expiry) is live.
_SELECT_STATE = """
SELECT pk, data, version, expires_at, updated_at, owner, gen, has_feedback FROM items
WHERE pk = :pk AND sk = 'STATE' AND (expires_at IS NULL OR expires_at > :now)
"""

# load(): the live STATE row and its newest `window` live messages of the same generation, one
# SELECT on the primary key. Message keys sort between "MSG#" and "MSG$" ("$" follows "#").
_LOAD = """
SELECT 'STATE', pk, data, version, expires_at, updated_at, owner, gen, has_feedback FROM items
WHERE pk = :pk AND sk = 'STATE' AND (expires_at IS NULL OR expires_at > :now)
UNION ALL
SELECT * FROM (
    SELECT m.sk, m.pk, m.data, 0, m.expires_at, 0, NULL, m.gen, 0
    FROM items AS s JOIN items AS m ON m.pk = s.pk
    WHERE s.pk = :pk AND s.sk = 'STATE' AND (s.expires_at IS NULL OR s.expires_at > :now)
      AND m.sk > 'MSG#' AND m.sk < 'MSG$' AND m.gen IS s.gen
      AND (m.expires_at IS NULL OR m.expires_at > :now)
    ORDER BY m.sk DESC LIMIT :window
)
"""

_MESSAGES = """
SELECT m.sk, m.data, m.expires_at
FROM items AS s JOIN items AS m ON m.pk = s.pk
WHERE s.pk = :pk AND s.sk = 'STATE' AND (s.expires_at IS NULL OR s.expires_at > :now)
  AND m.sk > :after AND m.sk < 'MSG$' AND m.gen IS s.gen
  AND (m.expires_at IS NULL OR m.expires_at > :now)
ORDER BY m.sk LIMIT :limit
"""

_SELECT_LIVE_MESSAGE = """
SELECT m.data
FROM items AS s JOIN items AS m ON m.pk = s.pk
WHERE s.pk = :pk AND s.sk = 'STATE' AND (s.expires_at IS NULL OR s.expires_at > :now)
  AND m.sk = :sk AND m.gen IS s.gen AND (m.expires_at IS NULL OR m.expires_at > :now)
"""

# expected_version == 0: insert, or take over a row that has expired (it counts as absent).
_INSERT_STATE = """
INSERT INTO items (pk, sk, data, version, expires_at, updated_at, owner, gen, has_feedback, has_review)
VALUES (:pk, 'STATE', :data, :version, :expires_at, :now, :owner, :gen, :has_feedback, :has_review)
ON CONFLICT (pk, sk) DO UPDATE SET
    data = excluded.data, version = excluded.version, expires_at = excluded.expires_at,
    updated_at = excluded.updated_at, owner = excluded.owner, gen = excluded.gen,
    has_feedback = excluded.has_feedback, has_review = excluded.has_review
WHERE items.expires_at <= :now
"""

# expected_version > 0: the live row must still carry the version the caller read.
_UPDATE_STATE = """
UPDATE items SET
    data = :data, version = :version, expires_at = :expires_at, updated_at = :now,
    owner = :owner, gen = :gen, has_feedback = :has_feedback, has_review = :has_review
WHERE pk = :pk AND sk = 'STATE' AND version = :expected AND (expires_at IS NULL OR expires_at > :now)
"""

# A message must be new: an existing item at its key only gives way if expired or of another
# generation (left over from an expired predecessor of this session id).
_INSERT_MESSAGE = """
INSERT INTO items (pk, sk, data, version, expires_at, updated_at, gen)
VALUES (:pk, :sk, :data, 0, :expires_at, :now, :gen)
ON CONFLICT (pk, sk) DO UPDATE SET
    data = excluded.data, version = 0, expires_at = excluded.expires_at,
    updated_at = excluded.updated_at, gen = excluded.gen, owner = NULL, has_feedback = 0, has_review = 0
WHERE items.gen IS NOT excluded.gen OR items.expires_at <= :now
"""

_UPSERT_PROFILE = """
INSERT INTO items (pk, sk, data, version, expires_at, updated_at)
VALUES (:pk, 'PROFILE', :data, 1, :expires_at, :now)
ON CONFLICT (pk, sk) DO UPDATE SET
    data = excluded.data, version = items.version + 1,
    expires_at = excluded.expires_at, updated_at = excluded.updated_at
RETURNING version
"""

_LIST_BY_USER = """
SELECT pk, data, version, expires_at, updated_at, owner, gen, has_feedback FROM items INDEXED BY items_gsi1
WHERE sk = 'STATE' AND owner = :owner AND (expires_at IS NULL OR expires_at > :now)
  AND (updated_at, pk) < (:before, :before_pk)
ORDER BY updated_at DESC, pk DESC LIMIT :limit
"""

_LIST_BY_TIME = """
SELECT pk, data, version, expires_at, updated_at, owner, gen, has_feedback FROM items INDEXED BY items_gsi2
WHERE sk = 'STATE' AND updated_at >= :start AND updated_at < :upper
  AND (expires_at IS NULL OR expires_at > :now)
  AND (updated_at, pk) < (:before, :before_pk)
  AND (:has_feedback IS NULL OR has_feedback = :has_feedback)
  AND (:has_review IS NULL OR has_review = :has_review)
ORDER BY updated_at DESC, pk DESC LIMIT :limit
"""

# Larger than any pk: "SESSION#..." < "SESSION$" (a listing without a cursor starts here).
_PK_TOP = SESSION_PREFIX[:-1] + "$"
_TOP = 2**62


class _Unavailable:
    """Turn SQLite operational failures (locked past the busy timeout, I/O) into StoreUnavailable."""

    def __init__(self, operation: str) -> None:
        self._operation = operation

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, sqlite3.OperationalError):
            raise StoreUnavailable(f"SQLite {self._operation} failed: {exc}") from exc


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _feedback_json(feedback: Feedback | None) -> dict[str, Any] | None:
    if feedback is None:
        return None
    return {"rating": feedback.rating, "comment": feedback.comment, "at": feedback.at}


def _feedback(value: Any) -> Feedback | None:
    if not value:
        return None
    return Feedback(rating=value["rating"], comment=value.get("comment", ""), at=int(value.get("at", 0)))


def _review(value: Any) -> Review | None:
    if not value:
        return None
    return Review(
        reviewer=value["reviewer"],
        verdict=value["verdict"],
        notes=value.get("notes", ""),
        at=int(value.get("at", 0)),
    )


def _state_params(record: SessionRecord) -> dict[str, Any]:
    body: dict[str, Any] = {"state": record.state, "extra": record.extra}
    if record.message_count:
        body["message_count"] = record.message_count
    if record.title is not None:
        body["title"] = record.title
    if record.feedback is not None:
        body["feedback"] = _feedback_json(record.feedback)
    if record.review is not None:
        review = record.review
        body["review"] = {
            "reviewer": review.reviewer,
            "verdict": review.verdict,
            "notes": review.notes,
            "at": review.at,
        }
    return {
        "pk": session_pk(record.session_id),
        "data": _dumps(body),
        "version": record.version,
        "expires_at": record.expires_at,
        "owner": record.owner,
        "gen": record.created_at,
        "has_feedback": int(record.has_feedback),
        "has_review": int(record.review is not None),
    }


def _record(row: Sequence[Any]) -> SessionRecord:
    """A record from (pk, data, version, expires_at, updated_at, owner, gen, has_feedback)."""
    pk, data_json, version, expires_at, updated_at, owner, gen, has_feedback = row
    body: dict[str, Any] = json.loads(data_json)
    return SessionRecord(
        session_id=session_id_from_pk(pk),
        state=body.get("state", {}),
        version=version,
        expires_at=0 if expires_at is None else expires_at,  # NULL: legacy item without expiry
        updated_at=updated_at,
        owner=owner,
        extra=body.get("extra", {}),
        created_at=gen or 0,
        message_count=int(body.get("message_count", 0)),
        title=body.get("title"),
        feedback=_feedback(body.get("feedback")),
        review=_review(body.get("review")),
        has_feedback=bool(has_feedback),
    )


def _message_params(message: MessageRecord, pk: str, generation: int, now: int) -> dict[str, Any]:
    body: dict[str, Any] = {"at_ms": message.at_ms, "user": message.user, "bot": message.bot}
    for name in ("intent", "source", "slot"):
        value = getattr(message, name)
        if value is not None:
            body[name] = value
    if message.signature:
        body["signature"] = message.signature
    if message.feedback is not None:
        body["feedback"] = _feedback_json(message.feedback)
    return {
        "pk": pk,
        "sk": message_sk(message.index),
        "data": _dumps(body),
        "expires_at": message.expires_at,
        "now": now,
        "gen": generation,
    }


def _message(session_id: str, sk: str, data_json: str, expires_at: int | None) -> MessageRecord:
    body: dict[str, Any] = json.loads(data_json)
    return MessageRecord(
        session_id=session_id,
        index=int(sk[len(MSG_PREFIX) :]),  # from the key, never from the body
        at_ms=int(body.get("at_ms", 0)),
        user=body.get("user", ""),
        bot=list(body.get("bot", [])),
        intent=body.get("intent"),
        source=body.get("source"),
        slot=body.get("slot"),
        signature=body.get("signature", ""),
        expires_at=0 if expires_at is None else expires_at,
        feedback=_feedback(body.get("feedback")),
    )


def _kind(pk: str, sk: str) -> str:
    if pk.startswith(SESSION_PREFIX):
        if sk == STATE_SK:
            return "session"
        if sk.startswith(MSG_PREFIX) and len(sk) == len(MSG_PREFIX) + MSG_INDEX_WIDTH:
            return "message"
    elif pk.startswith(USER_PREFIX) and sk == PROFILE_SK:
        return "profile"
    return "other"


def _last_activity(kind: str, data_json: str, updated_at: int) -> int:
    if kind == "message":
        try:
            at_ms = json.loads(data_json).get("at_ms")
        except (ValueError, AttributeError):
            at_ms = None
        if isinstance(at_ms, int) and not isinstance(at_ms, bool) and at_ms > 0:
            return at_ms // 1000
    return updated_at


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

    # -- connection and schema ----------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._path,
            timeout=self._busy_timeout_ms / 1000,
            isolation_level=None,  # autocommit; writes use explicit BEGIN IMMEDIATE ... COMMIT
            check_same_thread=False,  # shared across threads, serialised by self._lock
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            if not self._memory:
                conn.execute("PRAGMA journal_mode = WAL")
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                _prepare_schema(conn)
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

    # -- the turn's hot path ------------------------------------------------------------------

    def load(
        self, session_id: str, *, now: int, window: int
    ) -> tuple[SessionRecord | None, list[MessageRecord]]:
        check_limit("window", window, minimum=0)
        with self._lock, _Unavailable("load"):
            rows = (
                self._connection()
                .execute(_LOAD, {"pk": session_pk(session_id), "now": now, "window": window})
                .fetchall()
            )
        record: SessionRecord | None = None
        messages: list[MessageRecord] = []
        for sk, *columns in rows:
            if sk == STATE_SK:
                record = _record(columns)
            else:
                messages.append(_message(session_id, sk, columns[1], columns[3]))
        if record is None:
            return None, []
        messages.sort(key=lambda m: m.index)
        return record, messages

    def save(
        self,
        record: SessionRecord,
        *,
        expected_version: int,
        now: int,
        messages: tuple[MessageRecord, ...] | list[MessageRecord] = (),
        profile: ProfileRecord | None = None,
    ) -> SessionRecord:
        check_record(record, expected_version=expected_version)
        check_new_messages(record.session_id, messages)
        if profile is not None:
            check_profile(profile)
        created_at = now if expected_version == 0 else record.created_at
        stored = copy_record(record, version=expected_version + 1, updated_at=now, created_at=created_at)
        state = {**_state_params(stored), "now": now, "expected": expected_version}
        pk = state["pk"]
        rows = [_message_params(message, pk, created_at, now) for message in messages]
        with self._lock, _Unavailable("save"):
            conn = self._connection()
            with _transaction(conn):
                changed = conn.execute(_INSERT_STATE if expected_version == 0 else _UPDATE_STATE, state)
                if changed.rowcount != 1:
                    raise VersionConflict(
                        f"session was changed concurrently (expected version {expected_version})"
                    )
                if rows and conn.executemany(_INSERT_MESSAGE, rows).rowcount != len(rows):
                    raise VersionConflict("a message of this write already exists")
                if profile is not None:
                    _upsert_profile(conn, profile, now)
        return stored

    # -- single items -------------------------------------------------------------------------

    def get(self, session_id: str, *, now: int) -> SessionRecord | None:
        with self._lock, _Unavailable("get"):
            row = (
                self._connection()
                .execute(_SELECT_STATE, {"pk": session_pk(session_id), "now": now})
                .fetchone()
            )
        return None if row is None else _record(row)

    def put(self, record: SessionRecord, *, expected_version: int, now: int) -> SessionRecord:
        return self.save(record, expected_version=expected_version, now=now)

    def delete(self, session_id: str) -> int:
        with self._lock, _Unavailable("delete"):
            cursor = self._connection().execute("DELETE FROM items WHERE pk = ?", (session_pk(session_id),))
            return cursor.rowcount

    # -- history ------------------------------------------------------------------------------

    def messages(
        self, session_id: str, *, now: int, after: int = -1, limit: int = 100
    ) -> list[MessageRecord]:
        check_limit("limit", limit, minimum=0)
        if isinstance(after, bool) or not isinstance(after, int):
            raise TypeError("after must be an int")
        if limit == 0 or after >= 10**MSG_INDEX_WIDTH - 1:
            return []
        params = {
            "pk": session_pk(session_id),
            "now": now,
            "after": MSG_PREFIX if after < 0 else message_sk(after),
            "limit": limit,
        }
        with self._lock, _Unavailable("messages"):
            rows = self._connection().execute(_MESSAGES, params).fetchall()
        return [_message(session_id, sk, data, expires_at) for sk, data, expires_at in rows]

    def set_message_feedback(self, session_id: str, index: int, feedback: Feedback, *, now: int) -> bool:
        if not isinstance(feedback, Feedback):
            raise TypeError("feedback must be a Feedback")
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError("index must be an int")
        if not 0 <= index < 10**MSG_INDEX_WIDTH:
            return False
        pk, sk = session_pk(session_id), message_sk(index)
        with self._lock, _Unavailable("set_message_feedback"):
            conn = self._connection()
            with _transaction(conn):
                row = conn.execute(_SELECT_LIVE_MESSAGE, {"pk": pk, "sk": sk, "now": now}).fetchone()
                if row is None:
                    return False
                body = json.loads(row[0])
                body["feedback"] = _feedback_json(feedback)
                conn.execute("UPDATE items SET data = ? WHERE pk = ? AND sk = ?", (_dumps(body), pk, sk))
                conn.execute(
                    "UPDATE items SET has_feedback = 1, version = version + 1, updated_at = ?"
                    " WHERE pk = ? AND sk = 'STATE'",
                    (now, pk),
                )
        return True

    def retain(self, session_id: str, *, until: int, now: int) -> int:
        if isinstance(until, bool) or not isinstance(until, int):
            raise TypeError("until must be an int (epoch seconds)")
        params = {"pk": session_pk(session_id), "now": now, "until": until}
        with self._lock, _Unavailable("retain"):
            conn = self._connection()
            with _transaction(conn):
                row = conn.execute(
                    "SELECT gen FROM items WHERE pk = :pk AND sk = 'STATE'"
                    " AND (expires_at IS NULL OR expires_at > :now)",
                    params,
                )
                found = row.fetchone()
                if found is None:
                    return 0
                # NULL expires_at (a legacy item) never expires: already retained.
                updated = conn.execute(
                    "UPDATE items SET expires_at = :until"
                    " WHERE pk = :pk AND sk = 'STATE' AND expires_at > :now AND expires_at < :until",
                    params,
                ).rowcount
                updated += conn.execute(
                    "UPDATE items SET expires_at = :until WHERE pk = :pk AND sk > 'MSG#'"
                    " AND sk < 'MSG$' AND gen IS :gen AND expires_at > :now AND expires_at < :until",
                    {**params, "gen": found[0]},
                ).rowcount
        return updated

    # -- profiles -----------------------------------------------------------------------------

    def get_profile(self, user_id: str, *, now: int) -> ProfileRecord | None:
        with self._lock, _Unavailable("get_profile"):
            row = (
                self._connection()
                .execute(
                    "SELECT data, version, expires_at, updated_at FROM items"
                    " WHERE pk = :pk AND sk = 'PROFILE' AND (expires_at IS NULL OR expires_at > :now)",
                    {"pk": user_pk(user_id), "now": now},
                )
                .fetchone()
            )
        if row is None:
            return None
        data_json, version, expires_at, updated_at = row
        return ProfileRecord(
            user_id=user_id,
            data=json.loads(data_json).get("data", {}),
            version=version,
            expires_at=0 if expires_at is None else expires_at,
            updated_at=updated_at,
        )

    def put_profile(self, profile: ProfileRecord, *, now: int) -> ProfileRecord:
        check_profile(profile)
        with self._lock, _Unavailable("put_profile"):
            conn = self._connection()
            with _transaction(conn):
                version = _upsert_profile(conn, profile, now)
        return ProfileRecord(
            user_id=profile.user_id,
            data=dict(profile.data),
            version=version,
            expires_at=profile.expires_at,
            updated_at=now,
        )

    def delete_profile(self, user_id: str) -> None:
        with self._lock, _Unavailable("delete_profile"):
            self._connection().execute(
                "DELETE FROM items WHERE pk = ? AND sk = 'PROFILE'", (user_pk(user_id),)
            )

    # -- listings (indexed SELECTs) -----------------------------------------------------------

    def _list(
        self, sql: str, params: dict[str, Any], kind: str, cursor_params: list[Any], cursor: str | None
    ) -> Page[SessionRecord]:
        """One indexed SELECT of limit + 1 rows after the cursor's position (newest first)."""
        limit: int = params["limit"]
        position = listing_position(cursor, kind, cursor_params)
        before, before_pk = (_TOP, _PK_TOP) if position is None else (position[0], session_pk(position[1]))
        params.update(before=before, before_pk=before_pk, limit=limit + 1)
        if "end" in params:  # list_by_time: start the index range at the cursor, not at `end`
            params["upper"] = min(params.pop("end"), before + 1)
        with self._lock, _Unavailable("list"):
            rows = self._connection().execute(sql, params).fetchall()
        items = [_record(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = listing_cursor(kind, cursor_params, last.updated_at, last.session_id)
        return Page(items=items, cursor=next_cursor)

    def list_by_user(
        self, user_id: str, *, now: int, limit: int = 15, cursor: str | None = None
    ) -> Page[SessionRecord]:
        cursor_params: list[Any] = [check_user_id(user_id)]
        check_limit("limit", limit, minimum=1)
        return self._list(
            _LIST_BY_USER, {"owner": user_id, "now": now, "limit": limit}, "user", cursor_params, cursor
        )

    def list_by_time(
        self,
        *,
        start: int,
        end: int,
        now: int,
        limit: int = 250,
        cursor: str | None = None,
        has_feedback: bool | None = None,
        has_review: bool | None = None,
    ) -> Page[SessionRecord]:
        cursor_params = time_params(start, end, has_feedback, has_review)
        check_limit("limit", limit, minimum=1)
        params = {
            "start": start,
            "end": end,
            "now": now,
            "limit": limit,
            "has_feedback": None if has_feedback is None else int(has_feedback),
            "has_review": None if has_review is None else int(has_review),
        }
        return self._list(_LIST_BY_TIME, params, "time", cursor_params, cursor)

    # -- upkeep -------------------------------------------------------------------------------

    def backfill_ttl(self, *, now: int, session_ttl: int, profile_ttl: int, dry_run: bool) -> BackfillReport:
        """Give every item with a NULL expires_at (written before expiry existed) one.

        Sessions expire `session_ttl` after their last update, messages after their own time
        (`at_ms`), profiles `profile_ttl` after their last update, items of unknown kind
        `session_ttl` after their last update; never before `now`.
        """
        report = BackfillReport()
        with self._lock, _Unavailable("backfill_ttl"):
            conn = self._connection()
            with _transaction(conn, write=not dry_run):
                report.scanned = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
                rows = conn.execute(
                    "SELECT pk, sk, data, updated_at FROM items WHERE expires_at IS NULL"
                ).fetchall()
                updates: list[tuple[int, str, str]] = []
                for pk, sk, data_json, updated_at in rows:
                    kind = _kind(pk, sk)
                    report.missing[kind] = report.missing.get(kind, 0) + 1
                    ttl = profile_ttl if kind == "profile" else session_ttl
                    updates.append((max(_last_activity(kind, data_json, updated_at) + ttl, now), pk, sk))
                if not dry_run and updates:
                    report.updated = conn.executemany(
                        "UPDATE items SET expires_at = ? WHERE pk = ? AND sk = ? AND expires_at IS NULL",
                        updates,
                    ).rowcount
        return report

    def purge_expired(self, *, now: int) -> int:
        """Delete every item whose expiry has passed; returns how many (SQLite has no TTL)."""
        with self._lock, _Unavailable("purge_expired"):
            return self._connection().execute("DELETE FROM items WHERE expires_at <= ?", (now,)).rowcount


class _transaction:  # noqa: N801 - used like a function: `with _transaction(conn):`
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


def _upsert_profile(conn: sqlite3.Connection, profile: ProfileRecord, now: int) -> int:
    """Write a profile unconditionally (version = stored + 1, or 1); returns the new version."""
    rows = conn.execute(
        _UPSERT_PROFILE,
        {
            "pk": user_pk(profile.user_id),
            "data": _dumps({"data": profile.data}),
            "expires_at": profile.expires_at,
            "now": now,
        },
    ).fetchall()
    return int(rows[0][0])


def _table_columns(conn: sqlite3.Connection) -> set[str]:
    return {row[1] for row in conn.execute("PRAGMA table_info(items)")}


def _prepare_schema(conn: sqlite3.Connection) -> None:
    """Create the schema, or migrate an older one forward, in one write transaction."""
    with _transaction(conn):
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
        for statement in _INDEXES:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
