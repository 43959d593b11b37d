"""The slots the last turns asked for ride in the session record (`recent_slots`, under its MAC):
a turn knows the card number was asked for recently, and masks digit groups that may be pieces
of it, without reading a history entry. A record written before it kept them, or with an
unreadable value, falls back to the verified history: the masking is the same."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any
from unittest import mock

import pytest

from bot import history
from bot.config import Settings
from bot.dev.testing import LexTestClient
from bot.handler import build_app
from bot.persist import RECENT_SLOTS_EXTRA
from bot.security import records
from bot.store.memory import MemoryStore
from tests.conftest import TEST_SECRET, checked


def _app() -> Any:
    settings = Settings.from_env(
        {
            "BOT_STORE": "memory",
            "PAYMENT_GATEWAY": "offline",
            "BOT_SIGNING_KEY": TEST_SECRET,
            "GENERATOR": "off",  # no summary folds: nothing else reads the window here
        }
    )
    return build_app(settings, store=MemoryStore())


def _to_card_prompt(app: Any, sid: str) -> LexTestClient:
    client = LexTestClient(checked(app.handle), session_id=sid)
    client.say("I'd like to make a payment", intent="CollectName")
    client.say("John")
    client.say("Smith")
    assert client.last.slot_to_elicit == "CardNumber"
    return client


def _chunks(client: LexTestClient) -> None:
    for chunk in ("5555", "5555", "5555"):
        client.say(chunk)
    client.say("4444", intent="FallbackIntent")


def _stored_users(app: Any, sid: str) -> list[str]:
    _, messages = app.store.load(sid, now=int(app.clock()), window=50)
    return [m.user for m in messages]


def _rewrite_extra(app: Any, sid: str, change: Any) -> None:
    now = int(app.clock())
    record, _ = app.store.load(sid, now=now, window=0)
    extra = {k: v for k, v in record.extra.items() if k != records.MAC_KEY}
    changed = dataclasses.replace(record, extra=change(extra))
    records.seal(app.services.keys.signing, changed)
    app.store.save(changed, expected_version=record.version, now=now)


def _masked_after_the_prompt(users: list[str]) -> bool:
    return users[3:] == [history.CODE_MASK] * 4


def test_digit_groups_are_masked_without_reading_a_history_entry() -> None:
    app = _app()
    client = _to_card_prompt(app, "recent-1")
    with mock.patch.object(history, "is_authentic", wraps=history.is_authentic) as checked_macs:
        _chunks(client)
    assert checked_macs.call_count == 0  # no turn read the window
    assert _masked_after_the_prompt(_stored_users(app, "recent-1"))
    record, messages = app.store.load("recent-1", now=int(app.clock()), window=4)
    # what the last four history entries asked for (the third failure handed the caller off)
    assert json.loads(record.extra[RECENT_SLOTS_EXTRA]) == [m.slot for m in messages]
    assert [m.slot for m in messages] == ["CardNumber", "CardNumber", None, None]


def test_a_record_without_recent_slots_reads_the_history_and_masks_the_same() -> None:
    app = _app()
    client = _to_card_prompt(app, "recent-2")
    _rewrite_extra(app, "recent-2", lambda extra: {k: v for k, v in extra.items() if k != RECENT_SLOTS_EXTRA})
    with mock.patch.object(history, "is_authentic", wraps=history.is_authentic) as checked_macs:
        _chunks(client)
    assert checked_macs.call_count > 0  # the first turn fell back to the history window
    assert _masked_after_the_prompt(_stored_users(app, "recent-2"))


@pytest.mark.parametrize("value", ['["CardNumber"', '["CardNumber", 5]', '{"a": 1}', "null"])
def test_an_unreadable_value_reads_the_history(value: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.turn")
    app = _app()
    client = _to_card_prompt(app, "recent-3")
    _rewrite_extra(app, "recent-3", lambda extra: {**extra, RECENT_SLOTS_EXTRA: value})
    _chunks(client)
    assert _masked_after_the_prompt(_stored_users(app, "recent-3"))
    assert any("recent slots unreadable" in r.getMessage() for r in caplog.records)


def test_forged_recent_slots_are_dropped_with_the_forged_record() -> None:
    """Changing the value without the signing key breaks the record's MAC: the record's extras are
    dropped (restore), so a forger cannot turn the card context off."""
    app = _app()
    client = _to_card_prompt(app, "recent-4")
    now = int(app.clock())
    record, _ = app.store.load("recent-4", now=now, window=0)
    forged = dataclasses.replace(record, extra={**record.extra, RECENT_SLOTS_EXTRA: "[]"})
    app.store.save(forged, expected_version=record.version, now=now)
    _chunks(client)
    assert _masked_after_the_prompt(_stored_users(app, "recent-4"))


def test_the_value_never_holds_more_than_the_window_of_card_context() -> None:
    app = _app()
    client = _to_card_prompt(app, "recent-5")
    for _ in range(6):
        client.say("hmm", intent="FallbackIntent")
    record, _ = app.store.load("recent-5", now=int(app.clock()), window=0)
    assert len(json.loads(record.extra[RECENT_SLOTS_EXTRA])) == 4
