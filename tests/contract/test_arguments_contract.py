"""Argument checks, every backend: the same call is refused the same way before any backend sees it.

An invalid argument (an id, a window or limit, an index, a time, a flag) is a ValueError,
whatever is wrong with it; nothing is read or written. Before the core, the backends disagreed:
`load("")` returned nothing on memory and SQLite but raised on DynamoDB, `load(window=-1)` was
a ValueError on memory and SQLite but a TypeError on DynamoDB, SQLite raised TypeError for a
non-str session id, and memory and SQLite accepted any `now` (None, "1", -1) and any `dry_run`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from bot.store.base import Feedback, ProfileRecord

from .conftest import DAY, LONG_TTL, T0, make_message, make_record, start_session

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.store import SessionStore

BAD_SESSION_IDS: list[Any] = [
    "",
    "a",  # Lex session ids have at least 2 characters
    "x" * 101,  # ... and at most 100
    "with space",
    "with#hash",
    "ünï",
    "s-\ud800",
    "s-1\n",
    None,
    5,
    b"s-1",
    ["s-1"],
]
BAD_USER_IDS: list[Any] = ["", "u" * 257, "u-\udc00", None, 7, b"u-1"]
BAD_COUNTS: list[Any] = [-1, "1", 1.0, True, None]
BAD_NOWS: list[Any] = [-1, "1", 1.5, True, None, 2**64, 253_402_300_800]

SESSION_CALLS: dict[str, Callable[[SessionStore, Any], object]] = {
    "load": lambda s, sid: s.load(sid, now=T0, window=1),
    "get": lambda s, sid: s.get(sid, now=T0),
    "delete": lambda s, sid: s.delete(sid),
    "messages": lambda s, sid: s.messages(sid, now=T0),
    "set_message_feedback": lambda s, sid: s.set_message_feedback(sid, 0, Feedback("up"), now=T0),
    "retain": lambda s, sid: s.retain(sid, until=T0 + DAY, now=T0),
    "put": lambda s, sid: s.put(make_record(sid), expected_version=0, now=T0),
    "save": lambda s, sid: s.save(make_record(sid), expected_version=0, now=T0, messages=[]),
}

USER_CALLS: dict[str, Callable[[SessionStore, Any], object]] = {
    "get_profile": lambda s, uid: s.get_profile(uid, now=T0),
    "put_profile": lambda s, uid: s.put_profile(ProfileRecord(uid, {}, expires_at=T0 + 9), now=T0),
    "delete_profile": lambda s, uid: s.delete_profile(uid),
    "list_by_user": lambda s, uid: s.list_by_user(uid, now=T0),
}

COUNT_CALLS: dict[str, Callable[[SessionStore, Any], object]] = {
    "load(window)": lambda s, v: s.load("s-1", now=T0, window=v),
    "messages(limit)": lambda s, v: s.messages("s-1", now=T0, limit=v),
    "messages(after)": lambda s, v: s.messages("s-1", now=T0, after=-2 if v == -1 else v),
    "set_message_feedback(index)": lambda s, v: s.set_message_feedback("s-1", v, Feedback("up"), now=T0),
    "retain(until)": lambda s, v: s.retain("s-1", until=v, now=T0),
    "list_by_user(limit)": lambda s, v: s.list_by_user("user-1", now=T0, limit=0 if v == -1 else v),
    "list_by_time(limit)": lambda s, v: s.list_by_time(
        start=T0, end=T0 + 9, now=T0, limit=0 if v == -1 else v
    ),
    "list_by_time(start)": lambda s, v: s.list_by_time(start=v, end=T0, now=T0),
    "list_by_time(end)": lambda s, v: s.list_by_time(start=T0, end=v, now=T0),
    "put(expected_version)": lambda s, v: s.put(make_record(), expected_version=v, now=T0),
    "backfill_ttl(session_ttl)": lambda s, v: s.backfill_ttl(
        now=T0, session_ttl=v, profile_ttl=1, dry_run=True
    ),
    "backfill_ttl(profile_ttl)": lambda s, v: s.backfill_ttl(
        now=T0, session_ttl=1, profile_ttl=v, dry_run=True
    ),
}

NOW_CALLS: dict[str, Callable[[SessionStore, Any], object]] = {
    "load": lambda s, now: s.load("s-1", now=now, window=1),
    "save": lambda s, now: s.save(make_record(), expected_version=0, now=now),
    "get": lambda s, now: s.get("s-1", now=now),
    "put": lambda s, now: s.put(make_record(), expected_version=0, now=now),
    "messages": lambda s, now: s.messages("s-1", now=now),
    "set_message_feedback": lambda s, now: s.set_message_feedback("s-1", 0, Feedback("up"), now=now),
    "retain": lambda s, now: s.retain("s-1", until=T0 + DAY, now=now),
    "get_profile": lambda s, now: s.get_profile("user-1", now=now),
    "put_profile": lambda s, now: s.put_profile(ProfileRecord("user-1", {}, expires_at=T0 + 9), now=now),
    "list_by_user": lambda s, now: s.list_by_user("user-1", now=now),
    "list_by_time": lambda s, now: s.list_by_time(start=T0, end=T0 + 9, now=now),
    "backfill_ttl": lambda s, now: s.backfill_ttl(now=now, session_ttl=1, profile_ttl=1, dry_run=True),
}


def assert_refused(
    store: SessionStore,
    calls: dict[str, Callable[[SessionStore, Any], object]],
    values: list[Any],
    *,
    match: str | None = None,
) -> None:
    """Every call with every value raises ValueError (naming `match`), and nothing changes."""
    before = snapshot(store)
    accepted: list[tuple[str, Any]] = []
    messages: list[tuple[str, Any, str]] = []
    for label, call in calls.items():
        for value in values:
            try:
                call(store, value)
            except ValueError as exc:
                messages.append((label, value, str(exc)))
            else:
                accepted.append((label, value))
    assert accepted == []
    assert [m for m in messages if match is not None and match not in m[2]] == []
    assert snapshot(store) == before


def snapshot(store: SessionStore) -> object:
    """What the refused calls must leave untouched."""
    return (
        store.load("s-1", now=T0, window=10),
        store.get_profile("user-1", now=T0),
        store.list_by_user("user-1", now=T0).items,
    )


@pytest.fixture
def seeded(store: SessionStore) -> SessionStore:
    start_session(store, count=2)
    store.put_profile(ProfileRecord("user-1", {"k": "v"}, expires_at=T0 + LONG_TTL), now=T0)
    return store


def test_load_of_an_empty_session_id_is_a_value_error(store: SessionStore) -> None:
    with pytest.raises(ValueError, match="session_id"):
        store.load("", now=T0, window=1)


def test_load_with_a_negative_window_is_a_value_error(seeded: SessionStore) -> None:
    with pytest.raises(ValueError, match="window"):
        seeded.load("s-1", now=T0, window=-1)


def test_invalid_session_ids_are_value_errors(seeded: SessionStore) -> None:
    assert_refused(seeded, SESSION_CALLS, BAD_SESSION_IDS, match="session_id")


def test_invalid_user_ids_are_value_errors(seeded: SessionStore) -> None:
    assert_refused(seeded, USER_CALLS, BAD_USER_IDS, match="user_id")


def test_the_longest_ids_are_accepted(store: SessionStore) -> None:
    session_id, user_id = "s" * 100, "ü" * 256
    stored = store.put(make_record(session_id, owner=user_id), expected_version=0, now=T0)
    profile = store.put_profile(ProfileRecord(user_id, {"k": "v"}, expires_at=T0 + 9), now=T0)

    assert store.get(session_id, now=T0) == stored
    assert store.list_by_user(user_id, now=T0).items == [stored]
    assert store.get_profile(user_id, now=T0) == profile


def test_invalid_counts_and_times_are_value_errors(seeded: SessionStore) -> None:
    assert_refused(seeded, COUNT_CALLS, BAD_COUNTS)


TOO_LARGE: dict[str, Callable[[SessionStore, Any], object]] = {
    "window": lambda s, _: s.load("s-1", now=T0, window=2**31 - 1),
    "messages(limit)": lambda s, _: s.messages("s-1", now=T0, limit=2**31 - 1),
    "list_by_user(limit)": lambda s, _: s.list_by_user("user-1", now=T0, limit=2**31 - 1),
    "list_by_time(limit)": lambda s, _: s.list_by_time(start=T0, end=T0 + 9, now=T0, limit=2**31 - 1),
    "list_by_time(end)": lambda s, _: s.list_by_time(start=T0, end=253_402_300_800, now=T0),
    "retain(until)": lambda s, _: s.retain("s-1", until=2**63, now=T0),
    "put(expected_version)": lambda s, _: s.put(make_record(), expected_version=2**63 - 1, now=T0),
}


def test_numbers_beyond_what_every_backend_can_take_are_value_errors(seeded: SessionStore) -> None:
    """Before: SQLite overflowed (its INTEGER is 64-bit), DynamoDB's day keys and Limit broke."""
    assert_refused(seeded, TOO_LARGE, [None])


def test_an_invalid_now_is_a_value_error(seeded: SessionStore) -> None:
    assert_refused(seeded, NOW_CALLS, BAD_NOWS, match="now")


@pytest.mark.parametrize("flag", [1, 0, "yes", None])
def test_flags_must_be_bools(store: SessionStore, flag: object) -> None:
    with pytest.raises(ValueError, match="dry_run"):
        store.backfill_ttl(now=T0, session_ttl=1, profile_ttl=1, dry_run=flag)  # type: ignore[arg-type]
    if flag is not None:
        with pytest.raises(ValueError, match="has_feedback"):
            store.list_by_time(start=T0, end=T0 + 9, now=T0, has_feedback=flag)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="has_review"):
            store.list_by_time(start=T0, end=T0 + 9, now=T0, has_review=flag)  # type: ignore[arg-type]


def test_feedback_must_be_a_valid_feedback(seeded: SessionStore) -> None:
    """Before: DynamoDB refused a bad rating, memory and SQLite answered False."""
    with pytest.raises(TypeError):
        seeded.set_message_feedback("s-1", 0, "up", now=T0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rating"):
        seeded.set_message_feedback("s-1", 0, Feedback("meh"), now=T0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        seeded.set_message_feedback("s-1", 0, Feedback("up", comment=5), now=T0)  # type: ignore[arg-type]
    assert [m.feedback for m in seeded.messages("s-1", now=T0)] == [None, None]


def test_an_index_beyond_any_message_is_no_such_message(seeded: SessionStore) -> None:
    assert seeded.set_message_feedback("s-1", 10**10, Feedback("up"), now=T0) is False
    assert seeded.set_message_feedback("s-1", 2**62, Feedback("up"), now=T0) is False
    assert seeded.messages("s-1", now=T0, after=10**10) == []


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        pytest.param({"expires_at": 2**63}, ValueError, id="expiry-too-large"),
        pytest.param({"expires_at": -1}, ValueError, id="negative-expiry"),
        pytest.param({"message_count": True}, TypeError, id="bool-count"),
        pytest.param({"created_at": 1.5}, TypeError, id="float-created-at"),
        pytest.param({"has_feedback": 1}, TypeError, id="int-flag"),
        pytest.param({"review": "ok"}, TypeError, id="review-not-a-review"),
        pytest.param({"state": None}, TypeError, id="state-none"),
        pytest.param({"owner": "u-\ud800"}, ValueError, id="owner-lone-surrogate"),
        pytest.param({"session_id": "x" * 101}, ValueError, id="session-id-too-long"),
    ],
)
def test_unstorable_records_are_refused_everywhere(
    store: SessionStore, changes: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        store.put(make_record(**changes), expected_version=0, now=T0)
    assert store.get("s-1", now=T0) is None


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        pytest.param({"x": 1}, TypeError, id="not-a-message"),
        pytest.param(make_message("s-1", 10**10), ValueError, id="index-too-large"),
        pytest.param(make_message("s-1", 0, bot=("a",)), TypeError, id="bot-tuple"),
        pytest.param(make_message("s-1", 0, signature=None), TypeError, id="signature-none"),
        pytest.param(make_message("s-1", 0, feedback=Feedback("meh")), ValueError, id="bad-rating"),  # type: ignore[arg-type]
    ],
)
def test_unstorable_messages_are_refused_everywhere(
    store: SessionStore, bad: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        store.save(make_record(message_count=1), expected_version=0, now=T0, messages=[bad])
    assert store.get("s-1", now=T0) is None


def test_messages_must_be_a_list_or_tuple_and_a_profile_a_profile(store: SessionStore) -> None:
    with pytest.raises(TypeError):
        store.save(make_record(), expected_version=0, now=T0, messages=iter([]))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.save(make_record(), expected_version=0, now=T0, profile={"data": {}})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.put({"session_id": "s-1"}, expected_version=0, now=T0)  # type: ignore[arg-type]
    assert store.get("s-1", now=T0) is None
