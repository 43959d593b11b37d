"""Full conversations through lambda_handler's App, as Lex would drive them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.dev.testing import LexTestClient
from bot.pipeline import Pipeline as App
from bot.store.memory import MemoryStore
from intents.flow import CARDS

YEAR = datetime.now(UTC).year
EXPIRY = f"12/{(YEAR + 3) % 100:02d}"
EXPIRY_SHOWN = EXPIRY


def start(client: LexTestClient) -> None:
    assert "first name" in client.say("I'd like to make a payment", intent="CollectName").text_reply
    client.say("John")
    assert client.say("Smith").slot_to_elicit == "CardNumber"


def enter_card(client: LexTestClient, number: str, cvc: str = "123", expiry: str = EXPIRY) -> None:
    assert client.say(number).slot_to_elicit == "ExpirationDate"
    assert client.say(expiry).slot_to_elicit == "SecurityCode"
    client.say(cvc)


def test_the_reference_conversation(client: LexTestClient, store: MemoryStore) -> None:
    reply = client.say("I'd like to make a payment", intent="CollectName")
    assert reply.text_reply == "Sure. What's the cardholder's first name?"
    assert (reply.intent_name, reply.slot_to_elicit) == ("CollectName", "FirstName")
    assert client.say("John").slot_to_elicit == "LastName"
    reply = client.say("Smith")
    assert reply.text_reply == "Thanks John. What's the card number?"
    assert (reply.intent_name, reply.slot_to_elicit) == ("CollectCard", "CardNumber")
    reply = client.say("4242 4242 4242 4241")
    assert reply.text_reply == "That number doesn't look right — please check it and say it again."
    assert reply.slot_to_elicit == "CardNumber"
    assert client.say("4242 4242 4242 4242").slot_to_elicit == "ExpirationDate"
    assert client.say(EXPIRY).slot_to_elicit == "SecurityCode"
    reply = client.say("123")
    assert reply.action == "ConfirmIntent"
    assert reply.intent_name == "Confirm"
    assert reply.text_reply == f"Visa ending 4242, expires {EXPIRY_SHOWN}, for John Smith. Shall I save it?"
    # the response that leaves CollectCard carries no card slot values
    assert reply.intent is not None
    assert reply.intent["slots"] == {}
    reply = client.say("yes")
    assert [r["sessionState"]["dialogAction"]["type"] for r in reply.responses] == ["Delegate", "Close"]
    assert reply.text_reply == "Done — your Visa ending 4242 is saved."
    assert reply.intent is not None
    assert (reply.intent["name"], reply.intent["state"]) == ("Confirm", "Fulfilled")
    attributes = reply.attributes
    assert attributes["payment_method_id"].startswith("pm_")
    assert attributes["customer_id"].startswith("cus_")
    assert attributes["status"] == "completed"
    record = store.get(client.session_id, now=int(datetime.now(UTC).timestamp()))
    assert record is not None
    # collection data is gone server-side once committed
    assert not {"first_name", "last_name", "card_last4", "card_brand", "card_exp_month"} & set(record.state)


def test_starting_with_the_card(client: LexTestClient) -> None:
    reply = client.say(
        "my card number is 4242424242424242", intent="CollectCard", slots={"CardNumber": "4242424242424242"}
    )
    assert reply.slot_to_elicit == "ExpirationDate"
    client.say(EXPIRY)
    reply = client.say("123")
    assert (reply.intent_name, reply.slot_to_elicit) == ("CollectName", "FirstName")
    assert "Visa ending 4242" in reply.text_reply
    client.say("Ada")
    reply = client.say("Lovelace")
    assert reply.action == "ConfirmIntent"
    assert "for Ada Lovelace" in reply.text_reply


def test_name_in_one_utterance(client: LexTestClient) -> None:
    reply = client.say(
        "my name is Jane Doe", intent="CollectName", slots={"FirstName": "Jane", "LastName": "Doe"}
    )
    assert reply.text_reply == "Thanks Jane. What's the card number?"


def test_spoken_card_number_and_voice_input(client: LexTestClient) -> None:
    start(client)
    spoken = "four two four two " * 4
    assert client.say(spoken, input_mode="Speech").slot_to_elicit == "ExpirationDate"
    client.say("December twenty thirty", input_mode="Speech")
    reply = client.say("one two three", input_mode="Speech")
    if reply.slot_to_elicit == "ExpirationDate":  # spoken years are a nice-to-have of the validator
        client.say(EXPIRY, input_mode="Speech")
        reply = client.say("one two three", input_mode="Speech")
    assert reply.action == "ConfirmIntent"


def test_dtmf_card_entry(client: LexTestClient) -> None:
    start(client)
    assert client.say("4242424242424242#", input_mode="DTMF").slot_to_elicit == "ExpirationDate"
    assert client.say("1299", input_mode="DTMF").slot_to_elicit in {"ExpirationDate", "SecurityCode"}


@pytest.mark.parametrize(
    ("number", "expect_slot", "fragment"),
    [
        ("4000000000000002", "CardNumber", "declined"),
        ("4000000000009995", "CardNumber", "declined"),
        ("4000000000000069", "CardNumber", "expired"),
        ("4000000000000119", "CardNumber", "couldn't be processed"),
        ("4000000000000127", "SecurityCode", "security code didn't match"),
    ],
)
def test_each_decline(client: LexTestClient, number: str, expect_slot: str, fragment: str) -> None:
    start(client)
    enter_card(client, number)
    reply = client.last
    assert reply.slot_to_elicit == expect_slot
    assert fragment in reply.text_reply
    assert "payment_method_id" not in reply.attributes
    if expect_slot == "CardNumber":  # the whole card is collected again
        assert client.say("4242424242424242").slot_to_elicit == "ExpirationDate"


def test_declined_then_another_card_succeeds(client: LexTestClient) -> None:
    start(client)
    enter_card(client, "4000000000000002")
    enter_card(client, "5555 5555 5555 4444")
    assert client.last.action == "ConfirmIntent"
    assert "Mastercard ending 4444" in client.last.text_reply


@pytest.mark.parametrize(
    ("slot_answers", "slot", "fragment"),
    [
        (["4242 4242 4242"], "CardNumber", "digits"),
        (["my card is abc"], "CardNumber", ""),
        (["４２４２４２４２４２４２４２４２"], "CardNumber", ""),
        (["4242424242424242", "01/20"], "ExpirationDate", "expired"),
        (["4242424242424242", "13/29"], "ExpirationDate", ""),
        (["4242424242424242", EXPIRY, "12"], "SecurityCode", ""),
        (["378282246310005", EXPIRY, "123"], "SecurityCode", "four digits"),
    ],
)
def test_each_validation_failure_reasks_the_same_slot(
    client: LexTestClient, slot_answers: list[str], slot: str, fragment: str
) -> None:
    start(client)
    for answer in slot_answers:
        reply = client.say(answer)
    assert reply.action == "ElicitSlot"
    assert reply.slot_to_elicit == slot
    assert fragment in reply.text_reply
    assert reply.attributes["attempts"] == f'{{"{slot}":1}}'


def test_invalid_names(client: LexTestClient) -> None:
    client.say("payment", intent="CollectName")
    reply = client.say("J0hn!")
    assert reply.slot_to_elicit == "FirstName"
    assert reply.text_reply
    client.say("Zoë")
    reply = client.say("O'Brien-Núñez")
    assert reply.slot_to_elicit == "CardNumber"
    assert "Thanks Zoë" in reply.text_reply


def test_three_failures_hand_off_politely(client: LexTestClient) -> None:
    start(client)
    client.say("1234")
    client.say("4242 4242 4242 4241")
    reply = client.say("no idea")
    assert reply.action == "Close"
    assert reply.intent is not None
    assert (reply.intent["name"], reply.intent["state"]) == ("CollectCard", "Failed")
    assert "team can help" in reply.text_reply
    assert reply.attributes["status"] == "handed_off"
    # starting again is possible, with fresh counters
    reply = client.say("make a payment", intent="CollectName")
    assert reply.slot_to_elicit == "FirstName"
    assert "attempts" not in reply.attributes


def test_denying_at_confirm_goes_back_to_the_card(client: LexTestClient) -> None:
    start(client)
    enter_card(client, "4242424242424242")
    reply = client.say("no")
    assert (reply.intent_name, reply.slot_to_elicit) == ("CollectCard", "CardNumber")
    assert "won't save" in reply.text_reply
    assert "payment_method_id" not in reply.attributes
    enter_card(client, "5555555555554444")
    assert client.say("yes").text_reply == "Done — your Mastercard ending 4444 is saved."


def test_security_code_given_early_is_dropped_and_asked_last(client: LexTestClient) -> None:
    start(client)
    reply = client.say(
        "card", intent="CollectCard", slots={"CardNumber": "4242424242424242", "SecurityCode": "123"}
    )
    assert reply.slot_to_elicit == "ExpirationDate"
    assert reply.intent is not None
    assert reply.intent["slots"]["SecurityCode"] is None
    assert client.say(EXPIRY).slot_to_elicit == "SecurityCode"


def test_intent_jumps(client: LexTestClient) -> None:
    start(client)
    client.say("4242424242424242")
    # a wallet in the middle of the card: saved, then back to the card
    reply = client.say(
        "my wallet is 0x52908400098527886E0F7030069857D2E4169EE7",
        intent="WalletAddress",
        slots={"WalletAddress": "0x52908400098527886E0F7030069857D2E4169EE7"},
    )
    assert "0x5290…9EE7" in reply.text_reply
    assert reply.intent_name == "CollectCard"
    # fallback mid-flow re-asks what is missing
    reply = client.say("what's the weather", intent="FallbackIntent")
    assert reply.action == "ElicitSlot"
    assert reply.intent_name == "CollectCard"
    # changing the name before confirming
    enter_card(client, "4242424242424242")
    assert client.last.action == "ConfirmIntent"
    reply = client.say(
        "my name is Jane Roe", intent="CollectName", slots={"FirstName": "Jane", "LastName": "Roe"}
    )
    assert reply.action == "ConfirmIntent"
    assert "for Jane Roe" in reply.text_reply


def test_fallback_outside_a_flow_says_what_the_bot_can_do(client: LexTestClient) -> None:
    reply = client.say("asdfgh", intent="FallbackIntent")
    assert reply.action == "ElicitIntent"
    assert "make a payment" in reply.text_reply


def test_unknown_intent_is_routed_to_the_fallback(client: LexTestClient) -> None:
    reply = client.say("book a flight", intent="BookFlight")
    assert reply.action == "ElicitIntent"
    assert "make a payment" in reply.text_reply


def test_wallet_store_read_back_change_and_invalid(client: LexTestClient) -> None:
    reply = client.say("what's my wallet address", intent="WalletAddress")
    assert reply.slot_to_elicit == "WalletAddress"
    assert "don't have a wallet" in reply.text_reply
    reply = client.say("0x52908400098527886e0f7030069857d2e4169ee7")
    assert reply.text_reply == "Saved — your wallet 0x5290…9EE7 is on file."
    assert reply.attributes["wallet_address"] == "0x52908400098527886E0F7030069857D2E4169EE7"
    reply = client.say("what's my wallet address?", intent="WalletAddress")
    assert reply.text_reply == "Your wallet address on file is 0x52908400098527886E0F7030069857D2E4169EE7."
    reply = client.say("change my wallet", intent="WalletAddress")
    assert reply.slot_to_elicit == "WalletAddress"
    reply = client.say("0x52908400098527886e0F7030069857D2E4169EE7")  # mixed case, bad checksum
    assert reply.slot_to_elicit == "WalletAddress"
    assert "checksum" in reply.text_reply.lower() or "check" in reply.text_reply.lower()
    reply = client.say("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
    assert reply.text_reply.startswith("Updated")
    assert reply.attributes["wallet_address"] == "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"


def test_after_completion_a_second_yes_does_not_commit_twice(app: App, client: LexTestClient) -> None:
    start(client)
    enter_card(client, "4242424242424242")
    done = client.say("yes")
    fulfillment_event = done.events[-1]
    calls: list[str] = []
    gateway = app.part(CARDS).gateway
    original = gateway.commit

    def spy(*args: object, **kwargs: object) -> object:
        calls.append("commit")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    gateway.commit = spy  # type: ignore[method-assign,assignment]
    again = app.handle(fulfillment_event)  # Lex retrying the fulfillment call
    assert calls == []
    assert again["sessionState"]["intent"]["state"] == "Fulfilled"
    assert "already saved" in again["messages"][0]["content"]


def test_a_new_flow_after_completion_keeps_the_wallet(client: LexTestClient) -> None:
    client.say(
        "x", intent="WalletAddress", slots={"WalletAddress": "0x52908400098527886E0F7030069857D2E4169EE7"}
    )
    start(client)
    enter_card(client, "4242424242424242")
    client.say("yes")
    reply = client.say("add a card", intent="CollectName")
    assert reply.slot_to_elicit == "FirstName"
    assert reply.attributes["wallet_address"] == "0x52908400098527886E0F7030069857D2E4169EE7"
    assert "customer_id" not in reply.attributes
