"""Unexpected backend failures are StoreUnavailable, never a raw sqlite3/botocore/decoding error,
and the message names the operation, never the data.

Before the core: SQLite let IntegrityError, DatabaseError ("file is not a database"),
UnicodeEncodeError and JSON errors through; opening an unusable file raised OperationalError;
DynamoDB let ValidationException and ParamValidationError through, and a malformed item raised
KeyError/ValueError from decoding.
"""

from __future__ import annotations

import os
import sqlite3
from typing import TYPE_CHECKING, Any

import pytest

from bot.store.base import Feedback, ProfileRecord, StoreUnavailable
from bot.store.sqlite import SqliteStore

from .conftest import DAY, LONG_TTL, T0, make_message, make_record, start_session

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from bot.store.dynamodb import DynamoDBStore

SECRET = "do-not-leak-5c1e"
as_root = pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores file modes")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "sessions.sqlite3"


@pytest.fixture
def sqlite_store(path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(path)
    yield store
    store.close()


WRITES: dict[str, Callable[[SqliteStore], object]] = {
    "save": lambda s: s.save(
        make_record(message_count=2), expected_version=1, now=T0 + 1, messages=[make_message("s-1", 1)]
    ),
    "put": lambda s: s.put(make_record("s-2"), expected_version=0, now=T0),
    "delete": lambda s: s.delete("s-1"),
    "set_message_feedback": lambda s: s.set_message_feedback("s-1", 0, Feedback("up"), now=T0),
    "retain": lambda s: s.retain("s-1", until=T0 + 90 * DAY, now=T0),
    "put_profile": lambda s: s.put_profile(ProfileRecord("user-1", {"k": "v"}, expires_at=T0 + 9), now=T0),
    "delete_profile": lambda s: s.delete_profile("user-1"),
    "purge_expired": lambda s: s.purge_expired(now=T0 + 2 * LONG_TTL),
}


def test_sqlite_on_a_read_only_database_is_unavailable_for_writes(sqlite_store: SqliteStore) -> None:
    stored = start_session(sqlite_store, count=1)
    conn = sqlite_store._conn
    assert conn is not None
    conn.execute("PRAGMA query_only = ON")  # as if the file or its directory were read-only

    for operation, write in WRITES.items():
        with pytest.raises(StoreUnavailable) as raised:
            write(sqlite_store)
        message = str(raised.value)
        assert f"SQLite {'save' if operation == 'put' else operation} failed" in message
        assert "readonly" in message
        assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
    assert sqlite_store.load("s-1", now=T0, window=5) == (stored, [make_message("s-1", 0)])  # reads go on


@as_root
def test_sqlite_on_a_read_only_file_is_unavailable(path: Path) -> None:
    first = SqliteStore(path)
    start_session(first, count=1)
    first.close()
    for name in ("", "-wal", "-shm"):
        if os.path.exists(f"{path}{name}"):
            os.chmod(f"{path}{name}", 0o444)

    def write() -> None:  # opening may fail already (WAL needs its -shm file): unavailable too
        store = SqliteStore(path)
        try:
            store.put(make_record("s-2"), expected_version=0, now=T0)
        finally:
            store.close()

    with pytest.raises(StoreUnavailable, match="SQLite"):
        write()


@as_root
def test_sqlite_in_a_read_only_directory_is_unavailable(tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o555)
    with pytest.raises(StoreUnavailable, match="SQLite open failed"):
        SqliteStore(directory / "sessions.sqlite3")


@pytest.mark.parametrize("case", ["path-is-a-directory", "parent-is-a-file", "not-a-database"])
def test_sqlite_that_cannot_open_its_file_is_unavailable(tmp_path: Path, case: str) -> None:
    if case == "path-is-a-directory":
        target = tmp_path
    elif case == "parent-is-a-file":
        (tmp_path / "file").write_text("x")
        target = tmp_path / "file" / "sessions.sqlite3"
    else:
        target = tmp_path / "garbage.sqlite3"
        target.write_bytes(SECRET.encode() * 200)

    with pytest.raises(StoreUnavailable, match="SQLite open failed") as raised:
        SqliteStore(target)
    assert SECRET not in str(raised.value)


def test_sqlite_rows_it_cannot_read_are_unavailable_without_their_content(
    sqlite_store: SqliteStore, path: Path
) -> None:
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute(
            "INSERT INTO items (pk, sk, data, version, expires_at, updated_at, gen)"
            " VALUES (?, 'STATE', ?, 1, ?, ?, ?)",
            ("SESSION#bad-json", f"{{{SECRET}", T0 + DAY, T0, T0),
        )
        raw.execute(
            "INSERT INTO items (pk, sk, data, version, expires_at, updated_at, gen)"
            " VALUES (?, 'STATE', CAST(? AS TEXT), 1, ?, ?, ?)",
            ("SESSION#bad-utf8", b'{"state":{"k":"' + SECRET.encode() + b'\xff"}}', T0 + DAY, T0, T0),
        )
    finally:
        raw.close()

    for session_id in ("bad-json", "bad-utf8"):
        for read in (sqlite_store.get, lambda sid, now: sqlite_store.load(sid, now=now, window=5)):
            with pytest.raises(StoreUnavailable) as raised:
                read(session_id, now=T0)
            assert SECRET not in str(raised.value)
            assert "SQLite" in str(raised.value)


def test_sqlite_errors_of_any_kind_are_unavailable(sqlite_store: SqliteStore, path: Path) -> None:
    start_session(sqlite_store, count=1)
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("CREATE TRIGGER refuse BEFORE UPDATE ON items BEGIN SELECT RAISE(FAIL, 'refused'); END")
    finally:
        raw.close()

    with pytest.raises(StoreUnavailable, match=r"IntegrityError.*refused") as raised:
        sqlite_store.retain("s-1", until=T0 + 90 * DAY, now=T0)
    assert isinstance(raised.value.__cause__, sqlite3.IntegrityError)


# -- DynamoDB: items it cannot decode ---------------------------------------------------------------


@pytest.fixture
def dynamodb_store(moto_table: tuple[Any, str]) -> DynamoDBStore:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    return DynamoDBStore(table, client=client)


@pytest.mark.parametrize(
    "item",
    [
        pytest.param(
            {"version": {"S": SECRET}, "expires_at": {"N": str(T0 + DAY)}}, id="version-not-a-number"
        ),
        pytest.param({"state": {"S": SECRET}, "expires_at": {"N": str(T0 + DAY)}}, id="state-not-a-map"),
        pytest.param({"expires_at": {"S": SECRET}}, id="expiry-not-a-number"),
        pytest.param(
            {"feedback": {"M": {"comment": {"S": SECRET}}}, "expires_at": {"N": str(T0 + DAY)}},
            id="feedback-without-rating",
        ),
    ],
)
def test_dynamodb_items_it_cannot_read_are_unavailable_without_their_content(
    dynamodb_store: DynamoDBStore, item: dict[str, Any]
) -> None:
    dynamodb_store.client.put_item(
        TableName=dynamodb_store.table_name,
        Item={"pk": {"S": "SESSION#s-1"}, "sk": {"S": "STATE"}, **item},
    )

    for read in (
        lambda: dynamodb_store.get("s-1", now=T0),
        lambda: dynamodb_store.load("s-1", now=T0, window=5),
        lambda: dynamodb_store.messages("s-1", now=T0),
    ):
        with pytest.raises(StoreUnavailable, match="DynamoDB") as raised:
            read()
        assert SECRET not in str(raised.value)
