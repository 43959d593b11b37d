"""`python -m bot tables purge`: the complete purge of a SQLite store, with an explicit clock."""

from __future__ import annotations

import argparse
import io
import sqlite3
from typing import TYPE_CHECKING

import pytest

from bot.dev.cli import tables
from bot.store.base import MessageRecord, SessionRecord
from bot.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from pathlib import Path

T0 = 1_800_000_000


@pytest.fixture
def sqlite_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    local = tmp_path / "local"
    monkeypatch.setenv("BOT_LOCAL_DIR", str(local))
    monkeypatch.setenv("BOT_SIGNING_KEY", "k" * 64)
    monkeypatch.setenv("BOT_STORE", "sqlite")
    path = local / "sessions.db"
    monkeypatch.setenv("BOT_SQLITE_PATH", str(path))
    for name in ("SESSION_TABLE", "DYNAMODB_ENDPOINT_URL", "SESSION_TTL_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    return path


def purge(*, now: int, vacuum: bool = False) -> tuple[int, str]:
    out = io.StringIO()
    args = argparse.Namespace(tables_command="purge", vacuum=vacuum)
    return tables.run(args, stdout=out, clock=lambda: now), out.getvalue()


def test_purge_deletes_what_reads_as_absent_at_the_clocks_now(sqlite_env: Path) -> None:
    store = SqliteStore(sqlite_env, purge_every=0)
    for i, expires_at in enumerate((T0 + 10, T0 + 20, T0 + 30)):
        sid = f"s-{i}"
        message = MessageRecord(sid, 0, T0 * 1000, "hi", ["hello"], expires_at=expires_at + 100)
        record = SessionRecord(sid, {}, expires_at=expires_at, message_count=1)
        store.save(record, expected_version=0, now=T0, messages=[message])
    store.close()

    assert purge(now=T0 + 20) == (
        0,
        f"SQLite database {sqlite_env}: purged 4 expired items\n",
    )  # 2 + messages
    assert purge(now=T0 + 20, vacuum=True) == (
        0,
        f"SQLite database {sqlite_env}: purged 0 expired items\nvacuumed\n",
    )
    conn = sqlite3.connect(sqlite_env)
    try:
        assert [pk for (pk,) in conn.execute("SELECT pk FROM items ORDER BY pk, sk")] == ["SESSION#s-2"] * 2
    finally:
        conn.close()


@pytest.mark.parametrize("kind", ["memory", "dynamodb"])
def test_other_stores_have_nothing_to_purge(
    sqlite_env: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setenv("BOT_STORE", kind)
    monkeypatch.setenv("SESSION_TABLE", "t")
    code, out = purge(now=T0)
    assert code == 0
    assert out.startswith(f"{kind}: nothing to purge")
