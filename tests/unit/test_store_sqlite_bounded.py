"""The SQLite store bounds itself: automatic purges of expired rows, listings whose index rejects
expired rows before reading them, the `tables purge` command. Explicit clocks only."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

import pytest

from bot.store import sqlite as sqlite_module
from bot.store import sqlite_sql
from bot.store.base import MessageRecord, SessionRecord
from bot.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from pathlib import Path

T0 = 1_800_000_000
DAY = 86_400


def count(path: Path, where: str = "1") -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT COUNT(*) FROM items WHERE {where}").fetchone()[0])
    finally:
        conn.close()


def seed_expired(path: Path, n: int, *, expires_at: int = T0 - 1) -> None:
    """`n` session records that are expired at T0, written with an earlier clock."""
    store = SqliteStore(path, purge_every=0)
    try:
        for i in range(n):
            record = SessionRecord(f"old-{i:04d}", {"k": "v"}, expires_at=expires_at)
            store.save(record, expected_version=0, now=expires_at - DAY)
    finally:
        store.close()


def save_new(store: SqliteStore, session_id: str, *, now: int = T0) -> None:
    message = MessageRecord(session_id, 0, now * 1000, "hi", ["hello"], expires_at=now + DAY)
    record = SessionRecord(session_id, {"k": "v"}, expires_at=now + DAY, message_count=1)
    store.save(record, expected_version=0, now=now, messages=[message])


def test_the_first_save_after_opening_and_every_nth_purge_a_bounded_batch(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    seed_expired(path, 10)
    store = SqliteStore(path, purge_every=3, purge_batch=4)
    try:
        assert count(path) == 10  # opening reads nothing and deletes nothing
        save_new(store, "new-1")  # first save: purges 4
        assert count(path, "pk LIKE 'SESSION#old-%'") == 6
        save_new(store, "new-2")
        save_new(store, "new-3")
        assert count(path, "pk LIKE 'SESSION#old-%'") == 6
        save_new(store, "new-4")  # the 3rd save after the last purge
        assert count(path, "pk LIKE 'SESSION#old-%'") == 2
        assert count(path, "pk LIKE 'SESSION#new-%'") == 8  # live items are never touched
    finally:
        store.close()


def test_an_automatic_purge_uses_the_saves_clock(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    seed_expired(path, 3, expires_at=T0 + 100)
    store = SqliteStore(path, purge_every=1)
    try:
        save_new(store, "s-a", now=T0 + 100)  # expires_at <= now: expired
        assert count(path, "pk LIKE 'SESSION#old-%'") == 0
    finally:
        store.close()
    seed_expired(path, 3, expires_at=T0 + 100)
    store = SqliteStore(path, purge_every=1)
    try:
        save_new(store, "s-b", now=T0 + 99)  # still live at the save's now
        assert count(path, "pk LIKE 'SESSION#old-%'") == 3
    finally:
        store.close()


def test_purge_every_zero_never_purges(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    seed_expired(path, 5)
    store = SqliteStore(path, purge_every=0)
    try:
        for i in range(5):
            save_new(store, f"n-{i}")
        assert count(path, "pk LIKE 'SESSION#old-%'") == 5
        assert store.purge_expired(now=T0) == 5
    finally:
        store.close()


def test_a_failing_automatic_purge_does_not_fail_the_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.db"
    seed_expired(path, 2)
    monkeypatch.setattr(sqlite_module, "PURGE_EXPIRED_BATCH", "DELETE FROM no_such_table")
    store = SqliteStore(path, purge_every=1)
    try:
        save_new(store, "n-1")
        assert store.get("n-1", now=T0) is not None
        assert count(path, "pk LIKE 'SESSION#old-%'") == 2
    finally:
        store.close()


@pytest.mark.parametrize("bad", [-1, True, 1.5, "3"])
def test_bad_purge_settings_are_refused(tmp_path: Path, bad: Any) -> None:
    with pytest.raises(ValueError, match="purge_every"):
        SqliteStore(tmp_path / "s.db", purge_every=bad)
    with pytest.raises(ValueError, match="purge_batch"):
        SqliteStore(tmp_path / "s.db", purge_batch=bad if bad != 1.5 else 0)


# -- the plans: purges and listings on an index; expired rows rejected on the index ----------------


def _plan(conn: sqlite3.Connection, sql: str, params: dict[str, Any]) -> list[str]:
    return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


LIST_PARAMS = {
    "start": 0,
    "upper": T0,
    "now": T0,
    "before": 2**62,
    "before_pk": "SESSION$",
    "limit": 10,
    "has_feedback": None,
    "has_review": None,
    "owner": "u",
}


def test_the_automatic_purge_finds_expired_rows_on_the_expiry_index(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    try:
        plan = _plan(store._connection(), sqlite_sql.PURGE_EXPIRED_BATCH, {"now": T0, "batch": 5})
    finally:
        store.close()
    assert any("USING COVERING INDEX items_expiry (expires_at<?)" in step for step in plan), plan
    assert not any(step.startswith("SCAN") for step in plan), plan


@pytest.mark.parametrize(
    ("sql", "index", "expiry_column"),
    [(sqlite_sql.LIST_BY_TIME, "items_gsi2", 2), (sqlite_sql.LIST_BY_USER, "items_gsi1", 3)],
)
def test_listings_reject_expired_rows_on_the_index_before_reading_the_row(
    tmp_path: Path, sql: str, index: str, expiry_column: int
) -> None:
    """EXPLAIN QUERY PLAN: an index range, no scan, no sort. EXPLAIN (the bytecode): the row is
    sought lazily (DeferredSeek) and the expiry test reads the index entry's expires_at before
    any column of the table row is read, so an expired row costs one index step."""
    store = SqliteStore(tmp_path / "s.db")
    try:
        conn = store._connection()
        plan = _plan(conn, sql, LIST_PARAMS)
        program = [tuple(row[1:6]) for row in conn.execute("EXPLAIN " + sql, LIST_PARAMS)]
    finally:
        store.close()
    assert any(f"USING INDEX {index}" in step for step in plan), plan
    assert not any(step.startswith("SCAN") or "TEMP B-TREE" in step for step in plan), plan

    opened = [(p1, str(p4)) for op, p1, _, _, p4 in program if op == "OpenRead"]
    index_cursor = next(cursor for cursor, info in opened if info.startswith("k("))  # a KeyInfo: an index
    table_cursor = next(cursor for cursor, info in opened if not info.startswith("k("))
    ops = [(op, p1, p2) for op, p1, p2, _, _ in program]
    assert ("DeferredSeek", index_cursor) in [(op, p1) for op, p1, _ in ops]
    first_expiry_test = ops.index(("Column", index_cursor, expiry_column))
    first_row_read = next(i for i, (op, p1, _) in enumerate(ops) if op == "Column" and p1 == table_cursor)
    assert first_expiry_test < first_row_read


def test_listing_results_are_the_same_with_expired_rows_present_or_purged(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SqliteStore(path, purge_every=0)
    try:
        for i in range(30):
            expires = T0 + 10 if i % 3 else T0 - 10  # a third expired at T0
            record = SessionRecord(f"s-{i:02d}", {}, expires_at=expires, owner="u")
            store.save(record, expected_version=0, now=T0 - 1000 + i)
        before_time = store.list_by_time(start=T0 - 2000, end=T0, now=T0, limit=7)
        before_user = store.list_by_user("u", now=T0, limit=7)
        assert store.purge_expired(now=T0) == 10
        assert store.list_by_time(start=T0 - 2000, end=T0, now=T0, limit=7) == before_time
        assert store.list_by_user("u", now=T0, limit=7) == before_user
        assert [r.session_id for r in before_time.items][:3] == ["s-29", "s-28", "s-26"]
    finally:
        store.close()


# -- migration from schema 2 -------------------------------------------------------------------------

V2_INDEXES = (
    "CREATE INDEX items_gsi1 ON items (owner, updated_at, pk) WHERE sk = 'STATE' AND owner IS NOT NULL",
    "CREATE INDEX items_gsi2 ON items (updated_at, pk) WHERE sk = 'STATE'",
)


def test_a_schema_2_file_gets_the_new_indexes_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SqliteStore(path, purge_every=0)
    store.save(SessionRecord("kept", {"a": "b"}, expires_at=T0 + DAY, owner="u"), expected_version=0, now=T0)
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP INDEX items_gsi1")
    conn.execute("DROP INDEX items_gsi2")
    conn.execute("DROP INDEX items_expiry")
    for statement in V2_INDEXES:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.close()

    store = SqliteStore(path)
    try:
        assert [r.session_id for r in store.list_by_user("u", now=T0).items] == ["kept"]
    finally:
        store.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        names = ("items_gsi1", "items_gsi2", "items_expiry")
        columns = {name: [row[2] for row in conn.execute(f"PRAGMA index_info({name})")] for name in names}
    finally:
        conn.close()
    assert columns == {
        "items_gsi1": ["owner", "updated_at", "pk", "expires_at"],
        "items_gsi2": ["updated_at", "pk", "expires_at"],
        "items_expiry": ["expires_at"],
    }
