"""Bad input of any kind gets a clear, valid Lex response: never an exception, never lost data."""

from __future__ import annotations

import copy
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import App as BotApp
from bot.dev.testing import LexTestClient
from bot.handler import build_app
from bot.handlers import Intent
from bot.pipeline import Pipeline as App
from bot.store.base import MessageRecord, SessionRecord, StoreUnavailable
from bot.store.memory import MemoryStore
from bot.texts import Texts
from intents import collect_card
from intents.app import app as reference
from intents.session import PaymentSession
from tests.conftest import TEST_SECRET, checked
from tests.lex import assert_valid_lex_response

SORRY_LATER, SORRY_RETRY = Texts().sorry_later, Texts().sorry_retry

EXAMPLE = json.loads((Path(__file__).parents[2] / "events" / "CollectCard_DialogCodeHook.json").read_text())


def event(**changes: Any) -> dict[str, Any]:
    e: dict[str, Any] = copy.deepcopy(EXAMPLE)
    e.update(changes)
    return e


MALFORMED: dict[str, Any] = {
    "empty object": {},
    "null": None,
    "a list": [1, 2],
    "a string": "hello",
    "no sessionId": {k: v for k, v in EXAMPLE.items() if k != "sessionId"},
    "sessionId with slashes": event(sessionId="../../etc/passwd"),
    "huge sessionId": event(sessionId="a" * 10_000),
    "unknown invocationSource": event(invocationSource="Surprise"),
    "sessionState missing": {k: v for k, v in EXAMPLE.items() if k != "sessionState"},
}

# Malformed in parts the handler does not use, or can do without: the turn goes on (issue 11:
# what the handler does not use never rejects a turn; a malformed slot is an empty one).
RECOVERABLE: dict[str, Any] = {
    "non-string session attribute": event(
        sessionState={**EXAMPLE["sessionState"], "sessionAttributes": {"turn": 3}}
    ),
    "slots not a map": event(
        sessionState={**EXAMPLE["sessionState"], "intent": {"name": "CollectCard", "slots": [1]}}
    ),
    "a slot that is not a slot": event(
        sessionState={
            **EXAMPLE["sessionState"],
            "intent": {**EXAMPLE["sessionState"]["intent"], "slots": {"CardNumber": 42, "SecurityCode": "x"}},
        }
    ),
    "old confidence shape": event(
        interpretations=[{"intent": EXAMPLE["sessionState"]["intent"], "nluConfidence": {"score": 0.9}}]
    ),
    "junk interpretations and transcriptions": event(interpretations=[1, None, "x"], transcriptions="no"),
    "bot not an object": event(bot="PaymentBot"),
    "unknown input mode": event(inputMode="Telepathy"),
    "non-string request attribute": event(
        requestAttributes={"user_token": 7, "x-amz-lex:channels:platform": "web"}
    ),
    "invalid confirmation state": event(
        sessionState={
            **EXAMPLE["sessionState"],
            "intent": {**EXAMPLE["sessionState"]["intent"], "confirmationState": "Maybe"},
        }
    ),
    "proposed next state of any shape": event(proposedNextState=[1, 2]),
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_events_get_a_valid_response(app: App, raw: Any, log_lines: io.StringIO) -> None:
    response = app.handle(raw)
    assert_valid_lex_response(response)
    state = raw.get("sessionState") if isinstance(raw, dict) else None
    eliciting = isinstance(state, dict) and (state.get("dialogAction") or {}).get("type") == "ElicitSlot"
    action = response["sessionState"]["dialogAction"]
    if eliciting:  # the dialog is not dropped: the slot Lex was eliciting is asked for again
        assert isinstance(state, dict)
        assert action == {"type": "ElicitSlot", "slotToElicit": state["dialogAction"]["slotToElicit"]}
        assert response["sessionState"]["intent"]["name"] == state["intent"]["name"]
    else:
        assert action["type"] == "ElicitIntent"
    assert "make a payment" in response["messages"][0]["content"]
    assert "malformed Lex event" in log_lines.getvalue()
    sent = state.get("sessionAttributes") if isinstance(state, dict) else None
    assert response["sessionState"]["sessionAttributes"] == (sent or {})  # nothing the client had is lost
    assert "../../etc/passwd" not in str(response)
    assert "a" * 200 not in str(response)


def test_a_malformed_event_keeps_the_clients_attributes_but_never_a_card_number(
    app: App, log_lines: io.StringIO
) -> None:
    attributes = {
        "x-amz-lex:dtmf:max-length:CollectCard:CardNumber": "19",
        "contactId": "c-1",
        "sig": "v2.kept-as-sent",
        "note": "4242 4242 4242 4242",
        "turn": 3,  # not a string: not a session attribute
    }
    raw = event(
        invocationSource="Surprise", sessionState={**EXAMPLE["sessionState"], "sessionAttributes": attributes}
    )
    response = app.handle(raw)
    assert_valid_lex_response(response)
    assert response["sessionState"]["sessionAttributes"] == {
        "x-amz-lex:dtmf:max-length:CollectCard:CardNumber": "19",
        "contactId": "c-1",
        "sig": "v2.kept-as-sent",
    }
    assert "4242" not in str(response)


@pytest.mark.parametrize("raw", RECOVERABLE.values(), ids=RECOVERABLE.keys())
def test_events_malformed_in_parts_the_bot_can_do_without_get_the_next_dialog_step(
    app: App, raw: Any
) -> None:
    response = app.handle(raw)
    assert_valid_lex_response(response)
    state = response["sessionState"]
    assert state["dialogAction"]["type"] == "ElicitSlot"  # a real dialog step, not the apology
    assert state["intent"]["name"] == "CollectCard"
    assert state["dialogAction"]["slotToElicit"] in ("CardNumber", "ExpirationDate")


@pytest.mark.parametrize(
    "raw",
    [
        event(inputTranscript="x" * 1_000_000),
        event(sessionState={**EXAMPLE["sessionState"], "intent": None}),
        event(sessionState={**EXAMPLE["sessionState"], "intent": {"name": "NoSuchIntent", "slots": {}}}),
        event(
            sessionState={
                **EXAMPLE["sessionState"],
                "intent": {
                    "name": "CollectCard",
                    "slots": {
                        "CardNumber": {
                            "shape": "Scalar",
                            "value": {"originalValue": "9" * 100_000, "interpretedValue": "9" * 100_000},
                        }
                    },
                },
            }
        ),
        event(interpretations="not a list"),
        event(unexpectedNewLexField={"a": 1}),
    ],
    ids=[
        "huge transcript",
        "no intent",
        "unknown intent",
        "huge slot value",
        "bad interpretations",
        "new field",
    ],
)
def test_odd_but_parseable_events_get_a_valid_response(app: App, raw: Any) -> None:
    response = app.handle(raw)
    assert_valid_lex_response(response)


def test_every_sample_event_gets_a_valid_response(app: App) -> None:
    events = sorted((Path(__file__).parents[2] / "events").glob("*.json"))
    assert len(events) >= 10
    for path in events:
        response = app.handle(json.loads(path.read_text()))
        assert_valid_lex_response(response)


def test_a_failing_intent_handler_apologizes_and_keeps_the_trusted_state(
    settings: Any, store: MemoryStore, log_lines: io.StringIO
) -> None:
    def boom(turn: Any) -> Any:
        raise RuntimeError("kaboom while holding 4242424242424242")

    broken = BotApp(
        "PaymentBot",
        session=PaymentSession,
        texts=reference.texts,
        parts=reference.parts,
        give_up=reference.give_up,
    )
    failing = Intent[PaymentSession]("CollectCard")
    failing.dialog(boom)
    broken.add(
        failing, *(i for n, i in reference.intents.items() if n not in ("CollectCard", "FallbackIntent"))
    )
    broken.fallback(reference.intents["FallbackIntent"])
    app = broken.build(settings, store=store)
    client = LexTestClient(checked(app.handle))
    client.say("payment", intent="CollectName")
    client.say("John")
    before = client.say("Smith")
    now = int(datetime.now(UTC).timestamp())
    stored = store.get(client.session_id, now=now)
    reply = client.say("4242424242424242")
    assert reply.text_reply == SORRY_RETRY
    assert reply.slot_to_elicit == "CardNumber"  # asks again for what Lex was asking
    assert reply.attributes == before.attributes  # the last trusted state, unchanged
    assert store.get(client.session_id, now=now) == stored  # nothing persisted
    logs = log_lines.getvalue()
    assert "intent handler failed" in logs
    assert "4242424242424242" not in logs  # the traceback text is redacted too
    assert "4242424242424242" not in json.dumps(reply.responses)


class FlakyStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.fail_puts = False
        self.fail_gets = False

    def load(
        self, session_id: str, *, now: int, window: int
    ) -> tuple[SessionRecord | None, list[MessageRecord]]:
        if self.fail_gets:
            raise StoreUnavailable("throttled")
        return super().load(session_id, now=now, window=window)

    def save(self, record: SessionRecord, *, expected_version: int, now: int, **rest: Any) -> SessionRecord:
        if self.fail_puts:
            raise StoreUnavailable("throttled")
        return super().save(record, expected_version=expected_version, now=now, **rest)


@pytest.mark.parametrize("failing", ["fail_puts", "fail_gets"])
def test_a_failing_store_gets_a_graceful_message_and_loses_nothing(settings: Any, failing: str) -> None:
    store = FlakyStore()
    app = build_app(settings, store=store)
    client = LexTestClient(checked(app.handle))
    client.say("payment", intent="CollectName")
    before = client.say("John")
    setattr(store, failing, True)
    reply = client.say("Smith")
    assert reply.text_reply == SORRY_LATER
    assert reply.slot_to_elicit == "LastName"
    assert reply.attributes == before.attributes
    setattr(store, failing, False)
    assert client.say("Smith").text_reply == "Thanks John. What's the card number?"


def test_concurrent_update_is_retried_not_lost(settings: Any) -> None:
    class RacingStore(MemoryStore):
        raced = False

        def save(
            self, record: SessionRecord, *, expected_version: int, now: int, **rest: Any
        ) -> SessionRecord:
            if not self.raced and expected_version > 0:  # another turn lands first, once
                self.raced = True
                current = super().get(record.session_id, now=now)
                assert current is not None
                super().put(current, expected_version=current.version, now=now)
            return super().save(record, expected_version=expected_version, now=now, **rest)

    store = RacingStore()
    client = LexTestClient(checked(build_app(settings, store=store).handle))
    client.say("payment", intent="CollectName")
    reply = client.say("John")
    assert store.raced
    assert reply.attributes["first_name"] == "John"


def test_sixty_turns_keep_session_attributes_under_two_kilobytes(client: LexTestClient) -> None:
    client.say(
        "0x52908400098527886E0F7030069857D2E4169EE7",
        intent="WalletAddress",
        slots={"WalletAddress": "0x52908400098527886E0F7030069857D2E4169EE7"},
    )
    turns = 1
    while turns < 60:
        client.say("payment", intent="CollectName")
        client.say("Maximiliana-Josephine")
        client.say("Vandersteen-O'Callaghan")
        client.say("4242 4242 4242 4241")  # a failure, so attempts are tracked
        client.say("378282246310005")
        client.say("12/29")
        client.say("1234")
        turns += 7
        if turns < 58:
            client.say("yes")
            turns += 1
    biggest = max(len(json.dumps(e.attributes)) for e in client.history)
    assert turns >= 60
    assert biggest < 2048, biggest


def test_collect_card_module_reads_like_its_dialog() -> None:
    assert "bot: What's the card number?" in (collect_card.__doc__ or "")


def test_a_lone_surrogate_in_the_transcript_is_answered_and_stored_safely(tmp_path: Path) -> None:
    """Issue 10, item 6: `"hi \\ud800"` made the SQLite store raise UnicodeEncodeError out of
    lambda_handler. Now the turn is answered and the stored text holds U+FFFD."""
    from bot.config import Settings
    from bot.store.sqlite import SqliteStore

    settings = Settings.from_env(
        {"BOT_STORE": "sqlite", "BOT_SIGNING_KEY": TEST_SECRET, "BOT_LOCAL_DIR": str(tmp_path)}
    )
    app = build_app(settings)
    assert isinstance(app.store, SqliteStore)
    client = LexTestClient(checked(app.handle), session_id="surrogate-01")
    reply = client.say("hi \ud800", intent="FallbackIntent")
    assert reply.messages
    stored = app.store.messages("surrogate-01", now=int(datetime.now(UTC).timestamp()))
    assert stored[0].user == "hi \ufffd"
