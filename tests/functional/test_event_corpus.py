"""Lex V2 events as published by others (tests/corpus/lexv2, sources in tests/corpus/README.md):
every one gets a real dialog step, a response in botocore's lexv2-runtime shapes and its
`x-amz-lex:*` session attributes back — from the reference bot through `lambda_handler`, and from
a corpus bot that declares the events' own intents, which must also hand their slots back as they
came (Scalar value, List values, Composite subSlots)."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.pipeline import Pipeline
from bot.security import sealing
from bot.store.memory import MemoryStore
from bot.texts import Texts
from intents.app import app as reference
from tests.conftest import TEST_SECRET
from tests.corpus import DIRECTORY, DOCUMENTED, CorpusEvent, load
from tests.corpus.app import INTENT_SLOTS, CorpusSession, intent_name
from tests.corpus.app import app as corpus_app
from tests.lex import assert_valid_lex_response

CORPUS = load()
README = DIRECTORY.parent / "README.md"
DIALOG_ACTIONS = frozenset({"Close", "ConfirmIntent", "Delegate", "ElicitIntent", "ElicitSlot"})
LEX_PREFIX = "x-amz-lex:"
APOLOGIES = frozenset(
    text
    for texts in (reference.texts, Texts())
    for text in (texts.bad_request, texts.sorry_retry, texts.sorry_later)
)


# -- reading an event's slots the way Lex means them -------------------------------------------------


def session_state(event: dict[str, Any]) -> dict[str, Any]:
    state = event.get("sessionState")
    return state if isinstance(state, dict) else {}


def event_slots(event: dict[str, Any]) -> dict[str, Any]:
    intent = session_state(event).get("intent")
    slots = intent.get("slots") if isinstance(intent, dict) else None
    return slots if isinstance(slots, dict) else {}


def shape_of(slot: dict[str, Any]) -> str:
    shape = slot.get("shape")
    return shape if shape in ("Scalar", "List", "Composite") else "Scalar"


def text_of(slot: dict[str, Any]) -> str | None:
    """interpretedValue, else originalValue (what Lex and the framework read as the slot's value)."""
    value = slot.get("value")
    if not isinstance(value, dict):
        return None
    for key in ("interpretedValue", "originalValue"):
        if isinstance(value.get(key), str):
            text: str = value[key]
            return text
    return None


def filled(slot: Any) -> bool:
    if not isinstance(slot, dict):
        return False  # null, or a slot that is not a slot ("None" in a str()-ed capture)
    values, sub_slots = slot.get("values"), slot.get("subSlots")
    return (
        bool(text_of(slot))
        or (isinstance(values, list) and any(filled(v) for v in values))
        or (isinstance(sub_slots, dict) and any(filled(v) for v in sub_slots.values()))
    )


def summary(slot: dict[str, Any]) -> dict[str, Any]:
    """A slot's shape and values as Lex sent them: what a response must hand back unchanged."""
    values, sub_slots = slot.get("values"), slot.get("subSlots")
    raw = slot.get("value")
    value: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return {
        "shape": shape_of(slot),
        "value": text_of(slot),
        "original": value.get("originalValue") or text_of(slot),
        "resolved": [v for v in value.get("resolvedValues") or [] if isinstance(v, str)],
        "values": [summary(v) for v in values if filled(v)] if isinstance(values, list) else [],
        "subSlots": {k: summary(v) for k, v in sub_slots.items() if filled(v)}
        if isinstance(sub_slots, dict)
        else {},
    }


def filled_slots(event: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: slot for name, slot in event_slots(event).items() if filled(slot)}


# -- the response in botocore's lexv2-runtime shapes ---------------------------------------------------


@cache
def runtime_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("lexv2-runtime")


def without_nulls(value: Any) -> Any:
    """A JSON null is an absent member on Lex's wire (an empty slot is `"Slot": null`)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def shape_errors(value: Any, shape_name: str) -> str:
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(without_nulls(value), runtime_model().shape_for(shape_name))
    return str(report.generate_report()) if report.has_errors() else ""


def assert_runtime_shapes(response: dict[str, Any]) -> None:
    assert shape_errors(response["sessionState"], "SessionState") == ""
    for message in response.get("messages", []):
        assert shape_errors(message, "Message") == ""


def assert_lex_attributes_kept(event: dict[str, Any], response: dict[str, Any]) -> None:
    sent = session_state(event).get("sessionAttributes")
    kept = response["sessionState"].get("sessionAttributes", {})
    for key, value in (sent if isinstance(sent, dict) else {}).items():
        if isinstance(key, str) and key.startswith(LEX_PREFIX) and isinstance(value, str):
            assert kept.get(key) == value, key


def assert_no_apology(response: dict[str, Any]) -> None:
    for message in response.get("messages", []):
        content = message.get("content", "")
        assert not any(apology in content for apology in APOLOGIES), content


# -- the corpus itself ----------------------------------------------------------------------------


def test_the_corpus_records_where_every_event_comes_from() -> None:
    assert len(CORPUS) >= 20
    readme = README.read_text(encoding="utf-8")
    for item in CORPUS:
        assert {"repo", "url", "index_file_id"} & set(item.source), item.name
        notes = item.source.get("notes")
        assert isinstance(notes, str), item.name
        assert notes, item.name
        if "repo" in item.source:
            assert item.source.get("path"), item.name
        assert item.event.get("messageVersion") == "1.0", item.name
        assert item.event.get("invocationSource") in ("DialogCodeHook", "FulfillmentCodeHook")
        assert f"`{item.name}.json`" in readme, f"{item.name} is not in tests/corpus/README.md"
    files = {p.name for p in (*DIRECTORY.iterdir(), *DOCUMENTED.iterdir())}
    assert files == {f"{item.name}.json" for item in CORPUS}
    constructed = {item.name for item in CORPUS if item.source.get("constructed")}
    assert constructed == {p.stem for p in DOCUMENTED.iterdir()}  # never mixed with published events


# -- (a) the reference bot, through the Lambda entry point -------------------------------------------


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def lambda_logs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[logging.LogRecord]]:
    """`bot.handler.lambda_handler` built from a test environment (the default BOT_APP, the reference
    bot), and every log record of the turn (kept after the handler configured logging)."""
    import bot.handler

    monkeypatch.delenv("BOT_APP", raising=False)
    monkeypatch.setenv("BOT_STORE", "memory")
    monkeypatch.setenv("PAYMENT_GATEWAY", "offline")
    monkeypatch.setenv("BOT_SIGNING_KEY", TEST_SECRET)
    monkeypatch.setenv("BOT_LOCAL_DIR", str(tmp_path / "local"))
    monkeypatch.setattr(bot.handler, "_pipeline", None)  # rebuilt from this environment, restored after
    assert bot.handler.get_app().app is reference
    keep = _Keep()
    root = logging.getLogger()
    root.addHandler(keep)
    try:
        yield keep.records
    finally:
        root.removeHandler(keep)


@pytest.mark.parametrize("item", CORPUS, ids=[item.name for item in CORPUS])
def test_the_reference_bot_answers_every_event_with_a_dialog_step(
    item: CorpusEvent, lambda_logs: list[logging.LogRecord]
) -> None:
    import bot.handler

    event = copy.deepcopy(item.event)
    response = bot.handler.lambda_handler(event, None)

    assert event == item.event  # the handler does not change the event it was given
    assert_runtime_shapes(response)
    assert_valid_lex_response(response)
    assert_lex_attributes_kept(item.event, response)
    assert_no_apology(response)
    failures = [r.getMessage() for r in lambda_logs if r.levelno >= logging.ERROR]
    assert failures == []  # nothing failed behind a valid-looking answer
    action = response["sessionState"]["dialogAction"]["type"]
    assert action in DIALOG_ACTIONS
    if intent_name(item.event) not in reference.intents:  # not the payment bot's: say what it can do
        assert response.get("messages"), action
        assert all(m.get("content") for m in response["messages"])


# -- (b) a bot that has the events' own intents ----------------------------------------------------


@pytest.fixture
def corpus_bot(settings: Settings) -> Pipeline[CorpusSession]:
    return corpus_app.build(settings, store=MemoryStore())


def expected_step(event: dict[str, Any]) -> tuple[str, str | None]:
    if event["invocationSource"] == "FulfillmentCodeHook":
        return "Close", None
    given = filled_slots(event)
    empty = [slot for slot in INTENT_SLOTS[intent_name(event)] if slot not in given]
    return ("ElicitSlot", empty[0]) if empty else ("Delegate", None)


def corpus_params() -> list[Any]:
    return [pytest.param(item, id=item.name) for item in CORPUS]


@pytest.mark.parametrize("item", corpus_params())
def test_the_events_own_intents_get_their_step_and_their_slots_back(
    item: CorpusEvent, corpus_bot: Pipeline[CorpusSession]
) -> None:
    response = corpus_bot.handle(copy.deepcopy(item.event))

    assert_valid_lex_response(response)
    assert_runtime_shapes(response)
    assert_lex_attributes_kept(item.event, response)
    assert_no_apology(response)
    state = response["sessionState"]
    action, slot = expected_step(item.event)
    assert (state["dialogAction"]["type"], state["dialogAction"].get("slotToElicit")) == (action, slot)
    assert state["intent"]["name"] == intent_name(item.event)
    if action == "Close":
        assert state["intent"]["state"] == "Fulfilled"
    returned = state["intent"].get("slots") or {}
    for name, sent in filled_slots(item.event).items():
        assert isinstance(returned.get(name), dict), f"slot {name} did not come back"
        assert summary(returned[name]) == summary(sent), name


def test_the_events_runtime_hints_come_back_when_the_bot_sets_none(
    corpus_bot: Pipeline[CorpusSession],
) -> None:
    hinted = [item for item in CORPUS if session_state(item.event).get("runtimeHints")]
    assert len(hinted) >= 3
    for item in hinted:
        sent = session_state(item.event)["runtimeHints"]
        response = corpus_bot.handle(copy.deepcopy(item.event))
        assert response["sessionState"].get("runtimeHints") == sent, item.name


# -- (c) what the documented shapes must give --------------------------------------------------------

BY_NAME = {item.name: item for item in CORPUS}


def _play(name: str) -> dict[str, Any]:
    import bot.handler

    response: dict[str, Any] = bot.handler.lambda_handler(copy.deepcopy(BY_NAME[name].event), None)
    return response


def test_a_card_keyed_on_a_connect_call_is_taken_sealed_and_answered_in_ssml(
    lambda_logs: list[logging.LogRecord],
) -> None:
    item = BY_NAME["connect-dtmf-card-number-capture-attributes"]
    response = _play(item.name)
    state = response["sessionState"]
    assert state["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "ExpirationDate"}
    sent = session_state(item.event)["sessionAttributes"]
    for key, value in sent.items():  # the contact flow's settings and its contactId, unchanged
        assert state["sessionAttributes"][key] == value
    assert state["sessionAttributes"]["x-amz-lex:dtmf:max-length:CollectCard:ExpirationDate"] == "6"
    [message] = response["messages"]
    assert message["contentType"] == "SSML"
    assert message["content"].startswith("<speak>")
    assert "expiry date" in message["content"]
    assert "4242424242424242" not in str(response)  # the number is only ever sealed
    card = state["intent"]["slots"]["CardNumber"]["value"]["interpretedValue"]
    assert sealing.is_sealed(card)


def test_a_spanish_voice_turn_is_answered_in_spanish_ssml(lambda_logs: list[logging.LogRecord]) -> None:
    response = _play("connect-speech-es-us-alternative-transcriptions")
    assert response["sessionState"]["dialogAction"]["slotToElicit"] == "LastName"
    [message] = response["messages"]
    assert message == {
        "contentType": "SSML",
        "content": "<speak>Gracias, Ana. ¿Y el apellido del titular?</speak>",
    }


def test_a_bedrock_interpretation_starts_the_flow(lambda_logs: list[logging.LogRecord]) -> None:
    response = _play("bedrock-interpretation-source")
    assert response["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "FirstName"}
    assert response["messages"][0]["content"] == "Sure. What's the cardholder's first name?"


def test_a_composite_slot_comes_back_whole_and_the_next_slot_is_asked(
    corpus_bot: Pipeline[CorpusSession],
) -> None:
    item = BY_NAME["composite-slot-car-dialog"]
    response = corpus_bot.handle(copy.deepcopy(item.event))
    state = response["sessionState"]
    assert state["dialogAction"]["slotToElicit"] == "PickUpCity"
    car = state["intent"]["slots"]["Car"]
    assert car == {
        "shape": "Composite",
        "subSlots": {
            "Make": {
                "shape": "Scalar",
                "value": {"originalValue": "Ford", "interpretedValue": "Ford", "resolvedValues": ["Ford"]},
            },
            "Model": {
                "shape": "Scalar",
                "value": {"originalValue": "Focus", "interpretedValue": "Focus", "resolvedValues": ["Focus"]},
            },
            "Year": None,
        },
    }
