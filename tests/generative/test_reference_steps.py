"""The reference bot's handlers that are not forms answer questions too: the read-back (when the
code hook is called with neither yes nor no) and the wallet's one slot."""

from __future__ import annotations

from typing import Any

from tests.generative.conftest import to_card_number


def test_a_question_at_the_read_back_is_answered_then_the_card_read_back_again(build: Any) -> None:
    _, client = build()
    c = client()
    to_card_number(c)
    c.say("4242 4242 4242 4242")
    c.say("12/30")
    assert c.say("123").action == "ConfirmIntent"
    reply = c.say("will you charge me?")  # confirmationState None: neither yes nor no
    assert reply.action == "ConfirmIntent"
    assert reply.text_reply.startswith("No. Saving a card does not charge it")
    assert "Visa ending 4242" in reply.text_reply
    assert c.say("yes").intent["state"] == "Fulfilled"


def test_a_question_at_the_wallet_prompt_is_answered_without_counting_an_attempt(build: Any) -> None:
    _, client = build()
    c = client()
    assert c.say("change my wallet", intent="WalletAddress").slot_to_elicit == "WalletAddress"
    reply = c.say("what does the wallet feature do?")
    assert reply.slot_to_elicit == "WalletAddress"
    assert "remember your crypto wallet address" in reply.text_reply
    assert reply.text_reply.endswith("40 letters and digits.")
    assert "attempts" not in c.session_attributes
    refused = c.say("not sure")
    assert refused.slot_to_elicit == "WalletAddress"
    assert c.session_attributes["attempts"] == '{"WalletAddress":1}'


def test_with_generative_help_off_the_bot_behaves_as_before(build: Any) -> None:
    _, client = build(GENERATOR="off")
    c = client()
    to_card_number(c)
    reply = c.say("is this safe?")
    assert reply.slot_to_elicit == "CardNumber"
    assert c.session_attributes["attempts"] == '{"CardNumber":1}'  # a refused value, as before
    assert "Stripe" not in reply.text_reply
    fallback = c.say("what can you do", intent="FallbackIntent")
    assert "didn't catch" in fallback.text_reply
