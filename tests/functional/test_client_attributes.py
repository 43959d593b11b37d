"""Session attributes that coexist (issue 11, item 1): the bot's signed state beside the client's
own attributes — Lex/Connect runtime settings survive every turn, other client attributes pass
through untrusted within a bound, card data in them is dropped, and the bot sets the capture
settings of the card slots it elicits."""

from __future__ import annotations

import io
import json
from typing import Any

from bot.attributes import ClientAttributes, capture_settings, passthrough
from bot.dev.testing import LexTestClient
from bot.pipeline import Pipeline
from tests.conftest import checked

CONNECT = {
    "x-amz-lex:audio:end-timeout-ms:CollectName:FirstName": "1200",
    "x-amz-lex:allow-interrupt:*:*": "true",
    "contactId": "c0ffee-1234",
}


def security_events(lines: io.StringIO) -> list[str]:
    return [
        e["security_event"] for e in map(json.loads, lines.getvalue().splitlines()) if "security_event" in e
    ]


def test_lex_and_contact_flow_attributes_survive_every_turn(
    app: Pipeline[Any], log_lines: io.StringIO
) -> None:
    client = LexTestClient(checked(app.handle))
    client.set_session_attributes(CONNECT)
    steps = ["payment", "John", "Smith", "4242 4242 4242 4242", "12/30", "123", "yes"]
    for number, text in enumerate(steps):
        reply = client.say(text, intent="CollectName" if number == 0 else None)
        for key, value in CONNECT.items():
            assert reply.attributes[key] == value, (text, key)
    assert reply.text_reply == "Done — your Visa ending 4242 is saved."
    assert security_events(log_lines) == []  # client attributes are not bot state: nothing forged


def test_the_card_slots_are_elicited_with_their_voice_and_keypad_capture(app: Pipeline[Any]) -> None:
    client = LexTestClient(checked(app.handle))
    client.say("payment", intent="CollectName")
    client.say("John")
    number = client.say("Smith")
    assert number.slot_to_elicit == "CardNumber"
    assert number.attributes["x-amz-lex:dtmf:max-length:CollectCard:CardNumber"] == "19"
    assert number.attributes["x-amz-lex:dtmf:end-character:CollectCard:CardNumber"] == "#"
    assert int(number.attributes["x-amz-lex:audio:end-timeout-ms:CollectCard:CardNumber"]) >= 2000
    client.say("4242 4242 4242 4242")
    code = client.say("12/30")
    assert code.slot_to_elicit == "SecurityCode"
    assert code.attributes["x-amz-lex:dtmf:max-length:CollectCard:SecurityCode"] == "4"


def test_a_client_attribute_never_becomes_bot_state(app: Pipeline[Any]) -> None:
    client = LexTestClient(checked(app.handle))
    client.say("payment", intent="CollectName")
    client.set_session_attributes({**client.session_attributes, "first_name": "Mallory", "role": "admin"})
    reply = client.say("John")
    assert reply.attributes["first_name"] == "John"  # the bot's field, from the trusted state
    assert reply.attributes["role"] == "admin"  # passed through, untrusted


def test_card_data_in_a_client_attribute_is_dropped_and_logged(
    app: Pipeline[Any], log_lines: io.StringIO
) -> None:
    client = LexTestClient(checked(app.handle))
    client.set_session_attributes(
        {"note": "card 4242 4242 4242 4242", "x-amz-lex:custom": "4000056655665556"}
    )
    reply = client.say("payment", intent="CollectName")
    assert "note" not in reply.attributes
    assert "x-amz-lex:custom" not in reply.attributes
    assert "4242" not in json.dumps(reply.response)
    assert "card_data_in_client_attributes" in security_events(log_lines)


def test_a_card_number_in_any_form_is_dropped_but_other_numbers_pass() -> None:
    sent = {
        "fullwidth": "４２４２ ４２４２ ４２４２ ４２４２",
        "spaced": "4000  0566  5566  5556",
        "spoken": "four two four two four two four two four two four two four two four two",
        "CustomerEndpointAddress": "+4930123456789",  # a phone number: long, but no card
        "contactId": "8f1e2a3b-0c4d-4e5f-9a6b-7c8d9e0f1a2b",
    }
    kept = passthrough(sent, owned=frozenset(), policy=ClientAttributes(), session_id="s-1")
    assert kept == {"CustomerEndpointAddress": "+4930123456789", "contactId": sent["contactId"]}


def test_the_policy_and_the_size_bound() -> None:
    sent = {"x-amz-lex:a": "1", "contactId": "c", "big": "x" * 10_000, "first_name": "Mallory", "": "e"}
    owned = {"first_name", "sig"}
    kept = passthrough(sent, owned=owned, policy=ClientAttributes(), session_id="s-1")
    assert kept == {"x-amz-lex:a": "1", "contactId": "c"}  # over the bound, owned, empty key: left out
    assert passthrough(sent, owned=owned, policy=ClientAttributes("lex"), session_id="s-1") == {
        "x-amz-lex:a": "1"
    }
    assert passthrough(sent, owned=owned, policy=ClientAttributes("drop"), session_id="s-1") == {}
    assert passthrough({"k": "\ud800"}, owned=owned, policy=ClientAttributes(), session_id="s-1") == {}
    roomy = ClientAttributes(max_bytes=20_000)
    assert "big" in passthrough(sent, owned=owned, policy=roomy, session_id="s-1")


def test_capture_settings_name_the_intent_and_slot() -> None:
    assert capture_settings("Pay", "Pin", dtmf_max_length=4, allow_interrupt=False) == {
        "x-amz-lex:dtmf:max-length:Pay:Pin": "4",
        "x-amz-lex:allow-interrupt:Pay:Pin": "false",
    }
