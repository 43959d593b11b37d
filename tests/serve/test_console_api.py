"""The console's JSON API: the inspector's contents, sessions, the export, and the choke point that
keeps card numbers and security codes out of everything the page receives."""

from __future__ import annotations

import http.client
import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.dev.serve import LexServer
from bot.dev.serve.console import PageGuard
from bot.dev.simulator.conversations import load_conversation, local_simulators, run_conversation
from tests.serve.conftest import IDS

CARD = "4242 4242 4242 4242"
CVV = "737"
PAYMENT = ["I'd like to make a payment", "John", "Smith", CARD, "12/39", CVV, "yes"]


class Console:
    def __init__(self, server: LexServer) -> None:
        self.server = server
        self.received: list[bytes] = []  # every answer body the page would get

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
            connection.request(method, "/console/api" + path, body=data)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        self.received.append(raw)
        kind = response.getheader("Content-Type") or ""
        return response.status, json.loads(raw) if kind.startswith("application/json") else raw.decode()


def session_path(session: dict[str, Any]) -> str:
    return f"/sessions/{session['botAliasId']}/{session['localeId']}/{session['sessionId']}"


def assert_no_card_data(bodies: list[bytes]) -> None:
    for body in bodies:
        text = body.decode("utf-8")
        digits = re.sub(r"[\s-]", "", text)
        assert "4242424242424242" not in digits
        assert not re.search(rf"(?<![0-9A-Za-z]){CVV}(?![0-9A-Za-z])", text), text


@pytest.fixture
def console(server: LexServer) -> Console:
    return Console(server)


def play(
    console: Console, texts: list[str], mode: str = "text"
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    status, session = console.call("POST", "/sessions", {"localeId": "en_US"})
    assert status == 200
    turns = []
    for text in texts:
        status, answer = console.call("POST", session_path(session) + "/turns", {"text": text, "mode": mode})
        assert status == 200, answer
        turns.append(answer["turn"])
    return session, turns


def test_a_payment_in_the_console_shows_what_lex_shows_and_no_card_data(console: Console) -> None:
    session, turns = play(console, PAYMENT)
    assert [t["user"] for t in turns] == [
        "I'd like to make a payment",
        "John",
        "Smith",
        "•••• 4242",
        "12/39",
        "•••",
        "yes",
    ]
    card = turns[3]["inspector"]
    assert card["intent"] == "CollectCard"
    assert card["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "ExpirationDate"}
    assert card["slots"]["CardNumber"] in ("(sealed)", "•••• 4242")
    first = turns[0]["inspector"]
    assert (first["nluIntent"], first["confidence"]) == ("CollectName", pytest.approx(1.0))
    assert first["interpretations"][0] == {"intent": "CollectName", "confidence": pytest.approx(1.0)}
    assert {i["intent"] for i in first["interpretations"]} >= {"CollectCard", "FallbackIntent"}
    confirm = turns[5]
    assert "Visa ending 4242" in confirm["messages"][0]["text"]
    bot_state, client = confirm["inspector"]["botState"], confirm["inspector"]["clientAttributes"]
    assert {"sig", "status", "card_last4"} <= set(bot_state)
    assert all(key.startswith("x-amz-lex:") for key in client)
    assert not set(bot_state) & set(client)
    history = [entry for turn in turns for entry in turn["inspector"]["history"]]
    assert history, "the bot's history entries are shown"
    assert any(entry["user"] == "•••• 4242" for entry in history)
    assert turns[-1]["inspector"]["intentState"] == "Fulfilled"
    status, whole = console.call("GET", session_path(session))
    assert status == 200
    assert len(whole["turns"]) == len(PAYMENT)
    assert_no_card_data(console.received)


def test_voice_shows_the_ssml_and_the_spoken_text(console: Console) -> None:
    _, turns = play(console, ["what is my wallet"], mode="voice")
    assert turns[0]["inputMode"] == "Speech"
    _, turns = play(console, ["I'd like to make a payment", "John", "Smith"], mode="voice")
    message = turns[-1]["messages"][0]
    assert message["contentType"] in ("SSML", "PlainText")
    if message["contentType"] == "SSML":
        assert message["ssml"].startswith("<speak>")
        assert "<" not in message["text"]


def test_keypad_input_is_collected_as_lex_collects_it(console: Console) -> None:
    session, _ = play(console, ["I'd like to make a payment", "John", "Smith"])
    status, answer = console.call(
        "POST", session_path(session) + "/turns", {"text": "4242424242424242#", "mode": "dtmf"}
    )
    assert status == 200
    assert answer["turn"]["inputMode"] == "DTMF"
    assert answer["turn"]["user"] == "•••• 4242"
    assert answer["turn"]["inspector"]["dialogAction"]["slotToElicit"] == "ExpirationDate"
    assert_no_card_data(console.received)


def test_security_events_of_a_forged_session_are_shown(console: Console, lex: Any) -> None:
    session, _ = play(console, ["I'd like to make a payment", "John", "Smith"])
    state = lex.get_session(**IDS, sessionId=session["sessionId"])["sessionState"]
    state["sessionAttributes"] = {**state["sessionAttributes"], "status": "completed", "step": "done"}
    state["intent"]["slots"] = {k: v for k, v in state["intent"]["slots"].items() if v is not None}
    lex.put_session(**IDS, sessionId=session["sessionId"], sessionState=state)
    status, answer = console.call("POST", session_path(session) + "/turns", {"text": "save my card"})
    assert status == 200
    assert answer["turn"]["inspector"]["securityEvents"] == ["forged_session_attributes"]


def test_sessions_are_listed_and_reset(console: Console, lex: Any) -> None:
    session, _ = play(console, ["I'd like to make a payment"])
    lex.recognize_text(**IDS, sessionId="from-a-client", text="hello")
    listed = {s["sessionId"]: s for s in console.call("GET", "/sessions")[1]["sessions"]}
    assert {session["sessionId"], "from-a-client"} <= set(listed)
    assert listed[session["sessionId"]]["intent"] == "CollectName"
    status, answer = console.call("DELETE", session_path(session))
    assert (status, answer) == (200, {"deleted": session["sessionId"]})
    status, answer = console.call("GET", session_path(session))
    assert status == 404
    assert set(answer) == {"message"}


def test_the_export_is_a_conversation_test_that_replays(console: Console, tmp_path: Path) -> None:
    session, _ = play(console, PAYMENT)
    status, text = console.call("GET", session_path(session) + "/export")
    assert status == 200
    exported = tmp_path / "exported.yaml"
    exported.write_text(text)
    conversation = load_conversation(exported)
    assert [t.user for t in conversation.turns] == PAYMENT  # as typed: the test replays them
    assert conversation.today is not None
    report = run_conversation(conversation, local_simulators(None, "template.yaml"))
    assert report.passed, report.failures
    assert conversation.turns[-1].expect is not None
    assert conversation.turns[-1].expect.state == "Fulfilled"


@pytest.mark.parametrize(
    "body",
    [b"{nope", b"[]", {"text": 5}, {"text": "hi", "mode": "telepathy"}, b'{"text": "\\ud800"}', {"text": ""}],
)
def test_bad_console_requests_get_lex_errors(console: Console, body: Any) -> None:
    _, session = console.call("POST", "/sessions", {})
    status, answer = console.call("POST", session_path(session) + "/turns", body)
    if status == 200:  # an empty input is a turn whose error the transcript shows
        assert answer["turn"]["error"]
        return
    assert status == 400
    assert set(answer) == {"message"}
    assert "telepathy" not in answer["message"]


def test_unknown_locales_and_aliases_in_the_console(console: Console) -> None:
    status, _ = console.call("POST", "/sessions", {"localeId": "fr_FR"})
    assert status == 404
    status, _ = console.call("GET", "/sessions/OTHER/en_US/console-1")
    assert status == 404


def test_the_guard_masks_given_card_data_in_every_form() -> None:
    guard = PageGuard(cards={"4242424242424242"}, codes={"737"})
    cleaned = guard.clean(
        {
            "a": "card 4242-4242-4242-4242 and 4242 4242 4242 4242 and 4242424242424242",
            "code": "my code is 737",
            "expiry": "expires 12/39",
            "4242424242424242": ["nested 737"],
            "n": 737,
        }
    )
    text = json.dumps(cleaned, ensure_ascii=False)
    assert "4242-4242" not in text
    assert "4242 4242 4242" not in text
    assert "4242424242424242" not in text
    assert not re.search(r"(?<!\d)737(?!\d)", text)
    assert "expires 12/39" in text


def test_new_session_ids_survive_the_page_redaction() -> None:
    """A hex id with a long run of digits was masked as card-like on its way to the page."""
    import uuid
    from unittest import mock

    from bot.dev.serve import console as module
    from bot.redaction import redact_stored

    digits = mock.Mock(hex="123456789012345c" + "0" * 16)
    with mock.patch.object(uuid, "uuid4", return_value=digits):
        made = module._new_session_id()
    assert made == "console-hijklmnopghijklc"
    assert redact_stored(made) == made
    for _ in range(200):
        made = module._new_session_id()
        assert redact_stored(made) == made
