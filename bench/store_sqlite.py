"""SQLite store: listing cost as the file grows with expired rows, and what the purge costs.

    .venv/bin/python -m bench.store_sqlite [--sizes 1000,10000,100000] [--expired 0.9]

For each size N: N sessions last active within one UTC day, a fraction of them expired at the
listing's `now`. Measured (median of repeats, wall time on this machine):

- `page`: the first page of `list_by_time` over that day (limit 250), and `all`: every page
  (the admin's `sessions list-all`), on three layouts of the same rows:
  `v2` the previous listing index (updated_at, pk): each expired row is a table-row read;
  `v3` this schema's (updated_at, pk, expires_at): expired rows are rejected on the index;
  `purged` after the store's own purge: no expired rows left.
  `*_vm_steps`: the same in SQLite virtual-machine instructions (deterministic).
- `purge_batch_ms`: one automatic purge round (`PURGE_BATCH` expired rows on items_expiry).
- `turn`: a turn (load with a 10-entry window + save with one entry) on the purged file, with
  the store's automatic purges on: wall µs and VM steps per turn.

`measure(sizes, expired)` returns the same numbers as a dict for other benchmarks (bench/run.py).
Explicit clocks; nothing here reads the wall clock except the timer.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.store.base import SessionRecord
from bot.store.sqlite import PURGE_BATCH, SqliteStore
from bot.store.sqlite_sql import PURGE_EXPIRED_BATCH

D0 = 1_800_028_800 - 1_800_028_800 % 86_400  # a UTC midnight in 2027
NOW = D0 + 86_400 + 60  # the listing's now: just after the day
LIMIT = 250
V2_GSI2 = "CREATE INDEX items_gsi2 ON items (updated_at, pk) WHERE sk = 'STATE'"
V3_GSI2 = "CREATE INDEX items_gsi2 ON items (updated_at, pk, expires_at) WHERE sk = 'STATE'"


def _seed(path: Path, n: int, expired: float) -> None:
    store = SqliteStore(path, purge_every=0)
    try:
        cut = int(n * expired)
        for i in range(n):
            # Interleaved: expired and live rows share the day, as abandoned and live chats do.
            dead = (i * 7919) % n < cut
            record = SessionRecord(
                f"s-{i:07d}",
                {"step": "collect", "name": "Ada"},
                expires_at=NOW - 1 if dead else NOW + 3600,
                owner=f"user-{i % 97}",
            )
            store.save(record, expected_version=0, now=D0 + (i * 86_399) // max(n - 1, 1))
    finally:
        store.close()


def _timed(action: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _listing(store: SqliteStore, repeats: int) -> dict[str, float]:
    def page() -> None:
        store.list_by_time(start=D0, end=D0 + 86_400, now=NOW, limit=LIMIT)

    def everything() -> int:
        cursor, seen = None, 0
        while True:
            got = store.list_by_time(start=D0, end=D0 + 86_400, now=NOW, limit=LIMIT, cursor=cursor)
            seen += len(got.items)
            if got.cursor is None:
                return seen
            cursor = got.cursor

    return {
        "page_ms": round(_timed(page, repeats), 3),
        "page_vm_steps": _steps(store, page),
        "all_ms": round(_timed(everything, max(1, repeats // 3)), 2),
        "all_vm_steps": _steps(store, everything),
    }


def _steps(store: SqliteStore, action: Any) -> int:
    """SQLite virtual-machine instructions the action runs (deterministic, unlike wall time)."""
    conn = store._connection()
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    conn.set_progress_handler(tick, 1)
    try:
        action()
    finally:
        conn.set_progress_handler(None, 1)
    return counted[0]


def _turn_cost(path: Path, turns: int = 512) -> dict[str, float]:
    """A turn on this file (load with a 10-entry window + save with one entry), automatic purges
    on (their default cadence): wall µs and SQLite VM steps per turn, over `turns` turns."""
    from bot.store.base import MessageRecord
    from bot.store.layout import copy_record

    store = SqliteStore(path)
    sid = "turn-session"
    store.save(SessionRecord(sid, {"step": "start"}, expires_at=NOW + 3600), expected_version=0, now=NOW)

    def run() -> None:
        for i in range(turns):
            now = NOW + 1 + i
            record, _ = store.load(sid, now=now, window=10)
            assert record is not None
            entry = MessageRecord(
                sid, record.message_count, now * 1000, "hi", ["hello"], expires_at=now + 3600
            )
            changed = copy_record(record, message_count=record.message_count + 1)
            store.save(changed, expected_version=record.version, now=now, messages=[entry])

    try:
        started = time.perf_counter()
        steps = _steps(store, run)
        return {"us": round((time.perf_counter() - started) / turns * 1e6, 1), "vm_steps": steps // turns}
    finally:
        store.close()


def _reindex(path: Path, statement: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("DROP INDEX items_gsi2")
        conn.execute(statement)
        conn.execute("ANALYZE")
    finally:
        conn.close()


def measure(sizes: tuple[int, ...] = (1_000, 10_000, 100_000), expired: float = 0.9) -> dict[str, Any]:
    """Listing cost per size and layout (see the module docstring), and one purge round."""
    results: dict[str, Any] = {"expired_fraction": expired, "limit": LIMIT, "sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"s{n}.db"
            _seed(path, n, expired)
            repeats = 30 if n <= 10_000 else 9
            row: dict[str, Any] = {"live": n - int(n * expired)}
            _reindex(path, V2_GSI2)
            store = SqliteStore(path, purge_every=0)
            row["v2"] = _listing(store, repeats)
            store.close()
            _reindex(path, V3_GSI2)
            store = SqliteStore(path, purge_every=0)
            row["v3"] = _listing(store, repeats)
            conn = store._connection()
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            deleted = conn.execute(PURGE_EXPIRED_BATCH, {"now": NOW, "batch": PURGE_BATCH}).rowcount
            conn.execute("COMMIT")
            row["purge_batch_ms"] = round((time.perf_counter() - started) * 1000, 2)
            row["purge_batch_rows"] = deleted
            store.purge_expired(now=NOW)
            row["purged"] = _listing(store, repeats)
            store.close()
            row["turn"] = _turn_cost(path)
            row["file_bytes_before_vacuum"] = path.stat().st_size
            results["sizes"][str(n)] = row
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--expired", type=float, default=0.9)
    args = parser.parse_args()
    sizes = tuple(int(part) for part in args.sizes.split(","))
    print(json.dumps(measure(sizes, args.expired), indent=2))


if __name__ == "__main__":
    main()
