"""One contract, every backend: memory, sqlite, DynamoDB (in-process moto and moto's HTTP server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bot.store import SessionRecord, VersionConflict
from bot.store.base import Feedback, Review

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.store import SessionStore

NOW = 1_700_000_000
TTL = 3600


def record(session_id: str = "s-1", **changes: object) -> SessionRecord:
    values: dict[str, object] = {
        "session_id": session_id,
        "state": {"step": "collect_amount", "amount": "12.50"},
        "expires_at": NOW + TTL,
        "owner": "user-7",
        "extra": {"channel": "voice"},
    }
    values.update(changes)
    return SessionRecord(**values)  # type: ignore[arg-type]


def test_get_absent_is_none(store: SessionStore) -> None:
    assert store.get("nobody", now=NOW) is None


def test_put_new_stores_version_1(store: SessionStore) -> None:
    stored = store.put(record(), expected_version=0, now=NOW)

    assert stored == record(version=1, updated_at=NOW, created_at=NOW)
    assert store.get("s-1", now=NOW + 1) == stored


def test_put_increments_version(store: SessionStore) -> None:
    first = store.put(record(), expected_version=0, now=NOW)
    second = store.put(record(state={"step": "confirm"}), expected_version=first.version, now=NOW + 5)

    assert (second.version, second.updated_at, second.state) == (2, NOW + 5, {"step": "confirm"})
    assert store.get("s-1", now=NOW + 6) == second


def test_put_ignores_version_and_updated_at_on_the_input(store: SessionStore) -> None:
    stored = store.put(record(version=41, updated_at=3), expected_version=0, now=NOW)

    assert (stored.version, stored.updated_at) == (1, NOW)


def test_put_with_stale_version_conflicts_and_keeps_the_stored_record(store: SessionStore) -> None:
    store.put(record(), expected_version=0, now=NOW)
    current = store.put(record(state={"step": "b"}), expected_version=1, now=NOW + 1)

    with pytest.raises(VersionConflict):
        store.put(record(state={"step": "stale"}), expected_version=1, now=NOW + 2)

    assert store.get("s-1", now=NOW + 3) == current


def test_put_new_when_record_exists_conflicts(store: SessionStore) -> None:
    existing = store.put(record(), expected_version=0, now=NOW)

    with pytest.raises(VersionConflict):
        store.put(record(state={"other": "writer"}), expected_version=0, now=NOW + 1)

    assert store.get("s-1", now=NOW + 2) == existing


def test_put_with_version_when_absent_conflicts(store: SessionStore) -> None:
    with pytest.raises(VersionConflict):
        store.put(record(), expected_version=1, now=NOW)

    assert store.get("s-1", now=NOW) is None


def test_put_with_version_ahead_of_stored_conflicts(store: SessionStore) -> None:
    store.put(record(), expected_version=0, now=NOW)

    with pytest.raises(VersionConflict):
        store.put(record(), expected_version=2, now=NOW)


def test_expiry_boundary_on_read(store: SessionStore) -> None:
    stored = store.put(record(expires_at=NOW + 10), expected_version=0, now=NOW)

    assert store.get("s-1", now=NOW + 9) == stored
    assert store.get("s-1", now=NOW + 10) is None  # expires_at <= now is expired
    assert store.get("s-1", now=NOW + 11) is None


def test_expired_record_counts_as_absent_for_put(store: SessionStore) -> None:
    store.put(record(expires_at=NOW + 10), expected_version=0, now=NOW)
    store.put(record(expires_at=NOW + 10), expected_version=1, now=NOW + 1)  # version 2, still expiring

    # Once expired, the old version is gone: writing against it conflicts ...
    with pytest.raises(VersionConflict):
        store.put(record(expires_at=NOW + 100), expected_version=2, now=NOW + 10)
    # ... and a fresh session (expected 0) may take its place, starting again at version 1.
    fresh = store.put(record(state={"fresh": "yes"}, expires_at=NOW + 100), expected_version=0, now=NOW + 10)

    assert fresh.version == 1
    assert store.get("s-1", now=NOW + 11) == fresh


def test_live_record_still_conflicts_one_second_before_expiry(store: SessionStore) -> None:
    store.put(record(expires_at=NOW + 10), expected_version=0, now=NOW)

    with pytest.raises(VersionConflict):
        store.put(record(), expected_version=0, now=NOW + 9)
    assert store.put(record(), expected_version=1, now=NOW + 9).version == 2


LARGE = "x" * 10_000 + "é" * 100


@pytest.mark.parametrize(
    ("state", "owner", "extra"),
    [
        pytest.param({}, None, {}, id="empty"),
        pytest.param({"a": "", "b": " "}, "", {"e": ""}, id="empty-strings"),
        pytest.param(
            {
                "名前": "山田 太郎",
                "emoji": "💳🔒",
                "rtl": "שלום",
                "combining": "e\u0301",
                "ctl": 'a\tb\nc"d\\',
            },
            "ユーザー",
            {"ключ": "значение"},
            id="unicode",
        ),
        pytest.param({"big": LARGE, "json": '{"not": "parsed"}'}, "u" * 200, {"big": LARGE}, id="large"),
        pytest.param({f"k{i:03d}": str(i) for i in range(200)}, "o", {"n": "1"}, id="many-keys"),
        pytest.param({"#": "SESSION#x", "a.b": "c", "$": "{}"}, "#", {"M": "S"}, id="awkward-keys"),
    ],
)
def test_round_trip_is_exact(
    store: SessionStore, state: dict[str, str], owner: str | None, extra: dict[str, str]
) -> None:
    stored = store.put(record(state=state, owner=owner, extra=extra), expected_version=0, now=NOW)
    loaded = store.get("s-1", now=NOW)

    assert loaded == stored
    assert loaded is not None
    assert (loaded.state, loaded.owner, loaded.extra) == (state, owner, extra)
    assert type(loaded.owner) is type(owner)


@pytest.mark.parametrize(
    "session_id", ["ab", "STATE", "PROFILE", "MSG:0000000001", "a.b:c-d_e", "x" * 100, "0123456789"]
)
def test_session_ids_are_opaque(store: SessionStore, session_id: str) -> None:
    stored = store.put(record(session_id), expected_version=0, now=NOW)

    assert store.get(session_id, now=NOW) == stored


def test_sessions_are_independent(store: SessionStore) -> None:
    a = store.put(record("s-a", state={"who": "a"}), expected_version=0, now=NOW)
    b = store.put(record("s-b", state={"who": "b"}), expected_version=0, now=NOW)
    store.delete("s-a")

    assert store.get("s-a", now=NOW) is None
    assert store.get("s-b", now=NOW) == b
    assert a.version == b.version == 1


def test_delete_is_idempotent(store: SessionStore) -> None:
    assert store.delete("s-1") == 0  # absent: fine
    store.put(record(), expected_version=0, now=NOW)
    assert store.delete("s-1") == 1  # the record (no messages)
    assert store.delete("s-1") == 0

    assert store.get("s-1", now=NOW) is None
    assert store.put(record(), expected_version=0, now=NOW).version == 1


def test_returned_records_are_not_aliased(store: SessionStore) -> None:
    given = record()
    stored = store.put(given, expected_version=0, now=NOW)
    expected = record(version=1, updated_at=NOW, created_at=NOW)

    given.state["step"] = "mutated input"
    given.extra["x"] = "y"
    stored.state["step"] = "mutated output"
    stored.extra.clear()
    loaded = store.get("s-1", now=NOW)
    assert loaded == expected

    assert loaded is not None
    loaded.state.clear()
    loaded.version = 99
    assert store.get("s-1", now=NOW) == expected


def test_put_ignores_created_at_on_a_new_record_and_keeps_the_callers_afterwards(store: SessionStore) -> None:
    first = store.put(record(created_at=5), expected_version=0, now=NOW)
    second = store.put(first, expected_version=1, now=NOW + 10)

    assert (first.created_at, second.created_at, second.updated_at) == (NOW, NOW, NOW + 10)
    assert store.get("s-1", now=NOW + 11) == second


def test_bookkeeping_and_admin_fields_round_trip(store: SessionStore) -> None:
    first = store.put(record(), expected_version=0, now=NOW)
    changed = record(
        version=first.version,
        created_at=first.created_at,
        message_count=12,
        title="Card payment — Zoë",
        feedback=Feedback("down", "too many questions 😕", at=NOW + 3),
        review=Review("ops-ünï", "needs-fix", notes="line 1\nline 2", at=NOW + 4),
        has_feedback=True,
    )

    stored = store.put(changed, expected_version=1, now=NOW + 5)

    expected = record(
        version=2,
        updated_at=NOW + 5,
        created_at=NOW,
        message_count=12,
        title="Card payment — Zoë",
        feedback=Feedback("down", "too many questions 😕", at=NOW + 3),
        review=Review("ops-ünï", "needs-fix", notes="line 1\nline 2", at=NOW + 4),
        has_feedback=True,
    )
    assert stored == expected
    assert store.get("s-1", now=NOW + 6) == expected
    assert store.load("s-1", now=NOW + 6, window=3) == (expected, [])


@pytest.mark.parametrize(
    ("feedback", "review"),
    [
        pytest.param(Feedback("up"), None, id="feedback-defaults"),
        pytest.param(None, Review("r", "v"), id="review-defaults"),
        pytest.param(Feedback("up", "", at=0), Review("r", "", notes="", at=0), id="empty-strings"),
    ],
)
def test_admin_fields_with_defaults_round_trip(
    store: SessionStore, feedback: Feedback | None, review: Review | None
) -> None:
    stored = store.put(record(feedback=feedback, review=review, title=""), expected_version=0, now=NOW)

    loaded = store.get("s-1", now=NOW)
    assert loaded == stored
    assert loaded is not None
    assert (loaded.feedback, loaded.review, loaded.title) == (feedback, review, "")


def test_put_does_not_modify_its_argument(store: SessionStore) -> None:
    given = record()
    store.put(given, expected_version=0, now=NOW)

    assert given == record()


def test_stores_on_the_same_data_see_each_other(store_factory: Callable[[], SessionStore]) -> None:
    first, second = store_factory(), store_factory()
    stored = first.put(record(), expected_version=0, now=NOW)

    assert second.get("s-1", now=NOW) == stored
    with pytest.raises(VersionConflict):
        second.put(record(), expected_version=0, now=NOW)


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        pytest.param(record(state={"": "empty key"}), ValueError, id="empty-state-key"),
        pytest.param(record(extra={"": "x"}), ValueError, id="empty-extra-key"),
        pytest.param(record(state={"n": 1}), TypeError, id="non-str-value"),
        pytest.param(record(owner=7), TypeError, id="non-str-owner"),
        pytest.param(record(session_id=""), ValueError, id="empty-session-id"),
    ],
)
def test_unstorable_records_are_refused_everywhere(
    store: SessionStore, bad: SessionRecord, error: type[Exception]
) -> None:
    with pytest.raises(error):
        store.put(bad, expected_version=0, now=NOW)


def test_negative_expected_version_is_refused(store: SessionStore) -> None:
    with pytest.raises(ValueError, match="expected_version"):
        store.put(record(), expected_version=-1, now=NOW)
