"""The store factory and the import cost of `bot.store`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import STORE_KINDS, make_store

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_memory() -> None:
    from bot.store.memory import MemoryStore

    assert isinstance(make_store("memory"), MemoryStore)


def test_sqlite_creates_missing_parent_dirs(tmp_path: Path) -> None:
    from bot.store.sqlite import SqliteStore

    path = tmp_path / "a" / "b" / "sessions.db"
    store = make_store("sqlite", sqlite_path=str(path))
    assert isinstance(store, SqliteStore)
    store.close()
    assert path.exists()


def test_sqlite_in_memory() -> None:
    from bot.store import SessionRecord
    from bot.store.sqlite import SqliteStore

    store = SqliteStore(":memory:")
    store.put(SessionRecord("s-1", state={"a": "b"}, expires_at=20), expected_version=0, now=10)
    assert store.purge_expired(now=19) == 0
    assert store.purge_expired(now=20) == 1
    assert store.get("s-1", now=10) is None


def test_dynamodb(aws_env: None, moto_endpoint: str, server_table: str) -> None:
    from bot.store import SessionRecord
    from bot.store.dynamodb import DynamoDBStore

    store = make_store("dynamodb", table_name=server_table, endpoint_url=moto_endpoint, region="us-east-1")
    assert isinstance(store, DynamoDBStore)
    stored = store.put(SessionRecord("s-1", state={"a": "b"}, expires_at=20), expected_version=0, now=10)
    assert store.get("s-1", now=10) == stored


def test_dynamodb_requires_a_table_name() -> None:
    with pytest.raises(ValueError, match="SESSION_TABLE is required"):
        make_store("dynamodb")


@pytest.mark.parametrize("kind", ["redis", "", "dynamo"])
def test_unknown_kind_lists_the_valid_ones(kind: str) -> None:
    with pytest.raises(ValueError, match="unknown session store kind") as raised:
        make_store(kind)
    for valid in STORE_KINDS:
        assert valid in str(raised.value)


def test_kind_is_case_and_space_insensitive() -> None:
    from bot.store.memory import MemoryStore

    assert isinstance(make_store(" Memory "), MemoryStore)


def test_importing_bot_store_loads_no_backend() -> None:
    code = (
        "import sys, bot.store\n"
        "heavy = [m for m in ('boto3', 'botocore', 'sqlite3', 'bot.store.dynamodb', 'bot.store.sqlite')"
        " if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=30)


def test_sqlite_locked_past_the_busy_timeout_is_unavailable(tmp_path: Path) -> None:
    import sqlite3

    from bot.store import SessionRecord, StoreUnavailable
    from bot.store.sqlite import SqliteStore

    path = tmp_path / "s.db"
    store = SqliteStore(path, busy_timeout_ms=50)
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # holds the write lock
        with pytest.raises(StoreUnavailable, match="locked"):
            store.put(SessionRecord("s-1", state={}, expires_at=20), expected_version=0, now=10)
        assert store.get("s-1", now=10) is None  # WAL: readers are not blocked by the writer
        blocker.execute("ROLLBACK")
        assert (
            store.put(SessionRecord("s-1", state={}, expires_at=20), expected_version=0, now=10).version == 1
        )
    finally:
        blocker.close()
        store.close()


def test_sqlite_closed_store_refuses_use(tmp_path: Path) -> None:
    from bot.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "s.db")
    store.close()
    store.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        store.get("s-1", now=0)


def test_the_backends_implement_the_interface_split_by_use(tmp_path: Path) -> None:
    """Checked by mypy (strict): each backend is every protocol it claims to be."""
    from bot.store.base import AdminStore, PurgingStore, SessionStore, TurnStore, UpkeepStore
    from bot.store.dynamodb import DynamoDBStore
    from bot.store.memory import MemoryStore
    from bot.store.sqlite import SqliteStore

    sqlite = SqliteStore(tmp_path / "s.db")
    try:
        purging: list[PurgingStore] = [MemoryStore(), sqlite]
        whole: list[SessionStore] = [MemoryStore(), sqlite, DynamoDBStore("t", client=object())]
        turn: list[TurnStore] = list(whole)
        admin: list[AdminStore] = list(whole)
        upkeep: list[UpkeepStore] = [*whole, *purging]
        assert len(turn) == len(admin) == len(upkeep) - 2 == 3
    finally:
        sqlite.close()
