"""No lost updates: concurrent read-modify-write increments with retry on VersionConflict."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.store import SessionRecord, VersionConflict

from .conftest import new_client

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.store import SessionStore

THREADS = 8
INCREMENTS = 25
# moto answers one request at a time (~3-4 ms each); 8 racing writers x 25 increments cost ~1,800
# requests (~7 s). 12 increments keep the same 8-way contention at half the price.
MOTO_INCREMENTS = 12
NOW = 1_700_000_000
SESSION = "counter"
REPO_ROOT = Path(__file__).resolve().parents[2]


def increment(store: SessionStore, times: int) -> int:
    """Add 1 to state["count"] `times` times; returns how many conflicts were retried."""
    conflicts = 0
    for _ in range(times):
        while True:
            current = store.get(SESSION, now=NOW)
            version = current.version if current else 0
            count = int(current.state["count"]) if current else 0
            try:
                store.put(
                    SessionRecord(SESSION, state={"count": str(count + 1)}, expires_at=NOW + 3600),
                    expected_version=version,
                    now=NOW,
                )
            except VersionConflict:
                conflicts += 1
                continue
            break
    return conflicts


def run_threads(stores: list[SessionStore], increments: int = INCREMENTS) -> int:
    barrier = threading.Barrier(len(stores))
    conflicts: list[int] = []
    errors: list[BaseException] = []

    def worker(store: SessionStore) -> None:
        try:
            barrier.wait()
            conflicts.append(increment(store, increments))
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return sum(conflicts)


def assert_total(store: SessionStore, total: int) -> None:
    final = store.get(SESSION, now=NOW)
    assert final is not None
    assert final.state["count"] == str(total)
    assert final.version == total  # every successful put bumped the version exactly once


def test_sqlite_one_shared_store_many_threads(tmp_path: Path) -> None:
    from bot.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "s.db")
    try:
        run_threads([store] * THREADS)
        assert_total(store, THREADS * INCREMENTS)
    finally:
        store.close()


def test_sqlite_a_connection_per_thread(tmp_path: Path) -> None:
    from bot.store.sqlite import SqliteStore

    stores = [SqliteStore(tmp_path / "s.db") for _ in range(THREADS)]
    try:
        conflicts = run_threads(list(stores))
        assert_total(stores[0], THREADS * INCREMENTS)
        assert conflicts > 0  # the writers really did race
    finally:
        for store in stores:
            store.close()


_PROCESS_WORKER = textwrap.dedent(
    """
    import sys
    from bot.store.sqlite import SqliteStore
    from tests.contract.test_store_concurrency import increment
    store = SqliteStore(sys.argv[1])
    sys.stdin.readline()  # start together
    increment(store, int(sys.argv[2]))
    store.close()
    """
)


def test_sqlite_across_processes(tmp_path: Path) -> None:
    from bot.store.sqlite import SqliteStore

    path = tmp_path / "shared" / "s.db"
    processes = 4
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _PROCESS_WORKER, str(path), str(INCREMENTS)],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
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
        assert_total(store, processes * INCREMENTS)
    finally:
        store.close()


@pytest.mark.slow  # ~3 s: ~900 HTTP requests to moto, which serves them one at a time
def test_dynamodb_on_moto_server_a_client_per_thread(moto_endpoint: str, server_table: str) -> None:
    from bot.store.dynamodb import DynamoDBStore

    # Clients are built here (building them concurrently from one session is not thread-safe);
    # each thread then owns its client and its HTTP connection pool.
    stores: list[SessionStore] = [
        DynamoDBStore(server_table, client=new_client(moto_endpoint)) for _ in range(THREADS)
    ]
    conflicts = run_threads(stores, MOTO_INCREMENTS)

    assert_total(stores[0], THREADS * MOTO_INCREMENTS)
    assert conflicts > 0


@pytest.mark.parametrize("kind", ["memory"])
def test_memory_store_threads(kind: str) -> None:
    from bot.store import make_store

    store = make_store(kind)
    run_threads([store] * THREADS)
    assert_total(store, THREADS * INCREMENTS)


# -- history: concurrent turns each append one message --------------------------------------------

HISTORY_SESSION = "history"
# (threads, turns per thread) per backend: moto serves one request at a time (~3-4 ms each)
HISTORY_LOAD = {"memory": (8, 10), "sqlite": (8, 10), "dynamodb-server": (4, 6)}


def append_turns(store: SessionStore, worker: int, turns: int) -> int:
    """`turns` turns: load, then save the record with one new message at index message_count.

    Retries on VersionConflict; returns how many conflicts were retried.
    """
    from bot.store.base import MessageRecord
    from bot.store.layout import copy_record

    conflicts = 0
    for turn in range(turns):
        while True:
            current, _ = store.load(HISTORY_SESSION, now=NOW, window=2)
            if current is None:
                current = SessionRecord(HISTORY_SESSION, state={}, expires_at=NOW + 3600)
            count = current.message_count
            message = MessageRecord(
                HISTORY_SESSION,
                index=count,
                at_ms=NOW * 1000 + count,
                user=f"w{worker}-t{turn}",
                bot=[f"reply to w{worker}-t{turn}"],
                expires_at=NOW + 3600,
            )
            try:
                store.save(
                    copy_record(current, state={"last": f"w{worker}-t{turn}"}, message_count=count + 1),
                    expected_version=current.version,
                    now=NOW,
                    messages=[message],
                )
            except VersionConflict:
                conflicts += 1
                continue
            break
    return conflicts


@pytest.mark.parametrize("store_factory", list(HISTORY_LOAD), indirect=True)
def test_concurrent_turns_append_every_message_exactly_once(
    request: pytest.FixtureRequest, store_factory: Callable[[], SessionStore]
) -> None:
    threads, turns = HISTORY_LOAD[request.node.callspec.params["store_factory"]]
    # Stores (and their clients) are built here, in the main thread; each worker owns one.
    stores = [store_factory() for _ in range(threads)]
    barrier = threading.Barrier(threads)
    conflicts: list[int] = []
    errors: list[BaseException] = []

    def worker(number: int, store: SessionStore) -> None:
        try:
            barrier.wait()
            conflicts.append(append_turns(store, number, turns))
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)

    workers = [threading.Thread(target=worker, args=(n, s)) for n, s in enumerate(stores)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in workers)
    assert errors == []

    total = threads * turns
    record, window = stores[0].load(HISTORY_SESSION, now=NOW, window=total + 5)
    assert record is not None
    assert (record.message_count, record.version) == (total, total)
    assert [m.index for m in window] == list(range(total))
    assert stores[0].messages(HISTORY_SESSION, now=NOW, limit=total + 5) == window
    # every turn landed exactly once: no lost update, no duplicate
    assert sorted(m.user for m in window) == sorted(
        f"w{w}-t{t}" for w in range(threads) for t in range(turns)
    )
    # and each worker's turns are in its own order
    for w in range(threads):
        mine = [m.user for m in window if m.user.startswith(f"w{w}-")]
        assert mine == [f"w{w}-t{t}" for t in range(turns)]
    if threads > 1 and request.node.callspec.params["store_factory"] != "memory":
        assert sum(conflicts) > 0  # the writers really did race
