"""bot.speech and the message choke point in bot.respond: one message, three renderings; SSML
that Polly accepts, or plain redacted text."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dev.lexevents import code_hook_event
from bot.dev.simulator.ssml import ssml_errors
from bot.dialog import Message
from bot.events import LexEvent
from bot.respond import MAX_MESSAGE, _message, ssml_text
from bot.speech import (
    ACCEPT_CONTENT_TYPES,
    TEXT,
    Channel,
    Phrase,
    Say,
    channel_of,
    characters,
    digits,
    join,
    month_year,
    spell,
)

VOICE = Channel(voice=True)
CONNECT = Channel(voice=True, ssml=True)
SUMMARY = Phrase(
    text="{brand} ending {last4}, expires {expiry}, for {name}. Shall I save it?",
    voice="{brand} ending {last4}, expires {expiry}, for {name}.{pause} Shall I save it? Say yes or no.",
)


def _summary(name: str = "Ana") -> Say:
    return SUMMARY(brand="Visa", last4=digits("4242"), expiry=month_year(12, 2027), name=name)


def test_one_message_three_renderings() -> None:
    said = _summary()
    assert said.render(TEXT) == ("PlainText", "Visa ending 4242, expires 12/27, for Ana. Shall I save it?")
    assert said.render(VOICE) == (
        "PlainText",
        "Visa ending 4242, expires 12/27, for Ana. Shall I save it? Say yes or no.",
    )
    kind, ssml = said.render(CONNECT)
    assert kind == "SSML"
    assert ssml == (
        '<speak>Visa ending <say-as interpret-as="digits">4242</say-as>, expires '
        '<say-as interpret-as="date" format="my">12/2027</say-as>, for Ana.<break time="300ms"/> '
        "Shall I save it? Say yes or no.</speak>"
    )
    assert ssml_errors(ssml) == []


def test_spoken_values_and_pauses() -> None:
    assert spell("0x5290…9EE7").ssml == (
        '<say-as interpret-as="characters">0x5290</say-as> <break time="300ms"/> '
        '<say-as interpret-as="characters">9EE7</say-as>'
    )
    assert characters("AB").text == "AB"
    dash = Say.of("Done — saved.")
    assert dash.text() == "Done — saved."
    assert dash.ssml() == '<speak>Done, <break time="300ms"/> saved.</speak>'


def test_concatenation_keeps_every_rendering() -> None:
    ask = Phrase(text="Type the number.", voice="Say the number.")
    said = "Thanks." + " " + ask
    assert said.text() == "Thanks. Type the number."
    assert said.text(voice=True) == "Thanks. Say the number."
    assert join("", ask).text(voice=True) == "Say the number."  # type: ignore[union-attr]
    assert join("a", "b") == "a b"
    assert str(join("Hi", digits("42"))) == "Hi 42"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_user_text_in_a_message_gives_ssml_polly_accepts(name: str) -> None:
    kind, ssml = _summary(name).render(CONNECT)
    assert kind == "SSML"
    assert ssml_errors(ssml) == []
    root = ElementTree.fromstring(ssml)
    assert root.tag == "speak"


def test_the_channel_comes_from_the_request() -> None:
    text = LexEvent.model_validate(
        code_hook_event(session_id="s1", intent={"name": "X", "slots": {}}, text="hi")
    )
    assert channel_of(text) == TEXT
    speech = LexEvent.model_validate(
        code_hook_event(session_id="s1", intent={"name": "X", "slots": {}}, text="hi", input_mode="Speech")
    )
    assert channel_of(speech) == Channel(voice=True)
    connect = LexEvent.model_validate(
        code_hook_event(
            session_id="s1",
            intent={"name": "X", "slots": {}},
            text="1234",
            input_mode="DTMF",
            request_attributes={ACCEPT_CONTENT_TYPES: "PlainText, SSML"},
        )
    )
    assert channel_of(connect) == Channel(voice=True, ssml=True, dtmf=True)
    chat = LexEvent.model_validate(
        code_hook_event(
            session_id="s1",
            intent={"name": "X", "slots": {}},
            text="hi",
            request_attributes={ACCEPT_CONTENT_TYPES: "PlainText"},
        )
    )
    assert channel_of(chat) == TEXT


PAN = "4242424242424242"


@pytest.mark.parametrize(
    "message",
    [
        Message(Say.of(f"Your card {PAN} is saved.")),
        Message(Phrase("Card {n}.")(n=digits(PAN))),
        Message(f'<speak>Card <say-as interpret-as="digits">{PAN}</say-as>.</speak>', "SSML"),
        Message(f"<speak>Card {PAN[:8]}<break/>{PAN[8:]}.</speak>", "SSML"),
    ],
)
def test_ssml_that_would_say_a_card_number_goes_out_as_redacted_plain_text(message: Message) -> None:
    kind, content = _message(message, CONNECT)
    assert kind == "PlainText"
    assert PAN not in content.replace(" ", "")
    assert "•••• 4242" in content


def test_ssml_over_the_limit_or_malformed_falls_back_to_plain_text() -> None:
    long = Say.of("word " * 300)
    assert len(long.ssml()) > MAX_MESSAGE
    kind, content = _message(Message(long), CONNECT)
    assert kind == "PlainText"
    assert len(content) <= MAX_MESSAGE
    assert _message(Message("<speak>a <b>", "SSML"), CONNECT) == ("PlainText", "a ")
    assert (
        _message(Message('<!DOCTYPE x [<!ENTITY a "b">]><speak>&a;</speak>', "SSML"), CONNECT)[0]
        == "PlainText"
    )


def test_plain_text_messages_are_never_ssml_on_a_text_channel() -> None:
    assert _message(Message(_summary()), TEXT)[0] == "PlainText"
    assert _message(Message("plain"), CONNECT) == ("PlainText", "plain")


def test_ssml_text_reads_what_is_said() -> None:
    assert ssml_text('<speak>ending <say-as interpret-as="digits">4242</say-as></speak>') == "ending 4242"
    assert ssml_text("<p>no speak</p>") is None
