"""History contract, every backend: messages saved with the record, windows, pages, feedback, retain."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.redaction import redact_stored
from bot.store.base import Feedback, MessageRecord, ProfileRecord, VersionConflict
from bot.store.layout import copy_message, copy_record

from .conftest import LONG_TTL, T0, add_turn, fresh_id, make_message, make_record, start_session

if TYPE_CHECKING:
    from bot.store import SessionStore

MODEST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def varied_messages(session_id: str, count: int) -> list[MessageRecord]:
    """Messages exercising every field: None and str optionals, unicode, empty and many bot lines."""
    intents = [None, "CollectName", "CollectCard"]
    sources = [None, "DialogCodeHook", "FulfillmentCodeHook", "admin"]
    slots = [None, "Name", "CardNumber", "Expiry", "Cvv"]
    bots: list[list[str]] = [[], ["one"], ["Grüße 👋", "名前は？", "שלום", "e\u0301"], [""], ["a"] * 5]
    return [
        make_message(
            session_id,
            i,
            at_ms=T0 * 1000 + 1000 * i + 7,
            user="" if i % 6 == 5 else f"turn {i}: héllo 🙂 {'x' * i}",
            bot=bots[i % len(bots)],
            intent=intents[i % len(intents)],
            source=sources[i % len(sources)],
            slot=slots[i % len(slots)],
            signature=f"v1.{i:04d}.c2lnbmF0dXJl",
            expires_at=T0 + LONG_TTL + i,
        )
        for i in range(count)
    ]


# -- save + load ----------------------------------------------------------------------------------


def test_load_absent_session(store: SessionStore) -> None:
    assert store.load("nobody", now=T0, window=10) == (None, [])
    assert store.messages("nobody", now=T0) == []


def test_save_with_messages_then_load_returns_the_newest_window_oldest_first(store: SessionStore) -> None:
    messages = varied_messages("s-1", 8)
    stored = store.save(make_record(message_count=8), expected_version=0, now=T0, messages=messages)

    assert (stored.version, stored.updated_at, stored.created_at, stored.message_count) == (1, T0, T0, 8)
    record, window = store.load("s-1", now=T0 + 1, window=5)
    assert record == stored
    assert window == messages[3:]
    assert [m.index for m in window] == [3, 4, 5, 6, 7]
    assert all(m.feedback is None for m in window)

    _, everything = store.load("s-1", now=T0 + 1, window=100)
    assert everything == messages
    _, one = store.load("s-1", now=T0 + 1, window=1)
    assert one == messages[-1:]


def test_window_zero_returns_the_record_only(store: SessionStore) -> None:
    stored = start_session(store, count=3)

    assert store.load("s-1", now=T0, window=0) == (stored, [])


def test_load_without_messages(store: SessionStore) -> None:
    stored = start_session(store)

    assert store.load("s-1", now=T0, window=10) == (stored, [])
    assert stored.message_count == 0


def test_message_count_is_what_the_caller_saved(store: SessionStore) -> None:
    stored = store.save(
        make_record(message_count=7), expected_version=0, now=T0, messages=[make_message("s-1", 0)]
    )

    assert stored.message_count == 7
    record, _ = store.load("s-1", now=T0, window=0)
    assert record is not None
    assert record.message_count == 7


def test_turns_append_messages(store: SessionStore) -> None:
    start_session(store, count=2)
    add_turn(store, "s-1", now=T0 + 10, user="third")
    final = add_turn(store, "s-1", now=T0 + 20, user="fourth")

    assert (final.version, final.message_count, final.updated_at, final.created_at) == (3, 4, T0 + 20, T0)
    record, window = store.load("s-1", now=T0 + 30, window=3)
    assert record == final
    assert [(m.index, m.user) for m in window] == [(1, "user says 1"), (2, "third"), (3, "fourth")]


# -- messages(after, limit) -----------------------------------------------------------------------


def test_messages_pages_through_25_messages(store: SessionStore) -> None:
    messages = varied_messages("s-1", 25)
    store.save(make_record(message_count=25), expected_version=0, now=T0, messages=messages)

    assert store.messages("s-1", now=T0) == messages  # defaults: after=-1, limit=100
    pages: list[list[MessageRecord]] = []
    after = -1
    while True:
        page = store.messages("s-1", now=T0, after=after, limit=7)
        if not page:
            break
        assert len(page) <= 7
        pages.append(page)
        after = page[-1].index
    assert [len(p) for p in pages] == [7, 7, 7, 4]
    assert [m for p in pages for m in p] == messages
    assert store.messages("s-1", now=T0, after=10, limit=3) == messages[11:14]
    assert store.messages("s-1", now=T0, after=24) == []
    assert store.messages("s-1", now=T0, after=23, limit=100) == messages[24:]


# -- nothing written on a failed condition --------------------------------------------------------


def assert_unchanged(store: SessionStore, before: tuple[object, list[MessageRecord]]) -> None:
    assert store.load("s-1", now=T0 + 50, window=100) == before
    record, messages = before
    assert store.messages("s-1", now=T0 + 50) == messages
    assert record is not None


def test_a_message_at_an_existing_index_conflicts_and_nothing_is_written(store: SessionStore) -> None:
    stored = start_session(store, count=3)
    before = store.load("s-1", now=T0 + 50, window=100)

    with pytest.raises(VersionConflict):
        store.save(
            copy_record(stored, message_count=5, state={"step": "after"}),
            expected_version=stored.version,
            now=T0 + 10,
            messages=[make_message("s-1", 3, user="new"), make_message("s-1", 2, user="duplicate")],
        )

    assert_unchanged(store, before)
    record = store.get("s-1", now=T0 + 50)
    assert record is not None
    assert (record.version, record.message_count, record.state) == (1, 3, {"step": "start"})


def test_a_duplicate_index_within_one_save_is_refused_and_nothing_is_written(store: SessionStore) -> None:
    stored = start_session(store, count=1)
    before = store.load("s-1", now=T0 + 50, window=100)

    with pytest.raises((VersionConflict, ValueError)):
        store.save(
            copy_record(stored, message_count=3),
            expected_version=1,
            now=T0 + 10,
            messages=[make_message("s-1", 1, user="a"), make_message("s-1", 1, user="b")],
        )

    assert_unchanged(store, before)


def test_a_stale_version_with_messages_conflicts_and_nothing_is_written(store: SessionStore) -> None:
    first = start_session(store, count=1)
    add_turn(store, "s-1", now=T0 + 5)  # version 2, message 1
    before = store.load("s-1", now=T0 + 50, window=100)

    with pytest.raises(VersionConflict):
        store.save(
            copy_record(first, message_count=3),
            expected_version=first.version,
            now=T0 + 10,
            messages=[make_message("s-1", 2)],
        )

    assert_unchanged(store, before)
    assert store.messages("s-1", now=T0 + 50, after=1) == []


def test_a_new_session_over_a_live_one_conflicts_and_nothing_is_written(store: SessionStore) -> None:
    start_session(store, count=2)
    before = store.load("s-1", now=T0 + 50, window=100)

    with pytest.raises(VersionConflict):
        store.save(
            make_record(message_count=3),
            expected_version=0,
            now=T0 + 10,
            messages=[make_message("s-1", 2)],
            profile=ProfileRecord("user-1", {"wallet_address": "0xnot-written"}, expires_at=T0 + LONG_TTL),
        )

    assert_unchanged(store, before)
    assert store.get_profile("user-1", now=T0 + 50) is None


def test_save_with_a_profile_writes_both(store: SessionStore) -> None:
    profile = ProfileRecord(
        "user-1", {"wallet_address": "0xabc", "locale": "de-DE"}, expires_at=T0 + LONG_TTL
    )
    stored = store.save(
        make_record(message_count=1),
        expected_version=0,
        now=T0,
        messages=[make_message("s-1", 0)],
        profile=profile,
    )

    assert store.load("s-1", now=T0, window=5) == (stored, [make_message("s-1", 0)])
    assert store.get_profile("user-1", now=T0) == ProfileRecord(
        "user-1",
        {"wallet_address": "0xabc", "locale": "de-DE"},
        version=1,
        expires_at=T0 + LONG_TTL,
        updated_at=T0,
    )


# -- copies in and out ----------------------------------------------------------------------------


def test_messages_are_copied_in_and_out(store: SessionStore) -> None:
    given_messages = [make_message("s-1", 0), make_message("s-1", 1)]
    expected = [copy_message(m) for m in given_messages]
    given_record = make_record(message_count=2)
    stored = store.save(given_record, expected_version=0, now=T0, messages=given_messages)
    expected_record = copy_record(stored)

    given_messages[0].bot.append("mutated input")
    given_messages[1].user = "mutated input"
    given_record.state["step"] = "mutated input"
    stored.state["step"] = "mutated output"
    record, loaded = store.load("s-1", now=T0, window=5)
    assert record == expected_record
    assert loaded == expected

    assert record is not None
    record.state.clear()
    loaded[0].bot.clear()
    loaded[1].signature = "mutated output"
    listed = store.messages("s-1", now=T0)
    listed[0].bot.append("mutated again")
    assert store.load("s-1", now=T0, window=5) == (expected_record, expected)
    assert store.messages("s-1", now=T0) == expected


def test_save_does_not_modify_its_arguments(store: SessionStore) -> None:
    record = make_record(message_count=1)
    message = make_message("s-1", 0)
    profile = ProfileRecord("user-1", {"k": "v"}, expires_at=T0 + LONG_TTL)
    store.save(record, expected_version=0, now=T0, messages=(message,), profile=profile)

    assert record == make_record(message_count=1)
    assert message == make_message("s-1", 0)
    assert profile == ProfileRecord("user-1", {"k": "v"}, expires_at=T0 + LONG_TTL)


def test_sixty_turns_never_grow_the_session_record(store: SessionStore) -> None:
    start_session(store, state={"step": "chat", "name": "Zoë"})
    for turn in range(60):
        add_turn(store, "s-1", now=T0 + turn, user=f"turn {turn} " + "words " * 20, bot=["reply " * 30])

    record, window = store.load("s-1", now=T0 + 100, window=5)
    assert record is not None
    assert (record.version, record.message_count) == (61, 60)
    assert record.state == {"step": "chat", "name": "Zoë"}  # history lives beside the record, not in it
    assert record.extra == {}
    assert [m.index for m in window] == [55, 56, 57, 58, 59]
    assert len(store.messages("s-1", now=T0 + 100)) == 60


# -- invalid input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(make_message("other-session", 0), id="foreign-session-id"),
        pytest.param(make_message("s-1", -1), id="negative-index"),
        pytest.param(make_message("s-1", 0, bot="not a list"), id="bot-not-a-list"),
        pytest.param(make_message("s-1", 0, user=None), id="user-none"),
        pytest.param(make_message("s-1", 0, intent=""), id="empty-intent"),
        pytest.param(make_message("s-1", 0, at_ms="now"), id="at-ms-str"),
    ],
)
def test_unstorable_messages_are_refused(store: SessionStore, bad: MessageRecord) -> None:
    with pytest.raises((ValueError, TypeError)):
        store.save(make_record(message_count=1), expected_version=0, now=T0, messages=[bad])

    assert store.get("s-1", now=T0) is None


# -- property: any text round-trips (free text as the stored-text redaction leaves it) --------------

optional_text = st.none() | st.text(min_size=1, max_size=40)


@MODEST
@given(
    user=st.text(max_size=200),
    bot=st.lists(st.text(max_size=80), max_size=4),
    intent=optional_text,
    source=optional_text,
    slot=optional_text,
    signature=st.text(max_size=60),
    at_ms=st.integers(min_value=0, max_value=2**53),
)
def test_any_message_round_trips(
    store: SessionStore,
    user: str,
    bot: list[str],
    intent: str | None,
    source: str | None,
    slot: str | None,
    signature: str,
    at_ms: int,
) -> None:
    session_id = fresh_id()
    message = make_message(
        session_id,
        0,
        user=user,
        bot=bot,
        intent=intent,
        source=source,
        slot=slot,
        signature=signature,
        at_ms=at_ms,
    )
    store.save(make_record(session_id, message_count=1), expected_version=0, now=T0, messages=[message])

    _, loaded = store.load(session_id, now=T0, window=1)
    # utterances and messages pass the one card-data choke point on their way in (and nothing else
    # changes: the redaction is idempotent, so a second save stores the same text)
    expected = copy_message(message, user=redact_stored(user), bot=[redact_stored(b) for b in bot])
    assert loaded == [expected]


# -- set_message_feedback -------------------------------------------------------------------------

DOWN = Feedback("down", "wrong amount ✗", at=T0 + 5)


def test_message_feedback_is_set_and_bumps_the_session(store: SessionStore) -> None:
    stored = start_session(store, count=3)

    assert store.set_message_feedback("s-1", 1, DOWN, now=T0 + 5) is True

    record = store.get("s-1", now=T0 + 6)
    assert record == copy_record(stored, version=2, updated_at=T0 + 5, has_feedback=True)
    listed = store.messages("s-1", now=T0 + 6)
    assert [m.feedback for m in listed] == [None, DOWN, None]
    assert listed[1] == copy_message(make_message("s-1", 1, expires_at=stored.expires_at), feedback=DOWN)
    _, window = store.load("s-1", now=T0 + 6, window=2)
    assert [m.feedback for m in window] == [DOWN, None]


def test_a_turn_that_read_before_feedback_conflicts(store: SessionStore) -> None:
    start_session(store, count=2)
    read, _ = store.load("s-1", now=T0 + 1, window=5)
    assert read is not None

    assert store.set_message_feedback("s-1", 0, Feedback("up"), now=T0 + 2)
    with pytest.raises(VersionConflict):
        store.save(
            copy_record(read, message_count=3),
            expected_version=read.version,
            now=T0 + 3,
            messages=[make_message("s-1", 2)],
        )

    record, messages = store.load("s-1", now=T0 + 4, window=10)
    assert record is not None
    assert (record.version, record.message_count, record.has_feedback) == (2, 2, True)
    assert [m.index for m in messages] == [0, 1]
    assert messages[0].feedback == Feedback("up")


def test_feedback_overwrites_earlier_feedback(store: SessionStore) -> None:
    start_session(store, count=1)
    assert store.set_message_feedback("s-1", 0, Feedback("up"), now=T0 + 1)
    assert store.set_message_feedback("s-1", 0, DOWN, now=T0 + 5)

    assert store.messages("s-1", now=T0 + 6)[0].feedback == DOWN
    record = store.get("s-1", now=T0 + 6)
    assert record is not None
    assert (record.version, record.updated_at) == (3, T0 + 5)


def test_feedback_on_an_unknown_session_or_index_is_false(store: SessionStore) -> None:
    assert store.set_message_feedback("nobody", 0, DOWN, now=T0) is False
    start_session(store, count=2)

    assert store.set_message_feedback("s-1", 2, DOWN, now=T0 + 5) is False
    assert store.set_message_feedback("s-1", 99, DOWN, now=T0 + 5) is False

    record = store.get("s-1", now=T0 + 6)
    assert record is not None
    assert (record.version, record.has_feedback, record.updated_at) == (1, False, T0)
    assert [m.feedback for m in store.messages("s-1", now=T0 + 6)] == [None, None]


def test_feedback_on_an_expired_session_is_false(store: SessionStore) -> None:
    start_session(store, count=2, expires_at=T0 + 100)

    assert store.set_message_feedback("s-1", 0, DOWN, now=T0 + 100) is False
    assert store.get("s-1", now=T0 + 100) is None


def test_feedback_on_an_expired_message_is_false(store: SessionStore) -> None:
    store.save(
        make_record(message_count=2),
        expected_version=0,
        now=T0,
        messages=[make_message("s-1", 0, expires_at=T0 + 50), make_message("s-1", 1)],
    )

    assert store.set_message_feedback("s-1", 0, DOWN, now=T0 + 60) is False
    assert store.set_message_feedback("s-1", 1, DOWN, now=T0 + 60) is True
    record = store.get("s-1", now=T0 + 61)
    assert record is not None
    assert record.version == 2


# -- retain ---------------------------------------------------------------------------------------


def test_retain_raises_the_expiry_of_the_record_and_its_messages(store: SessionStore) -> None:
    start_session(store, count=3, expires_at=T0 + 100)

    assert store.retain("s-1", until=T0 + 10_000, now=T0 + 10) == 4

    record, messages = store.load("s-1", now=T0 + 5_000, window=10)  # past the old expiry
    assert record is not None
    assert record.expires_at == T0 + 10_000
    assert [(m.index, m.expires_at) for m in messages] == [
        (0, T0 + 10_000),
        (1, T0 + 10_000),
        (2, T0 + 10_000),
    ]
    assert len(store.messages("s-1", now=T0 + 9_999)) == 3
    assert store.load("s-1", now=T0 + 10_000, window=10) == (None, [])


def test_retain_never_lowers_an_expiry(store: SessionStore) -> None:
    store.save(
        make_record(message_count=2, expires_at=T0 + 1_000),
        expected_version=0,
        now=T0,
        messages=[make_message("s-1", 0, expires_at=T0 + 100), make_message("s-1", 1, expires_at=T0 + 2_000)],
    )

    store.retain("s-1", until=T0 + 500, now=T0 + 10)

    record = store.get("s-1", now=T0 + 10)
    assert record is not None
    assert record.expires_at == T0 + 1_000
    assert [m.expires_at for m in store.messages("s-1", now=T0 + 10)] == [T0 + 500, T0 + 2_000]

    store.retain("s-1", until=T0 + 20, now=T0 + 10)  # below everything: no change
    record = store.get("s-1", now=T0 + 10)
    assert record is not None
    assert record.expires_at == T0 + 1_000
    assert [m.expires_at for m in store.messages("s-1", now=T0 + 10)] == [T0 + 500, T0 + 2_000]


def test_retain_of_an_absent_or_expired_session_is_zero(store: SessionStore) -> None:
    assert store.retain("nobody", until=T0 + 10_000, now=T0) == 0
    start_session(store, count=1, expires_at=T0 + 100)

    assert store.retain("s-1", until=T0 + 10_000, now=T0 + 100) == 0
    assert store.load("s-1", now=T0 + 200, window=5) == (None, [])


def test_retain_then_a_turn_keeps_the_history(store: SessionStore) -> None:
    start_session(store, count=2, expires_at=T0 + 100)
    store.retain("s-1", until=T0 + 10_000, now=T0 + 10)

    after = add_turn(store, "s-1", now=T0 + 5_000)  # a turn long after the original expiry

    assert after.message_count == 3
    assert [m.index for m in store.messages("s-1", now=T0 + 5_001)] == [0, 1, 2]


# -- delete ---------------------------------------------------------------------------------------


def test_delete_removes_the_record_and_all_messages(store: SessionStore) -> None:
    start_session(store, count=4)
    other = start_session(store, "s-2", count=2)
    profile = store.put_profile(ProfileRecord("user-1", {"k": "v"}, expires_at=T0 + LONG_TTL), now=T0)

    assert store.delete("s-1") == 5

    assert store.get("s-1", now=T0) is None
    assert store.load("s-1", now=T0, window=10) == (None, [])
    assert store.messages("s-1", now=T0) == []
    assert store.delete("s-1") == 0
    assert store.load("s-2", now=T0, window=10) == (other, [make_message("s-2", i) for i in range(2)])
    assert store.get_profile("user-1", now=T0) == profile


def test_delete_of_an_absent_session_is_zero(store: SessionStore) -> None:
    assert store.delete("nobody") == 0


def test_a_session_recreated_after_delete_starts_empty(store: SessionStore) -> None:
    start_session(store, count=3)
    store.delete("s-1")

    fresh = store.save(
        make_record(message_count=1),
        expected_version=0,
        now=T0 + 5,
        messages=[make_message("s-1", 0, user="new")],
    )

    assert (fresh.version, fresh.created_at) == (1, T0 + 5)
    assert store.messages("s-1", now=T0 + 6) == [make_message("s-1", 0, user="new")]


def test_delete_removes_messages_of_every_generation(store: SessionStore) -> None:
    start_session(store, count=3, expires_at=T0 + 100)  # old generation, messages expire with it
    store.save(
        make_record(message_count=1), expected_version=0, now=T0 + 200, messages=[make_message("s-1", 0)]
    )

    assert store.delete("s-1") >= 2
    assert store.load("s-1", now=T0 + 201, window=10) == (None, [])
    store.save(make_record(message_count=0), expected_version=0, now=T0 + 300)
    assert store.messages("s-1", now=T0 + 301) == []


str_map = st.dictionaries(st.text(min_size=1, max_size=30), st.text(max_size=100), max_size=10)


@MODEST
@given(state=str_map, extra=str_map, owner=st.none() | st.text(max_size=40))
def test_any_state_round_trips_with_its_messages(
    store: SessionStore, state: dict[str, str], extra: dict[str, str], owner: str | None
) -> None:
    session_id = fresh_id()
    record = make_record(session_id, state=state, extra=extra, owner=owner, message_count=2)
    messages = [make_message(session_id, 0), make_message(session_id, 1)]
    stored = store.save(record, expected_version=0, now=T0, messages=messages)

    loaded, window = store.load(session_id, now=T0, window=5)
    assert loaded == stored
    assert loaded is not None
    assert (loaded.state, loaded.extra, loaded.owner) == (state, extra, owner)
    assert window == messages
