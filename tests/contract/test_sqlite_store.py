"""SQLite-specific behaviour: schema and migration, indexed query plans, transactions, several
stores and processes on one file, purge and TTL backfill of legacy rows."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.store.base import Feedback, ProfileRecord, SessionRecord, StoreUnavailable, VersionConflict
from bot.store.layout import copy_record
from bot.store.sqlite import SCHEMA_VERSION, SqliteStore

from .conftest import DAY, LONG_TTL, T0, make_message, make_record, start_session

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

REPO_ROOT = Path(__file__).resolve().parents[2]

# -- the schema before history (git show 729aa2f:bot/store/sqlite.py), copied verbatim ---------------

OLD_SCHEMA = """
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

OLD_INSERT_OR_REPLACE_EXPIRED = """
INSERT INTO items (pk, sk, data, version, expires_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)
ON CONFLICT (pk, sk) DO UPDATE SET
    data = excluded.data, version = excluded.version,
    expires_at = excluded.expires_at, updated_at = excluded.updated_at
WHERE items.expires_at <= ?
"""

OLD_UPDATE_IF_VERSION = """
UPDATE items SET data = ?, version = ?, expires_at = ?, updated_at = ?
WHERE pk = ? AND sk = ? AND version = ? AND expires_at > ?
"""


def old_data(state: dict[str, str], owner: str | None, extra: dict[str, str]) -> str:
    """The old `data` column, encoded exactly as the old `put` did."""
    return json.dumps(
        {"state": state, "owner": owner, "extra": extra}, ensure_ascii=False, separators=(",", ":")
    )


def old_put(conn: sqlite3.Connection, session_id: str, now: int, expires_at: int, **body: Any) -> None:
    data = old_data(body.get("state", {}), body.get("owner"), body.get("extra", {}))
    conn.execute(
        OLD_INSERT_OR_REPLACE_EXPIRED, (f"SESSION#{session_id}", "STATE", data, expires_at, now, now)
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "sessions.sqlite3"


@pytest.fixture
def store(path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(path)
    yield opened
    opened.close()


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def rows(path: Path) -> list[tuple[Any, ...]]:
    conn = raw(path)
    try:
        return conn.execute("SELECT * FROM items ORDER BY pk, sk").fetchall()
    finally:
        conn.close()


# -- schema ----------------------------------------------------------------------------------------


def test_a_new_file_gets_the_current_schema(store: SqliteStore, path: Path) -> None:
    conn = raw(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"items_gsi1", "items_gsi2", "items_expiry"} <= indexes
        not_null = {row[1]: row[3] for row in conn.execute("PRAGMA table_info(items)")}
        assert not_null["expires_at"] == 0  # NULL = a legacy item without expiry
    finally:
        conn.close()


def test_a_newer_schema_is_refused(path: Path) -> None:
    SqliteStore(path).close()
    conn = raw(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()

    with pytest.raises(RuntimeError, match="schema version 99"):
        SqliteStore(path)


def _old_database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = raw(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(OLD_SCHEMA)
        old_put(conn, "owned", T0, T0 + DAY, state={"step": "confirm", "名前": "山田"}, owner="user-7")
        conn.execute(  # a second write: version 2
            OLD_UPDATE_IF_VERSION,
            (
                old_data({"step": "done"}, "user-7", {"channel": "voice"}),
                2,
                T0 + DAY,
                T0 + 5,
                "SESSION#owned",
                "STATE",
                1,
                T0 + 5,
            ),
        )
        old_put(conn, "anonymous", T0 + 1, T0 + DAY, state={"a": "b"}, owner=None, extra={})
        old_put(conn, "expired", T0 - 2 * DAY, T0 - DAY, state={"old": "yes"}, owner="user-7")
    finally:
        conn.close()


def test_the_previous_schema_is_migrated_forward_keeping_every_session(path: Path) -> None:
    _old_database(path)
    before = rows(path)

    store = SqliteStore(path)
    try:
        assert store.get("owned", now=T0 + 10) == SessionRecord(
            session_id="owned",
            state={"step": "done"},
            version=2,
            expires_at=T0 + DAY,
            updated_at=T0 + 5,
            owner="user-7",
            extra={"channel": "voice"},
        )
        assert store.get("anonymous", now=T0 + 10) == SessionRecord(
            "anonymous", state={"a": "b"}, version=1, expires_at=T0 + DAY, updated_at=T0 + 1
        )
        assert store.get("expired", now=T0 + 10) is None
        assert len(rows(path)) == len(before) == 3  # the expired row is kept (purge removes it)

        # The owner moved into its indexed column: the migrated session is listed.
        assert [r.session_id for r in store.list_by_user("user-7", now=T0 + 10).items] == ["owned"]
        assert [r.session_id for r in store.list_by_time(start=T0, end=T0 + 10, now=T0 + 10).items] == [
            "owned",
            "anonymous",
        ]

        # A migrated session carries on with history; the expired one can be replaced.
        record, window = store.load("owned", now=T0 + 20, window=5)
        assert record is not None
        assert window == []
        saved = store.save(
            copy_record(record, message_count=1),
            expected_version=2,
            now=T0 + 20,
            messages=[make_message("owned", 0, expires_at=T0 + DAY)],
        )
        assert saved.version == 3
        assert store.load("owned", now=T0 + 21, window=5) == (
            saved,
            [make_message("owned", 0, expires_at=T0 + DAY)],
        )
        assert store.put(make_record("expired"), expected_version=0, now=T0 + 30).version == 1
        assert store.purge_expired(now=T0 + 40) == 0
    finally:
        store.close()

    conn = raw(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert {name for (name,) in conn.execute("SELECT name FROM sqlite_master")} >= {
            "items",
            "items_gsi1",
            "items_gsi2",
        }
        assert "items_v1" not in {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()

    reopened = SqliteStore(path)  # opening a current file changes nothing
    try:
        assert reopened.get("owned", now=T0 + 21) == saved
    finally:
        reopened.close()


def test_a_failed_migration_leaves_the_old_file_untouched(path: Path) -> None:
    _old_database(path)
    conn = raw(path)
    conn.execute("INSERT INTO items VALUES ('SESSION#broken', 'STATE', 'not json', 1, ?, ?)", (T0 + DAY, T0))
    conn.close()
    before = rows(path)

    with pytest.raises(StoreUnavailable, match="malformed JSON") as raised:
        SqliteStore(path)
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)

    assert rows(path) == before
    conn = raw(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    finally:
        conn.close()


def test_migration_and_first_use_race_safely_across_stores(path: Path) -> None:
    _old_database(path)
    errors: list[BaseException] = []
    opened: list[SqliteStore] = []
    barrier = threading.Barrier(4)

    def open_store() -> None:
        try:
            barrier.wait()
            opened.append(SqliteStore(path))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    try:
        assert errors == []
        assert all(s.get("owned", now=T0 + 10) is not None for s in opened)
        assert len(rows(path)) == 3
    finally:
        for s in opened:
            s.close()


# -- query plans: indexed, never a table scan --------------------------------------------------------


def _populate(store: SqliteStore) -> None:
    for n in range(30):
        start_session(
            store,
            f"s-{n:02d}",
            now=T0 + n,
            count=3,
            owner=f"user-{n % 3}",
            has_feedback=n % 2 == 0,
        )
    store.put_profile(ProfileRecord("user-1", {"k": "v"}, expires_at=T0 + LONG_TTL), now=T0)


def _traced(store: SqliteStore, action: Callable[[], object]) -> list[str]:
    """The statements `action` ran on the store's connection, with their parameters filled in."""
    statements: list[str] = []
    conn = store._conn
    assert conn is not None
    conn.set_trace_callback(statements.append)
    try:
        action()
    finally:
        conn.set_trace_callback(None)
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def _plan(path: Path, sql: str) -> list[str]:
    conn = raw(path)
    try:
        return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    finally:
        conn.close()


def _second_page(store: SqliteStore, **query: Any) -> None:
    if "user_id" in query:
        first = store.list_by_user(query["user_id"], now=T0 + 100, limit=2)
        store.list_by_user(query["user_id"], now=T0 + 100, limit=2, cursor=first.cursor)
    else:
        first = store.list_by_time(now=T0 + 100, limit=2, **query)
        store.list_by_time(now=T0 + 100, limit=2, cursor=first.cursor, **query)
    assert first.cursor is not None


PLANS: dict[str, tuple[Callable[[SqliteStore], object], str]] = {
    "load": (lambda s: s.load("s-07", now=T0 + 100, window=2), "sqlite_autoindex_items_1"),
    "get": (lambda s: s.get("s-07", now=T0 + 100), "sqlite_autoindex_items_1"),
    "messages": (lambda s: s.messages("s-07", now=T0 + 100, after=0, limit=2), "sqlite_autoindex_items_1"),
    "list_by_user": (lambda s: _second_page(s, user_id="user-1"), "items_gsi1"),
    "list_by_time": (lambda s: _second_page(s, start=T0 + 3, end=T0 + 20), "items_gsi2"),
    "list_by_time-filters": (
        lambda s: _second_page(s, start=T0, end=T0 + 30, has_feedback=True, has_review=False),
        "items_gsi2",
    ),
    "get_profile": (lambda s: s.get_profile("user-1", now=T0), "sqlite_autoindex_items_1"),
}


@pytest.mark.parametrize("operation", list(PLANS))
def test_reads_use_an_index_never_a_table_scan(store: SqliteStore, path: Path, operation: str) -> None:
    _populate(store)
    action, index = PLANS[operation]

    statements = _traced(store, lambda: action(store))

    assert statements
    for sql in statements:
        plan = _plan(path, sql)
        assert any(f"USING INDEX {index}" in step for step in plan), plan
        for step in plan:
            assert not step.startswith("SCAN") or "subquery" in step, plan  # a table scan
            assert "TEMP B-TREE" not in step, plan  # sorted by the index, not afterwards


def test_a_time_listing_page_starts_its_index_range_at_the_cursor(store: SqliteStore, path: Path) -> None:
    _populate(store)
    statements = _traced(store, lambda: _second_page(store, start=T0, end=T0 + 30))

    # The second page's range ends at the cursor's second (T0 + 28), not at `end` (T0 + 30).
    assert f"updated_at < {T0 + 29}" in statements[-1]
    assert [r.session_id for r in store.list_by_time(start=T0, end=T0 + 30, now=T0 + 100, limit=4).items] == [
        "s-29",
        "s-28",
        "s-27",
        "s-26",
    ]


# -- transactions: all or nothing ----------------------------------------------------------------------


def test_a_colliding_message_conflicts_and_nothing_is_written(store: SqliteStore, path: Path) -> None:
    stored = start_session(store, count=2)
    before = rows(path)

    with pytest.raises(VersionConflict):
        store.save(
            copy_record(stored, message_count=4, state={"step": "lost"}),
            expected_version=1,
            now=T0 + 5,
            messages=[make_message("s-1", 2), make_message("s-1", 1, user="collides")],
            profile=ProfileRecord("user-1", {"k": "v"}, expires_at=T0 + LONG_TTL),
        )

    assert rows(path) == before
    assert store.load("s-1", now=T0 + 6, window=10) == (stored, [make_message("s-1", i) for i in range(2)])
    assert store.get_profile("user-1", now=T0 + 6) is None


def test_a_failure_after_the_record_was_written_rolls_everything_back(store: SqliteStore, path: Path) -> None:
    stored = start_session(store, count=1)
    conn = raw(path)
    # Any statement that inserts into items now fails when prepared ("no such table"): the record
    # UPDATE has run by the time the message INSERT fails.
    conn.execute("CREATE TRIGGER boom BEFORE INSERT ON items BEGIN SELECT * FROM missing_table; END")
    before = rows(path)
    turn = copy_record(stored, message_count=2, state={"step": "lost"})

    with pytest.raises(StoreUnavailable, match="no such table"):
        store.save(turn, expected_version=1, now=T0 + 5, messages=[make_message("s-1", 1)])

    assert rows(path) == before
    conn.execute("DROP TRIGGER boom")
    conn.close()
    # The connection is usable again (no transaction left open) and the same save now lands.
    assert store.save(turn, expected_version=1, now=T0 + 5, messages=[make_message("s-1", 1)]).version == 2
    assert [m.index for m in store.messages("s-1", now=T0 + 6)] == [0, 1]


def test_a_refused_profile_write_rolls_back_the_record_and_messages(store: SqliteStore, path: Path) -> None:
    stored = start_session(store, count=1)
    conn = raw(path)
    conn.execute(
        "CREATE TRIGGER no_profiles BEFORE INSERT ON items WHEN NEW.sk = 'PROFILE'"
        " BEGIN SELECT RAISE(ABORT, 'profile refused'); END"
    )
    conn.close()
    before = rows(path)

    with pytest.raises(StoreUnavailable, match="profile refused") as raised:
        store.save(
            copy_record(stored, message_count=2),
            expected_version=1,
            now=T0 + 5,
            messages=[make_message("s-1", 1)],
            profile=ProfileRecord("user-1", {"k": "v"}, expires_at=T0 + LONG_TTL),
        )

    assert isinstance(raised.value.__cause__, sqlite3.IntegrityError)  # any sqlite3 error: unavailable
    assert rows(path) == before
    assert store.get("s-1", now=T0 + 6) == stored


def test_a_save_blocked_past_the_busy_timeout_is_unavailable_and_writes_nothing(path: Path) -> None:
    store = SqliteStore(path, busy_timeout_ms=50)
    blocker = raw(path)
    try:
        stored = start_session(store, count=1)
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreUnavailable, match="locked"):
            store.save(
                copy_record(stored, message_count=2),
                expected_version=1,
                now=T0 + 1,
                messages=[make_message("s-1", 1)],
            )
        assert store.load("s-1", now=T0 + 1, window=5)[0] == stored  # WAL: reads go on
        blocker.execute("ROLLBACK")
        assert store.messages("s-1", now=T0 + 1) == [make_message("s-1", 0)]
    finally:
        blocker.close()
        store.close()


# -- several stores and processes on one file ------------------------------------------------------------

SESSION = "shared"


def record_turns(store: SqliteStore, worker: str, turns: int) -> int:
    """`turns` turns: load, then save one more message (message_count + 1); retry on conflict."""
    conflicts = 0
    for turn in range(turns):
        while True:
            record, _ = store.load(SESSION, now=T0 + 1, window=3)
            assert record is not None
            message = make_message(SESSION, record.message_count, user=f"{worker}/{turn}")
            try:
                store.save(
                    copy_record(record, message_count=record.message_count + 1),
                    expected_version=record.version,
                    now=T0 + 1,
                    messages=[message],
                )
            except VersionConflict:
                conflicts += 1
                continue
            break
    return conflicts


def assert_every_turn_recorded(store: SqliteStore, workers: list[str], turns: int) -> None:
    total = len(workers) * turns
    record = store.get(SESSION, now=T0 + 2)
    assert record is not None
    assert (record.message_count, record.version) == (total, total + 1)
    messages = store.messages(SESSION, now=T0 + 2, limit=total + 10)
    assert [m.index for m in messages] == list(range(total))
    assert sorted(m.user for m in messages) == sorted(f"{w}/{t}" for w in workers for t in range(turns))


def test_two_stores_on_one_file_never_lose_a_turn(path: Path) -> None:
    stores = [SqliteStore(path), SqliteStore(path)]
    start_session(stores[0], SESSION)
    workers = [f"w{n}" for n in range(6)]
    turns = 15
    barrier = threading.Barrier(len(workers))
    conflicts: list[int] = []
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            conflicts.append(record_turns(stores[n % 2], workers[n], turns))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(workers))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert sum(conflicts) > 0  # the writers really did race
        assert_every_turn_recorded(stores[1], workers, turns)
    finally:
        for s in stores:
            s.close()


_PROCESS_WORKER = textwrap.dedent(
    """
    import sys
    from bot.store.sqlite import SqliteStore
    from tests.contract.test_sqlite_store import record_turns
    store = SqliteStore(sys.argv[1])
    sys.stdin.readline()  # start together
    record_turns(store, sys.argv[2], int(sys.argv[3]))
    store.close()
    """
)


def test_processes_on_one_file_never_lose_a_turn(path: Path) -> None:
    first = SqliteStore(path)
    start_session(first, SESSION)
    first.close()
    workers, turns = ["p0", "p1", "p2"], 12
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _PROCESS_WORKER, str(path), worker, str(turns)],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in workers
    ]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 0, stderr

    store = SqliteStore(path)
    try:
        assert_every_turn_recorded(store, workers, turns)
    finally:
        store.close()


# -- upkeep: purge and backfill ----------------------------------------------------------------------------


def test_purge_expired_deletes_expired_items_of_every_kind(store: SqliteStore, path: Path) -> None:
    start_session(store, "gone", count=2, expires_at=T0 + 100)  # 3 items, all expiring at T0 + 100
    live = start_session(store, "live", count=1)
    store.save(  # a live session with one short-lived message
        copy_record(live, message_count=2),
        expected_version=1,
        now=T0 + 1,
        messages=[make_message("live", 1, expires_at=T0 + 50)],
    )
    store.put_profile(ProfileRecord("old-user", {"k": "v"}, expires_at=T0 + 10), now=T0)
    store.put_profile(ProfileRecord("user-1", {"k": "v"}, expires_at=T0 + LONG_TTL), now=T0)
    conn = raw(path)
    conn.execute("INSERT INTO items (pk, sk, data) VALUES ('SESSION#legacy', 'STATE', '{}')")  # no expiry
    conn.close()

    assert store.purge_expired(now=T0 + 99) == 2  # the short-lived message and the old profile
    assert store.purge_expired(now=T0 + 100) == 3  # the expired session and its messages
    assert store.purge_expired(now=T0 + 100) == 0

    assert {(pk, sk) for pk, sk, *_ in rows(path)} == {
        ("SESSION#live", "STATE"),
        ("SESSION#live", "MSG#0000000000"),
        ("SESSION#legacy", "STATE"),
        ("USER#user-1", "PROFILE"),
    }
    assert [m.index for m in store.messages("live", now=T0 + 100)] == [0]


def _legacy_rows(path: Path) -> None:
    """Items written before expiry existed: NULL expires_at."""
    conn = raw(path)
    body = json.dumps({"state": {"step": "legacy"}, "extra": {}, "message_count": 2})
    conn.execute(
        "INSERT INTO items (pk, sk, data, version, updated_at, owner, gen)"
        " VALUES (?, 'STATE', ?, 3, ?, ?, ?)",
        ("SESSION#legacy", body, T0 - 10 * DAY, "user-9", T0 - 40 * DAY),
    )
    for index, at in ((0, T0 - 40 * DAY), (1, T0 - 2 * 3600)):
        message = json.dumps({"at_ms": at * 1000, "user": f"u{index}", "bot": [f"b{index}"]})
        conn.execute(
            "INSERT INTO items (pk, sk, data, updated_at, gen) VALUES ('SESSION#legacy', ?, ?, ?, ?)",
            (f"MSG#{index:010d}", message, at, T0 - 40 * DAY),
        )
    conn.execute(
        "INSERT INTO items (pk, sk, data, version, updated_at) VALUES ('USER#user-9', 'PROFILE', ?, 1, ?)",
        (json.dumps({"data": {"locale": "en-GB"}}), T0 - DAY),
    )
    conn.execute("INSERT INTO items (pk, sk, data, updated_at) VALUES ('META#x', 'ANYTHING', '{}', 5)")
    conn.close()


def _expiries(path: Path) -> dict[tuple[str, str], int | None]:
    return {(pk, sk): expires_at for pk, sk, _, _, expires_at, *_ in rows(path)}


def test_legacy_items_without_expiry_are_live_and_writable(store: SqliteStore, path: Path) -> None:
    _legacy_rows(path)

    record, window = store.load("legacy", now=T0, window=5)
    assert record is not None
    assert (record.version, record.expires_at, record.owner, record.created_at) == (
        3,
        0,
        "user-9",
        T0 - 40 * DAY,
    )
    assert [m.user for m in window] == ["u0", "u1"]
    assert store.get_profile("user-9", now=T0) == ProfileRecord(
        "user-9", {"locale": "en-GB"}, version=1, expires_at=0, updated_at=T0 - DAY
    )
    assert [r.session_id for r in store.list_by_user("user-9", now=T0).items] == ["legacy"]

    with pytest.raises(VersionConflict):  # live, so not replaceable as new
        store.put(make_record("legacy"), expected_version=0, now=T0)
    with pytest.raises(VersionConflict):  # its messages are live too
        store.save(record, expected_version=3, now=T0, messages=[make_message("legacy", 1)])
    assert store.set_message_feedback("legacy", 0, Feedback("up"), now=T0)
    saved = store.save(
        copy_record(store.get("legacy", now=T0) or record, expires_at=T0 + DAY, message_count=3),
        expected_version=4,
        now=T0,
        messages=[make_message("legacy", 2)],
    )
    assert saved.version == 5
    assert [m.index for m in store.messages("legacy", now=T0)] == [0, 1, 2]


def test_backfill_gives_legacy_items_an_expiry(store: SqliteStore, path: Path) -> None:
    start_session(store, "current", count=1)  # 2 items with an expiry: not touched
    _legacy_rows(path)
    before = _expiries(path)
    now = T0
    session_ttl, profile_ttl = 30 * DAY, 90 * DAY

    dry = store.backfill_ttl(now=now, session_ttl=session_ttl, profile_ttl=profile_ttl, dry_run=True)

    assert (dry.scanned, dry.missing, dry.updated) == (
        7,
        {"session": 1, "message": 2, "profile": 1, "other": 1},
        0,
    )
    assert _expiries(path) == before

    real = store.backfill_ttl(now=now, session_ttl=session_ttl, profile_ttl=profile_ttl, dry_run=False)

    assert (real.scanned, real.missing, real.updated) == (7, dry.missing, 4)
    assert _expiries(path) == {
        **before,
        ("SESSION#legacy", "STATE"): T0 - 10 * DAY + session_ttl,  # last activity + session TTL
        ("SESSION#legacy", "MSG#0000000000"): now,  # its own time + TTL is already past: now
        ("SESSION#legacy", "MSG#0000000001"): T0 - 2 * 3600 + session_ttl,
        ("USER#user-9", "PROFILE"): T0 - DAY + profile_ttl,  # last update + profile TTL
    }  # an item of unknown kind ("META#x") is counted and left alone, as on DynamoDB
    again = store.backfill_ttl(now=now, session_ttl=session_ttl, profile_ttl=profile_ttl, dry_run=False)
    assert (again.scanned, again.missing, again.updated) == (7, {"other": 1}, 0)

    # Now they expire like everything else.
    assert store.get("legacy", now=T0 + 19 * DAY) is not None
    assert store.get("legacy", now=T0 + 20 * DAY) is None
    assert store.purge_expired(now=T0 + 1) == 1  # message 0 expired at `now`


def test_the_in_memory_database_works(tmp_path: Path) -> None:
    store = SqliteStore(":memory:")
    try:
        stored = start_session(store, count=2)
        assert store.load("s-1", now=T0, window=1) == (stored, [make_message("s-1", 1)])
        assert store.delete("s-1") == 3
    finally:
        store.close()
