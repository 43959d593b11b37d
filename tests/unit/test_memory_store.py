"""MemoryStore internals the contract tests cannot see: cheap loads, the owner index, purge."""

from __future__ import annotations

from typing import Any

import pytest

import bot.store.memory as memory
from bot.store import layout
from bot.store.base import MessageRecord, ProfileRecord, SessionRecord
from bot.store.layout import copy_record
from bot.store.memory import MemoryStore

T0 = 1_800_000_000
TTL = 3600


def record(session_id: str = "s1", **changes: Any) -> SessionRecord:
    values: dict[str, Any] = {"session_id": session_id, "state": {}, "expires_at": T0 + TTL, "owner": "u"}
    values.update(changes)
    return SessionRecord(**values)


def message(index: int, session_id: str = "s1", **changes: Any) -> MessageRecord:
    values: dict[str, Any] = {
        "session_id": session_id,
        "index": index,
        "at_ms": T0 * 1000,
        "user": f"u{index}",
        "bot": [f"b{index}"],
        "expires_at": T0 + TTL,
    }
    values.update(changes)
    return MessageRecord(**values)


def test_indexes_stay_sorted_whatever_the_write_order() -> None:
    store = MemoryStore()
    first = store.save(record(message_count=6), expected_version=0, now=T0, messages=[message(5), message(2)])
    store.save(first, expected_version=1, now=T0, messages=[message(3), message(0)])

    assert store._messages["s1"].order == [0, 2, 3, 5]
    _, window = store.load("s1", now=T0, window=2)
    assert [m.index for m in window] == [3, 5]
    assert [m.index for m in store.messages("s1", now=T0, after=2)] == [3, 5]


def test_load_copies_only_the_window_not_the_whole_history(monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemoryStore()
    store.save(
        record(message_count=2000), expected_version=0, now=T0, messages=[message(i) for i in range(2000)]
    )
    copied: list[int] = []
    real_copy = layout.copy_message

    def counting_copy(m: MessageRecord, **changes: Any) -> MessageRecord:
        copied.append(m.index)
        return real_copy(m, **changes)

    monkeypatch.setattr(memory, "copy_message", counting_copy)
    _, window = store.load("s1", now=T0, window=3)

    assert [m.index for m in window] == [1997, 1998, 1999]
    assert copied == [1999, 1998, 1997]


def test_load_skips_messages_of_an_older_generation() -> None:
    store = MemoryStore()
    store.save(
        record(expires_at=T0 + 10),
        expected_version=0,
        now=T0,
        messages=[message(i, user="old") for i in range(5)],
    )
    store.save(
        record(), expected_version=0, now=T0 + 20, messages=[message(0, user="new"), message(1, user="new")]
    )

    _, window = store.load("s1", now=T0 + 21, window=10)
    assert [(m.index, m.user) for m in window] == [(0, "new"), (1, "new")]
    assert store.delete("s1") == 1 + 5  # the record and every message item, old generation included


def test_the_owner_index_follows_owner_changes_and_deletes() -> None:
    store = MemoryStore()
    stored = store.put(record("aa", owner="alice"), expected_version=0, now=T0)
    store.put(record("bb", owner="alice"), expected_version=0, now=T0 + 1)

    store.put(copy_record(stored, owner="bob"), expected_version=1, now=T0 + 2)
    assert [r.session_id for r in store.list_by_user("alice", now=T0 + 3).items] == ["bb"]
    assert [r.session_id for r in store.list_by_user("bob", now=T0 + 3).items] == ["aa"]

    store.delete("bb")
    assert store.list_by_user("alice", now=T0 + 3).items == []
    assert "alice" not in store._by_owner

    anonymous = store.get("aa", now=T0 + 3)
    assert anonymous is not None
    store.put(copy_record(anonymous, owner=None), expected_version=2, now=T0 + 4)
    assert store._by_owner == {}


def test_purge_expired_drops_expired_and_superseded_items() -> None:
    store = MemoryStore()
    store.save(record("gone", expires_at=T0 + 10), expected_version=0, now=T0, messages=[message(0, "gone")])
    store.save(
        record("reused", expires_at=T0 + 10),
        expected_version=0,
        now=T0,
        messages=[message(i, "reused", expires_at=T0 + TTL) for i in range(3)],
    )
    fresh = store.save(record("reused"), expected_version=0, now=T0 + 20, messages=[message(0, "reused")])
    store.put_profile(ProfileRecord("old", {}, expires_at=T0 + 10), now=T0)
    store.put_profile(ProfileRecord("kept", {}, expires_at=T0 + TTL), now=T0)

    # gone + its message, reused's old messages 1 and 2 (0 was overwritten), the old profile
    assert store.purge_expired(now=T0 + 20) == 5
    assert store.purge_expired(now=T0 + 20) == 0

    assert store.load("reused", now=T0 + 21, window=5) == (fresh, [message(0, "reused")])
    assert store._messages["reused"].order == [0]
    assert "gone" not in store._messages
    assert store.get_profile("kept", now=T0 + 21) is not None


def test_put_is_save_without_messages() -> None:
    class CountingStore(MemoryStore):
        saves = 0

        def save(self, record: SessionRecord, **kwargs: Any) -> SessionRecord:
            self.saves += 1
            return super().save(record, **kwargs)

    store = CountingStore()
    store.put(record(), expected_version=0, now=T0)
    assert store.saves == 1
