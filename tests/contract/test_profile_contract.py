"""Profile contract, every backend: what is remembered about a verified user across sessions."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.redaction import redact_stored
from bot.store.base import ProfileRecord, VersionConflict
from bot.store.layout import copy_profile, copy_record

from .conftest import LONG_TTL, T0, fresh_id, make_message, make_record, start_session

if TYPE_CHECKING:
    from bot.store import SessionStore

DATA = {"wallet_address": "0x52908400098527886E0F7030069857D2E4169EE7", "cardholder_name": "Zoë 山田"}


def profile(user_id: str = "user-1", **changes: object) -> ProfileRecord:
    values: dict[str, object] = {"user_id": user_id, "data": dict(DATA), "expires_at": T0 + LONG_TTL}
    values.update(changes)
    return ProfileRecord(**values)  # type: ignore[arg-type]


def test_get_absent_profile_is_none(store: SessionStore) -> None:
    assert store.get_profile("nobody", now=T0) is None


def test_put_then_get_round_trips(store: SessionStore) -> None:
    stored = store.put_profile(profile(), now=T0)

    assert stored == profile(version=1, updated_at=T0)
    assert store.get_profile("user-1", now=T0 + 1) == stored


def test_put_increments_the_version(store: SessionStore) -> None:
    first = store.put_profile(profile(), now=T0)
    second = store.put_profile(replace(first, data={"locale": "fr-FR"}), now=T0 + 5)

    assert (second.version, second.updated_at, second.data) == (2, T0 + 5, {"locale": "fr-FR"})
    assert store.get_profile("user-1", now=T0 + 6) == second


def test_put_is_unconditional(store: SessionStore) -> None:
    first = store.put_profile(profile(), now=T0)
    store.put_profile(replace(first, data={"v": "2"}), now=T0 + 1)

    latest = store.put_profile(first, now=T0 + 2)  # a stale copy: last writer wins, no conflict

    assert store.get_profile("user-1", now=T0 + 3) == latest
    assert latest.data == DATA
    assert latest.updated_at == T0 + 2


def test_put_ignores_version_and_updated_at_on_a_new_profile(store: SessionStore) -> None:
    stored = store.put_profile(profile(version=0, updated_at=5), now=T0)

    assert (stored.version, stored.updated_at) == (1, T0)


def test_an_expired_profile_is_absent_and_a_put_refreshes_it(store: SessionStore) -> None:
    stored = store.put_profile(profile(expires_at=T0 + 100), now=T0)

    assert store.get_profile("user-1", now=T0 + 99) == stored
    assert store.get_profile("user-1", now=T0 + 100) is None

    refreshed = store.put_profile(profile(expires_at=T0 + 10_000), now=T0 + 200)
    assert refreshed.expires_at == T0 + 10_000
    assert store.get_profile("user-1", now=T0 + 5_000) == refreshed


def test_a_put_before_expiry_extends_it(store: SessionStore) -> None:
    first = store.put_profile(profile(expires_at=T0 + 100), now=T0)
    second = store.put_profile(copy_profile(first, expires_at=T0 + 1_000), now=T0 + 50)

    assert store.get_profile("user-1", now=T0 + 500) == second
    assert second.version == 2


def test_delete_profile_is_idempotent(store: SessionStore) -> None:
    store.delete_profile("nobody")
    store.put_profile(profile(), now=T0)
    store.put_profile(profile("user-2"), now=T0)

    store.delete_profile("user-1")
    store.delete_profile("user-1")

    assert store.get_profile("user-1", now=T0) is None
    assert store.get_profile("user-2", now=T0) is not None
    assert store.put_profile(profile(), now=T0 + 1).version == 1


def test_profiles_and_sessions_do_not_collide(store: SessionStore) -> None:
    session = start_session(store, "user-1", count=1)
    stored = store.put_profile(profile("user-1"), now=T0)

    assert store.get("user-1", now=T0) == session
    store.delete("user-1")
    assert store.get_profile("user-1", now=T0) == stored
    store.delete_profile("user-1")
    assert store.delete("user-1") == 0


def test_save_with_a_profile_writes_it(store: SessionStore) -> None:
    session = store.save(make_record(message_count=0), expected_version=0, now=T0, profile=profile())
    assert store.get_profile("user-1", now=T0) == profile(version=1, updated_at=T0)

    loaded = store.get_profile("user-1", now=T0 + 1)
    assert loaded is not None
    store.save(
        copy_record(session, message_count=1),
        expected_version=1,
        now=T0 + 10,
        messages=[make_message("s-1", 0)],
        profile=replace(loaded, data={"locale": "de-DE"}),
    )
    assert store.get_profile("user-1", now=T0 + 11) == profile(
        version=2, updated_at=T0 + 10, data={"locale": "de-DE"}
    )


def test_save_writes_a_stale_profile_unconditionally(store: SessionStore) -> None:
    store.put_profile(profile(), now=T0)
    store.put_profile(profile(version=1), now=T0 + 1)  # stored version 2

    store.save(make_record(), expected_version=0, now=T0 + 2, profile=profile(data={"who": "late"}))

    # last writer wins; the version counts stored writes
    assert store.get_profile("user-1", now=T0 + 3) == profile(
        version=3, updated_at=T0 + 2, data={"who": "late"}
    )


def test_a_failed_save_writes_no_profile(store: SessionStore) -> None:
    start_session(store)
    before = store.put_profile(profile(), now=T0)

    with pytest.raises(VersionConflict):
        store.save(make_record(), expected_version=0, now=T0 + 5, profile=profile(data={"x": "y"}))

    assert store.get_profile("user-1", now=T0 + 6) == before


def test_profiles_are_copied_in_and_out(store: SessionStore) -> None:
    given_profile = profile()
    stored = store.put_profile(given_profile, now=T0)
    expected = profile(version=1, updated_at=T0)

    assert given_profile == profile()  # the argument is not modified
    given_profile.data["wallet_address"] = "mutated input"
    stored.data.clear()
    loaded = store.get_profile("user-1", now=T0)
    assert loaded == expected
    assert loaded is not None
    loaded.data["x"] = "mutated output"
    loaded.version = 99
    assert store.get_profile("user-1", now=T0) == expected


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        pytest.param(profile(""), ValueError, id="empty-user-id"),
        pytest.param(profile(data={"": "x"}), ValueError, id="empty-data-key"),
        pytest.param(profile(data={"n": 1}), TypeError, id="non-str-value"),
        pytest.param(profile(expires_at="soon"), TypeError, id="str-expiry"),
    ],
)
def test_unstorable_profiles_are_refused(
    store: SessionStore, bad: ProfileRecord, error: type[Exception]
) -> None:
    with pytest.raises(error):
        store.put_profile(bad, now=T0)
    with pytest.raises(error):
        store.save(make_record(), expected_version=0, now=T0, profile=bad)

    assert store.get("s-1", now=T0) is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.text(min_size=1, max_size=30), st.text(max_size=120), max_size=8))
def test_any_profile_data_round_trips(store: SessionStore, data: dict[str, str]) -> None:
    user_id = fresh_id("u")
    stored = store.put_profile(ProfileRecord(user_id, data, expires_at=T0 + LONG_TTL), now=T0)

    # values pass the store's card-data choke point (keys are names: kept as they are)
    assert stored.data == {key: redact_stored(value) for key, value in data.items()}
    assert store.get_profile(user_id, now=T0) == stored


# -- an expired profile is absent: writing over it starts again at version 1 -----------------------
# (before the core, memory and SQLite counted on from the expired version: 2, 3, ...; DynamoDB's
# put_profile started at 1 but its save counted on)


def test_put_profile_over_an_expired_profile_starts_again_at_version_1(store: SessionStore) -> None:
    store.put_profile(profile(expires_at=T0 + 100), now=T0)
    assert store.put_profile(profile(expires_at=T0 + 100), now=T0 + 1).version == 2

    again = store.put_profile(profile(expires_at=T0 + 10_000), now=T0 + 100)  # expired at T0 + 100

    assert (again.version, again.updated_at) == (1, T0 + 100)
    assert store.get_profile("user-1", now=T0 + 101) == again
    assert store.put_profile(again, now=T0 + 102).version == 2


def test_save_over_an_expired_profile_starts_it_again_at_version_1(store: SessionStore) -> None:
    store.put_profile(profile(expires_at=T0 + 100), now=T0)
    store.put_profile(profile(expires_at=T0 + 100), now=T0 + 1)  # version 2, expires at T0 + 100

    session = store.save(make_record(), expected_version=0, now=T0 + 200, profile=profile(data={"v": "1"}))

    assert store.get_profile("user-1", now=T0 + 201) == profile(
        version=1, updated_at=T0 + 200, data={"v": "1"}
    )
    store.save(session, expected_version=1, now=T0 + 300, profile=profile(data={"v": "2"}))
    assert store.get_profile("user-1", now=T0 + 301) == profile(
        version=2, updated_at=T0 + 300, data={"v": "2"}
    )
