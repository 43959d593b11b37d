"""Expiry and generations, every backend: expired items read as absent; new sessions never see old history."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bot.store.base import Feedback, ProfileRecord, VersionConflict
from bot.store.layout import copy_record

from .conftest import DAY, LONG_TTL, T0, add_turn, make_message, make_record, start_session

if TYPE_CHECKING:
    from bot.store import SessionStore


def test_an_expired_session_loads_as_absent(store: SessionStore) -> None:
    stored = store.save(
        make_record(message_count=2, expires_at=T0 + 100),
        expected_version=0,
        now=T0,
        # the messages outlive the record: they are still invisible once the record has expired
        messages=[make_message("s-1", 0), make_message("s-1", 1)],
    )

    assert store.load("s-1", now=T0 + 99, window=5) == (
        stored,
        [make_message("s-1", 0), make_message("s-1", 1)],
    )
    for now in (T0 + 100, T0 + 101, T0 + LONG_TTL + 1):
        assert store.load("s-1", now=now, window=5) == (None, [])
        assert store.messages("s-1", now=now) == []
        assert store.get("s-1", now=now) is None


def test_a_new_session_over_an_expired_one_starts_a_new_generation(store: SessionStore) -> None:
    # Old generation: its messages are kept far longer than its record.
    store.save(
        make_record(message_count=3, expires_at=T0 + 100, state={"step": "old"}),
        expected_version=0,
        now=T0,
        messages=[make_message("s-1", i, user=f"old {i}") for i in range(3)],
    )

    fresh = store.save(
        make_record(message_count=1, state={"step": "new"}),
        expected_version=0,
        now=T0 + 200,
        messages=[make_message("s-1", 0, user="new 0")],
    )

    assert (fresh.version, fresh.created_at, fresh.updated_at) == (1, T0 + 200, T0 + 200)
    record, window = store.load("s-1", now=T0 + 201, window=10)
    assert record == fresh
    assert [m.user for m in window] == ["new 0"]
    assert [m.user for m in store.messages("s-1", now=T0 + 201)] == ["new 0"]
    assert store.messages("s-1", now=T0 + 201, after=0) == []  # old 1 and old 2 stay hidden

    # The new generation can write the indexes the old one used.
    add_turn(store, "s-1", now=T0 + 210, user="new 1")
    add_turn(store, "s-1", now=T0 + 220, user="new 2")
    assert [m.user for m in store.messages("s-1", now=T0 + 221)] == ["new 0", "new 1", "new 2"]


def test_a_put_over_an_expired_session_hides_the_old_messages(store: SessionStore) -> None:
    start_session(store, count=3, expires_at=T0 + 100)
    store.save(make_record(message_count=0, expires_at=T0 + LONG_TTL), expected_version=0, now=T0 + 100)

    record, window = store.load("s-1", now=T0 + 101, window=10)
    assert record is not None
    assert window == []
    assert store.messages("s-1", now=T0 + 101) == []


def test_old_messages_stay_hidden_even_when_the_new_generation_reuses_no_index(store: SessionStore) -> None:
    store.save(
        make_record(message_count=2, expires_at=T0 + 100),
        expected_version=0,
        now=T0,
        messages=[make_message("s-1", 0), make_message("s-1", 1)],
    )
    store.put(make_record(), expected_version=0, now=T0 + 150)

    assert store.set_message_feedback("s-1", 1, Feedback("down"), now=T0 + 160) is False
    assert store.retain("s-1", until=T0 + LONG_TTL * 2, now=T0 + 160) == 1  # the record only
    assert store.messages("s-1", now=T0 + 170) == []


def test_messages_past_their_own_expiry_are_not_returned(store: SessionStore) -> None:
    store.save(
        make_record(message_count=3, expires_at=T0 + 1_000),
        expected_version=0,
        now=T0,
        messages=[
            make_message("s-1", 0, expires_at=T0 + 50),
            make_message("s-1", 1, expires_at=T0 + 500),
            make_message("s-1", 2, expires_at=T0 + 1_000),
        ],
    )

    assert [m.index for m in store.messages("s-1", now=T0 + 49)] == [0, 1, 2]
    assert [m.index for m in store.messages("s-1", now=T0 + 50)] == [1, 2]
    _, window = store.load("s-1", now=T0 + 50, window=10)
    assert [m.index for m in window] == [1, 2]
    _, window = store.load("s-1", now=T0 + 600, window=10)
    assert [m.index for m in window] == [2]
    assert store.messages("s-1", now=T0 + 600, after=-1, limit=1) == [
        make_message("s-1", 2, expires_at=T0 + 1_000)
    ]


def test_an_expired_message_index_may_be_written_again(store: SessionStore) -> None:
    store.save(
        make_record(message_count=1),
        expected_version=0,
        now=T0,
        messages=[make_message("s-1", 0, expires_at=T0 + 50)],
    )

    record = store.get("s-1", now=T0 + 60)
    assert record is not None
    store.save(record, expected_version=1, now=T0 + 60, messages=[make_message("s-1", 0, user="again")])

    assert [m.user for m in store.messages("s-1", now=T0 + 61)] == ["again"]


def test_created_at_is_preserved_across_saves_and_reset_by_a_new_generation(store: SessionStore) -> None:
    first = start_session(store, count=1, expires_at=T0 + 100)
    assert first.created_at == T0

    second = add_turn(store, "s-1", now=T0 + 10)
    third = store.put(copy_record(second, state={"step": "next"}), expected_version=2, now=T0 + 20)
    assert (second.created_at, third.created_at) == (T0, T0)
    assert (third.updated_at, third.version) == (T0 + 20, 3)
    stored = store.get("s-1", now=T0 + 30)
    assert stored is not None
    assert stored.created_at == T0

    # The caller passes the stale record forward; a new generation still starts at `now`.
    fresh = store.put(copy_record(third, expires_at=T0 + LONG_TTL), expected_version=0, now=T0 + 500)
    assert (fresh.version, fresh.created_at) == (1, T0 + 500)
    stored = store.get("s-1", now=T0 + 501)
    assert stored is not None
    assert stored.created_at == T0 + 500


def test_an_expired_version_cannot_be_written_against(store: SessionStore) -> None:
    start_session(store, count=1, expires_at=T0 + 100)

    with pytest.raises(VersionConflict):
        store.save(
            make_record(message_count=2),
            expected_version=1,
            now=T0 + 150,
            messages=[make_message("s-1", 1)],
        )
    assert store.load("s-1", now=T0 + 150, window=5) == (None, [])


def test_listings_ignore_expired_sessions(store: SessionStore) -> None:
    store.put(make_record("live"), expected_version=0, now=T0)
    store.put(make_record("dead", expires_at=T0 + 100), expected_version=0, now=T0 + 1)

    by_user = store.list_by_user("user-1", now=T0 + 100)
    by_time = store.list_by_time(start=T0 - DAY, end=T0 + DAY, now=T0 + 100)

    assert [r.session_id for r in by_user.items] == ["live"]
    assert [r.session_id for r in by_time.items] == ["live"]
    assert store.get("dead", now=T0 + 100) is None
    early = store.list_by_user("user-1", now=T0 + 99)
    assert [r.session_id for r in early.items] == ["dead", "live"]


def test_an_expired_profile_is_absent(store: SessionStore) -> None:
    store.put_profile(ProfileRecord("user-1", {"k": "v"}, expires_at=T0 + 100), now=T0)

    assert store.get_profile("user-1", now=T0 + 99) is not None
    assert store.get_profile("user-1", now=T0 + 100) is None


# -- backfill on a store without legacy items --------------------------------------------------------


def test_backfill_finds_nothing_to_do_on_a_current_store(store: SessionStore) -> None:
    start_session(store, count=2)
    store.put(make_record("s-2", owner=None), expected_version=0, now=T0)
    store.put_profile(ProfileRecord("user-1", {"k": "v"}, expires_at=T0 + LONG_TTL), now=T0)
    before = (
        store.load("s-1", now=T0, window=10),
        store.get("s-2", now=T0),
        store.get_profile("user-1", now=T0),
    )

    dry = store.backfill_ttl(now=T0 + 10, session_ttl=DAY, profile_ttl=LONG_TTL, dry_run=True)
    assert sum(dry.missing.values()) == 0
    assert dry.updated == 0
    assert dry.scanned >= 5  # two records, two messages, one profile
    real = store.backfill_ttl(now=T0 + 10, session_ttl=DAY, profile_ttl=LONG_TTL, dry_run=False)
    assert sum(real.missing.values()) == 0
    assert real.updated == 0

    after = (
        store.load("s-1", now=T0, window=10),
        store.get("s-2", now=T0),
        store.get_profile("user-1", now=T0),
    )
    assert after == before


def test_backfill_on_an_empty_store(store: SessionStore) -> None:
    report = store.backfill_ttl(now=T0, session_ttl=DAY, profile_ttl=LONG_TTL, dry_run=True)

    assert (report.scanned, sum(report.missing.values()), report.updated) == (0, 0, 0)


# -- purge (backends without a TTL process) ------------------------------------------------------------


def test_purge_deletes_exactly_what_reads_as_absent(store: SessionStore) -> None:
    """Expired items, and messages no read can see: of a superseded generation or without their
    record. Before the core, SQLite kept the superseded generation's messages (memory did not)."""
    purge = getattr(store, "purge_expired", None)
    if purge is None:
        pytest.skip("DynamoDB's TTL deletes expired items")
    store.save(
        make_record(message_count=3, expires_at=T0 + 100),
        expected_version=0,
        now=T0,
        messages=[make_message("s-1", i, expires_at=T0 + LONG_TTL) for i in range(3)],  # outlive the record
    )
    fresh = store.save(
        make_record(message_count=1), expected_version=0, now=T0 + 200, messages=[make_message("s-1", 0)]
    )
    start_session(store, "s-2", count=1, expires_at=T0 + 150)  # expired with its message
    store.put_profile(ProfileRecord("user-1", {"k": "v"}, expires_at=T0 + 10), now=T0)
    store.put_profile(ProfileRecord("user-2", {"k": "v"}, expires_at=T0 + LONG_TTL), now=T0)

    assert purge(now=T0 + 201) == 2 + 2 + 1  # s-1's old 1 and 2, s-2 and its message, a profile
    assert purge(now=T0 + 201) == 0

    assert store.load("s-1", now=T0 + 201, window=10) == (fresh, [make_message("s-1", 0)])
    assert store.get_profile("user-2", now=T0 + 201) is not None
    assert store.delete("s-1") == 2
