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
