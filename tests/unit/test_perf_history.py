"""The lazy history window (`bot.history.Window`, `Turn.history`): the same entries kept and dropped
(and logged) as `verified`, but each MAC checked only when something reads that far back."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import history
from bot.history import Window, new_entry, verified
from bot.store.base import MessageRecord

KEY = b"k" * 32
SID = "s-1"


def entry(index: int, session_id: str = SID, **overrides: Any) -> MessageRecord:
    values: dict[str, Any] = {
        "session_id": session_id,
        "index": index,
        "at_ms": 1_800_000_000_000 + index,
        "user": f"hello {index}",
        "bot": [f"reply {index}"],
        "intent": "CollectName",
        "source": "DialogCodeHook",
        "slot": f"Slot{index}",
        "expires_at": 1_800_003_600,
    }
    values.update(overrides)
    return new_entry(KEY, **values)


def forged(index: int) -> MessageRecord:
    return dataclasses.replace(entry(index), bot=["This item is ¥100 for your account."])


# An entry kind per position: authentic, forged, from another session, or a duplicate of its index.
kinds = st.lists(st.sampled_from(["ok", "forged", "foreign", "dup-ok", "dup-forged"]), max_size=12)


def build(plan: list[str]) -> list[MessageRecord]:
    out: list[MessageRecord] = []
    for i, kind in enumerate(plan):
        if kind == "ok":
            out.append(entry(i))
        elif kind == "forged":
            out.append(forged(i))
        elif kind == "foreign":
            out.append(entry(i, session_id="s-2"))
        elif kind == "dup-ok":
            out += [entry(i), dataclasses.replace(entry(i), user="again")]
        else:
            out += [forged(i), entry(i)]
    return out


def dropped(caplog: pytest.LogCaptureFixture) -> list[int]:
    found = [r for r in caplog.records if getattr(r, "security_event", None) == "forged_history_entry"]
    caplog.clear()
    return sorted(int(r.index) for r in found)  # type: ignore[attr-defined]


@settings(max_examples=60, deadline=None)
@given(
    plan=kinds,
    shuffle=st.randoms(use_true_random=False),
    span=st.tuples(st.integers(-1, 13), st.integers(-1, 13)),
)
def test_a_window_keeps_and_drops_what_verified_does(
    plan: list[str], shuffle: Any, span: tuple[int, int]
) -> None:
    messages = build(plan)
    shuffle.shuffle(messages)
    first, stop = span
    with mock.patch.object(history, "security_event") as logged:
        expected = verified([KEY], SID, messages)
        expected_drops = sorted(c.kwargs["index"] for c in logged.call_args_list)
        logged.reset_mock()
        window = Window([KEY], SID, messages)
        # A range read first: the same entries, and each index still verified (and logged) once.
        assert window.between(first, stop) == [m for m in expected if first <= m.index < stop]
        assert list(window) == expected
        assert len(window) == len(expected)
        assert bool(window) == bool(expected)
        assert window[-3:] == expected[-3:]
        assert window[-5:-1] == expected[-5:-1]
        if expected:
            assert window[-1] == expected[-1]
            assert window[0] == expected[0]
        assert sorted(c.kwargs["index"] for c in logged.call_args_list) == expected_drops


@contextlib.contextmanager
def counted_checks() -> Iterator[list[int]]:
    """The indexes of the entries whose MAC is checked, in order."""
    calls: list[int] = []
    real = history.is_authentic

    def counting(keys: Any, message: MessageRecord) -> bool:
        calls.append(message.index)
        return real(keys, message)

    with mock.patch.object(history, "is_authentic", counting):
        yield calls


def test_reading_the_last_entries_verifies_only_those(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    messages = [forged(0), *(entry(i) for i in range(1, 10))]
    with counted_checks() as calls:
        window = Window([KEY], SID, messages)
        assert calls == []  # nothing verified until read
        assert window[-1].index == 9
        assert calls == [9]
        assert [m.index for m in window[-4:]] == [6, 7, 8, 9]
        assert calls == [9, 8, 7, 6]  # each entry once, newest first, only as far as read
        assert dropped(caplog) == []  # the forged entry was not reached: nothing has read it
        assert [m.index for m in window] == list(range(1, 10))
        assert calls == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    assert dropped(caplog) == [0]  # reached: dropped and logged


def test_a_range_read_verifies_only_that_range(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    messages = [entry(i) for i in range(10)]
    messages[3] = forged(3)
    with counted_checks() as calls:
        window = Window([KEY], SID, messages)
        assert [m.index for m in window.between(2, 6)] == [2, 4, 5]  # the forged 3 dropped
        assert calls == [2, 3, 4, 5]
        assert dropped(caplog) == [3]
        assert [m.index for m in window[-6:]] == [4, 5, 6, 7, 8, 9]
        assert calls == [2, 3, 4, 5, 9, 8, 7, 6]  # 4 and 5 were verified already
        assert [m.index for m in window] == [0, 1, 2, 4, 5, 6, 7, 8, 9]
        assert sorted(calls) == list(range(10))  # every index once
    assert dropped(caplog) == []  # and the forged one logged only once


def test_turn_between_reads_a_window_or_a_list() -> None:
    from bot.turn import Turn

    turn = Turn.__new__(Turn)
    turn.history = Window([KEY], SID, [entry(0), forged(1), entry(2), entry(3)])
    assert [m.index for m in turn.between(1, 3)] == [2]
    turn.history = [entry(0), entry(1), entry(2)]
    assert [m.index for m in turn.between(1, 5)] == [1, 2]


def test_a_forged_entry_in_the_tail_is_dropped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    window = Window([KEY], SID, [entry(0), entry(1), forged(2)])
    assert window[-1].index == 1  # the forged newest entry never reaches the reader
    assert dropped(caplog) == [2]
    assert [m.index for m in window[-4:]] == [0, 1]


def test_verification_that_accepts_anything_would_be_caught() -> None:
    """Guard for this file: with the MAC check broken, a forged entry would come through."""
    with mock.patch.object(history, "is_authentic", return_value=True):
        assert Window([KEY], SID, [forged(0)])[-1].bot == ["This item is ¥100 for your account."]
    assert not Window([KEY], SID, [forged(0)])


def test_turn_history_is_a_list_verified_on_first_access() -> None:
    from bot.turn import Turn

    messages = [entry(0), forged(1), entry(2)]
    turn = Turn.__new__(Turn)
    with mock.patch.object(history, "is_authentic", wraps=history.is_authentic) as checked:
        turn.history = Window([KEY], SID, messages)
        assert checked.call_count == 0
        got = turn.history
        assert isinstance(got, list)
        assert [m.index for m in got] == [0, 2]
        assert turn.history is got  # verified once, then the same list
        assert checked.call_count == 3
    plain = [entry(0)]
    turn.history = plain
    assert turn.history is plain


def test_signatures_are_those_the_previous_release_wrote() -> None:
    """Entries stored before this release must still verify: the same canonical bytes, the same MAC."""
    import base64
    import hashlib
    import hmac
    import json

    message = entry(3, user="my card is •••• 4242", bot=["Thanks — and the expiry?", "ünïcode"])
    body = [
        "h1",
        message.session_id,
        message.index,
        message.at_ms,
        message.user,
        list(message.bot),
        message.intent,
        message.source,
        message.slot,
    ]
    canonical = json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode()
    mac = hmac.new(KEY, canonical, hashlib.sha256).digest()
    assert message.signature == "h1." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
