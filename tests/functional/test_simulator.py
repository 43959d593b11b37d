"""The template-driven Lex V2 simulator: NLU from the sample utterances, slot resolution, Lex's
dialog management around the code hooks, and Lex's checks of a code-hook response."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.dev.simulator import BotDefinitionError, InvalidLambdaResponse, LexSimulator, load_definition
from bot.dev.simulator.checks import response_errors
from bot.dev.simulator.definition import BotDefinition
from bot.dev.simulator.nlu import recognizer_for
from bot.dev.simulator.slots import example_value, parse_date, parse_number, resolve_slot
from bot.dev.vocab import confirmation_answer, normalize
from bot.pipeline import Pipeline as App

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
YEAR = datetime.now(UTC).year
EXPIRY = f"12/{(YEAR + 4) % 100:02d}"
WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"
PLAUSIBLE = {
    "FirstName": "John",
    "LastName": "Smith",
    "CardNumber": "4242424242424242",
    "ExpirationDate": EXPIRY,
    "SecurityCode": "123",
    "WalletAddress": WALLET,
}
Event = dict[str, Any]


@pytest.fixture
def definition() -> BotDefinition:
    return load_definition(TEMPLATE)


@pytest.fixture
def sim(app: App) -> LexSimulator:
    return LexSimulator.from_template(TEMPLATE, handler=app.handle)


# A small bot of its own for Lex's mechanics (regex filters, a custom type, priorities, retries,
# a confirmation and closing response without code hooks), independent of the product template.
MINI_TEMPLATE = """
Resources:
  Other:
    Type: AWS::SNS::Topic
  Mini:
    Type: AWS::Lex::Bot
    Properties:
      Name: !Sub "${AWS::StackName}-Mini"
      IdleSessionTTLInSeconds: 300
      BotLocales:
        - LocaleId: en_US
          NluConfidenceThreshold: 0.5
          SlotTypes:
            - Name: PanType
              ParentSlotTypeSignature: AMAZON.AlphaNumeric
              ValueSelectionSetting:
                ResolutionStrategy: ORIGINAL_VALUE
                RegexFilter: {Pattern: "[0-9]{13,19}"}
            - Name: CodeType
              ParentSlotTypeSignature: AMAZON.AlphaNumeric
              ValueSelectionSetting:
                ResolutionStrategy: ORIGINAL_VALUE
                RegexFilter: {Pattern: "[0-9]{3,4}"}
            - Name: SizeType
              SlotTypeValues:
                - SampleValue: {Value: large}
                  Synonyms: [{Value: big}, {Value: huge}]
                - SampleValue: {Value: small}
              ValueSelectionSetting: {ResolutionStrategy: TOP_RESOLUTION}
          Intents:
            - Name: PayByCard
              SampleUtterances:
                - Utterance: pay by card
                - Utterance: card {Pan}
                - Utterance: my code is {Code}
              DialogCodeHook: {Enabled: true}
              FulfillmentCodeHook: {Enabled: true}
              SlotPriorities:
                - {Priority: 2, SlotName: Code}
                - {Priority: 1, SlotName: Pan}
              Slots:
                - Name: Code
                  SlotTypeName: CodeType
                  ObfuscationSetting: {ObfuscationSettingType: DefaultObfuscation}
                  ValueElicitationSetting:
                    SlotConstraint: Required
                    PromptSpecification:
                      MaxRetries: 1
                      MessageGroupsList: [{Message: {PlainTextMessage: {Value: "Security code?"}}}]
                - Name: Pan
                  SlotTypeName: PanType
                  ObfuscationSetting: {ObfuscationSettingType: DefaultObfuscation}
                  ValueElicitationSetting:
                    SlotConstraint: Required
                    PromptSpecification:
                      MaxRetries: 2
                      MessageGroupsList: [{Message: {PlainTextMessage: {Value: "Card number?"}}}]
            - Name: OrderCoffee
              SampleUtterances:
                - Utterance: coffee please
                - Utterance: I want a {Size} coffee
              DialogCodeHook: {Enabled: false}
              FulfillmentCodeHook: {Enabled: false}
              IntentConfirmationSetting:
                PromptSpecification:
                  MaxRetries: 1
                  MessageGroupsList: [{Message: {PlainTextMessage: {Value: "A {Size} coffee, right?"}}}]
                DeclinationResponse:
                  MessageGroupsList: [{Message: {PlainTextMessage: {Value: "No coffee then."}}}]
              IntentClosingSetting:
                ClosingResponse:
                  MessageGroupsList: [{Message: {PlainTextMessage: {Value: "Coffee is on its way."}}}]
              Slots:
                - Name: Size
                  SlotTypeName: SizeType
                  ValueElicitationSetting:
                    SlotConstraint: Required
                    PromptSpecification:
                      MaxRetries: 1
                      MessageGroupsList: [{Message: {PlainTextMessage: {Value: "What size?"}}}]
                    SampleUtterances:
                      - Utterance: "{Size}"
                      - Utterance: a {Size} one
            - Name: FallbackIntent
              ParentIntentSignature: AMAZON.FallbackIntent
              DialogCodeHook: {Enabled: false}
"""


@pytest.fixture
def mini(tmp_path: Path) -> BotDefinition:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI_TEMPLATE, encoding="utf-8")
    return load_definition(path)


def fill(utterance: str, values: dict[str, str]) -> str:
    """The utterance with each {Slot} replaced by its value."""
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], utterance)


def utterance_cases() -> list[tuple[str, str, str]]:
    locale = load_definition(TEMPLATE).locale("en_US")
    return [
        (intent.name, utterance, fill(utterance, PLAUSIBLE))
        for intent in locale.intents.values()
        for utterance in intent.sample_utterances
    ]


# --- the definition --------------------------------------------------------------------------------


def test_the_definition_is_read_from_the_template(definition: BotDefinition) -> None:
    assert definition.idle_session_ttl_seconds == 3600
    locale = definition.locale("en_US")
    assert locale.nlu_confidence_threshold == 0.40
    assert locale.fallback_intent == "FallbackIntent"
    card = locale.intents["CollectCard"]
    assert card.slot_priorities == ("CardNumber", "ExpirationDate", "SecurityCode")
    assert card.dialog_code_hook
    assert card.fulfillment_code_hook
    number = card.slots["CardNumber"]
    assert (number.type_name, number.required, number.obfuscated) == ("CardNumberType", True, True)
    assert number.prompt is not None
    assert number.prompt.max_retries == 2
    assert "card number" in (number.prompt.text or "")
    assert locale.slot_types["CardNumberType"].parent == "AMAZON.AlphaNumeric"
    assert locale.slot_types["ExpirationDateType"].resolution_strategy == "ORIGINAL_VALUE"
    confirm = locale.intents["Confirm"]
    assert confirm.confirmation_prompt is not None
    assert confirm.confirmation_prompt.text == "Shall I save this card?"
    assert confirm.declination_response is not None
    assert locale.intents["FallbackIntent"].is_fallback
    assert load_definition(TEMPLATE) is definition  # cached by path and mtime


def test_a_template_without_a_bot_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      X: !Ref Y\n"
    )
    with pytest.raises(BotDefinitionError, match="defines no AWS::Lex::Bot"):
        load_definition(path)
    with pytest.raises(BotDefinitionError, match="cannot read template"):
        load_definition(tmp_path / "missing.yaml")


# --- NLU ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["asdfgh", "qwerty uiop", "zxcvbnm", "hello", "what's the weather in Paris"])
def test_gibberish_goes_to_the_fallback_intent(sim: LexSimulator, text: str) -> None:
    result = sim.say(text)
    assert result.nlu_intent == "FallbackIntent"
    assert result.nlu_confidence is None
    assert result.dialog_action == "ElicitIntent"
    assert "make a payment" in " ".join(result.messages)
    event = result.invocations[0]["event"]
    assert event["sessionState"]["intent"]["name"] == "FallbackIntent"
    assert event["interpretations"][0]["intent"]["name"] == "FallbackIntent"
    assert "nluConfidence" not in event["interpretations"][0]


@pytest.mark.parametrize(("intent", "utterance", "text"), utterance_cases(), ids=str)
def test_every_sample_utterance_resolves_to_its_own_intent(
    definition: BotDefinition, intent: str, utterance: str, text: str
) -> None:
    recognizer = recognizer_for(definition.locale("en_US"))
    top = recognizer.interpretations(text)[0]
    assert (top.intent, top.confidence) == (intent, 1.0), f"{text!r} -> {top}"
    for slot in re.findall(r"\{(\w+)\}", utterance):
        value = top.slots[slot]
        assert value is not None, f"{slot} not captured from {text!r}"
        assert value["value"]["interpretedValue"] == PLAUSIBLE[slot]


def test_every_sample_utterance_also_resolves_with_generic_values(definition: BotDefinition) -> None:
    locale = definition.locale("en_US")
    recognizer = recognizer_for(locale)
    for intent in locale.intents.values():
        values = {name: example_value(slot.type_name, locale) for name, slot in intent.slots.items()}
        for utterance in intent.sample_utterances:
            text = fill(utterance, values)
            assert recognizer.interpretations(text)[0].intent == intent.name, text


def test_near_misses_are_recognized_with_a_lower_confidence(definition: BotDefinition) -> None:
    recognizer = recognizer_for(definition.locale("en_US"))
    for text, intent in [
        ("I would like to make a payment", "CollectName"),
        ("can I pay by card please", "CollectName"),
        ("read my wallet back", "WalletAddress"),
        ("paymnet", "CollectName"),
        ("hi, my wallet is 0xabc", "WalletAddress"),
    ]:
        top = recognizer.interpretations(text)[0]
        assert top.intent == intent, text
        assert top.confidence is not None
        assert 0.4 <= top.confidence < 1.0, (text, top.confidence)


def test_interpretations_are_ranked_and_include_the_fallback(definition: BotDefinition) -> None:
    ranked = recognizer_for(definition.locale("en_US")).interpretations("make a payment")
    assert ranked[0].intent == "CollectName"
    assert "FallbackIntent" in [i.intent for i in ranked]
    scores = [i.confidence for i in ranked if i.confidence is not None]
    assert scores == sorted(scores, reverse=True)
    assert len(ranked) <= 5


def test_normalization() -> None:
    assert normalize("  I'd LIKE to   pay!! ") == "id like to pay"
    assert normalize("What’s my wallet?") == "whats my wallet"


# --- slot resolution --------------------------------------------------------------------------------


def test_slot_resolution_follows_the_slot_types(mini: BotDefinition) -> None:
    locale = mini.locale("en_US")

    def value(text: str, type_name: str, mode: str = "Text") -> str | None:
        slot = resolve_slot(text, type_name, locale, input_mode=mode)
        return None if slot is None else slot["value"]["interpretedValue"]

    assert value("4242 4242 4242 4242", "PanType") == "4242424242424242"
    assert value("4242-4242-4242-4242", "PanType") == "4242424242424242"
    assert value("424242424242", "PanType") is None  # the regex filter wants 13-19 digits
    assert value("4242 abcd", "PanType") is None
    assert value("４２４２４２４２４２４２４２４２", "PanType") is None  # [0-9] is ASCII only
    assert value("four two " * 8, "PanType") is None  # typed words are not digits
    assert value("four two " * 8, "PanType", "Speech") == "4242424242424242"
    assert value("4242424242424242#", "PanType", "DTMF") == "4242424242424242"
    assert value("one two three", "CodeType", "Speech") == "123"
    assert value("12", "CodeType") is None
    assert value("huge", "SizeType") == "large"  # TOP_RESOLUTION: the value a synonym stands for
    assert value("smal", "SizeType") == "small"
    assert value("tiny", "SizeType") is None
    assert value("John", "AMAZON.FirstName") == "John"
    assert value("J O H N", "AMAZON.FirstName", "Speech") == "John"
    assert value("123", "AMAZON.FirstName") is None
    assert value("forty two", "AMAZON.Number") == "42"
    december = resolve_slot("December 2027", "AMAZON.Date", locale, today=datetime(2026, 11, 21, tzinfo=UTC))
    assert december is not None
    assert december["value"]["interpretedValue"] == "2027-12-31"  # a future month: its last day (Lex V2)
    assert value("anything at all", "AMAZON.FreeFormInput") == "anything at all"
    assert resolve_slot("4242 4242 4242 4242", "PanType", locale) == {
        "shape": "Scalar",
        "value": {
            "originalValue": "4242 4242 4242 4242",
            "interpretedValue": "4242424242424242",
            "resolvedValues": ["4242424242424242"],
        },
    }


def test_the_product_slot_types_keep_what_was_said(definition: BotDefinition) -> None:
    locale = definition.locale("en_US")
    expiry = resolve_slot("December 2027", "ExpirationDateType", locale)
    assert expiry is not None
    assert expiry["value"]["interpretedValue"] == "December 2027"  # ORIGINAL_VALUE, no regex
    card = resolve_slot("four two " * 8, "CardNumberType", locale, input_mode="Speech")
    assert card is not None
    assert card["value"]["interpretedValue"] == "4242424242424242"


def test_numbers_and_dates() -> None:
    assert parse_number("1,200") == "1200"
    assert parse_number("one hundred and five") == "105"
    assert parse_number("banana") is None
    today = datetime(2026, 11, 21, tzinfo=UTC).date()
    assert parse_date("2027-12-01", today) == "2027-12-01"
    assert parse_date("tomorrow", today) == "2026-11-22"
    assert parse_date("December 5", today) == "2026-12-05"
    assert parse_date("March 5", today) == "2027-03-05"
    assert parse_date("12/05/2027", today) == "2027-12-05"
    assert parse_date("someday", today) is None


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("yes", "Confirmed"),
        ("Yeah!", "Confirmed"),
        ("sure", "Confirmed"),
        ("ok", "Confirmed"),
        ("correct", "Confirmed"),
        ("yes please", "Confirmed"),
        ("no", "Denied"),
        ("nope", "Denied"),
        ("cancel", "Denied"),
        ("don't", "Denied"),
        ("maybe later", None),
    ],
)
def test_confirmation_answers(text: str, answer: str | None) -> None:
    assert confirmation_answer(text) == answer


# --- conversations through the real handler -------------------------------------------------------


def test_a_full_payment_conversation_without_intent_hints(sim: LexSimulator) -> None:
    first = sim.say("I'd like to make a payment")
    assert (first.nlu_intent, first.nlu_confidence) == ("CollectName", 1.0)
    assert (first.intent, first.slot_to_elicit) == ("CollectName", "FirstName")
    assert sim.say("John").slot_to_elicit == "LastName"
    reply = sim.say("Smith")
    assert (reply.intent, reply.slot_to_elicit) == ("CollectCard", "CardNumber")
    reply = sim.say("4242 4242 4242 4242")
    assert reply.slot_to_elicit == "ExpirationDate"
    assert reply.slots["CardNumber"] == "(sealed)"
    assert sim.say(EXPIRY).slot_to_elicit == "SecurityCode"
    reply = sim.say("123")
    assert reply.dialog_action == "ConfirmIntent"
    assert reply.messages == [f"Visa ending 4242, expires {EXPIRY}, for John Smith. Shall I save it?"]
    done = sim.say("yes")
    assert done.messages == ["Done — your Visa ending 4242 is saved."]
    assert (done.dialog_action, done.intent, done.intent_state) == ("Close", "Confirm", "Fulfilled")
    assert [i["event"]["invocationSource"] for i in done.invocations] == [
        "DialogCodeHook",
        "FulfillmentCodeHook",
    ]
    assert done.invocations[0]["event"]["sessionState"]["intent"]["confirmationState"] == "Confirmed"
    assert done.invocations[1]["event"]["sessionState"]["intent"]["state"] == "ReadyForFulfillment"
    assert sim.session_attributes["status"] == "completed"
    assert sim.state["sessionAttributes"] == sim.session_attributes


def test_the_card_number_first(sim: LexSimulator) -> None:
    reply = sim.say("my card number is 4242424242424242")
    assert (reply.nlu_intent, reply.intent, reply.slot_to_elicit) == (
        "CollectCard",
        "CollectCard",
        "ExpirationDate",
    )
    sim.say(EXPIRY)
    reply = sim.say("123")
    assert (reply.intent, reply.slot_to_elicit) == ("CollectName", "FirstName")
    sim.say("Ada")
    assert "for Ada Lovelace" in " ".join(sim.say("Lovelace").messages)
    assert sim.say("yes please").messages == ["Done — your Visa ending 4242 is saved."]


def test_the_wallet_is_stored_and_read_back(sim: LexSimulator) -> None:
    stored = sim.say(f"my wallet is {WALLET}")
    assert (stored.nlu_intent, stored.dialog_action, stored.intent_state) == (
        "WalletAddress",
        "Close",
        "Fulfilled",
    )
    assert stored.messages == ["Saved — your wallet 0x5290…9EE7 is on file."]
    assert stored.slots["WalletAddress"] == "•••• 9EE7"  # DefaultObfuscation in the template
    read = sim.say("what's my wallet address?")
    assert read.nlu_intent == "WalletAddress"
    assert WALLET in " ".join(read.messages)


def test_a_strong_match_of_another_intent_switches_mid_slot(sim: LexSimulator) -> None:
    assert sim.say("make a payment").slot_to_elicit == "FirstName"
    reply = sim.say(f"my wallet is {WALLET}")
    assert reply.nlu_intent == "WalletAddress"
    assert reply.messages[0].startswith("Saved — your wallet")
    assert reply.slot_to_elicit == "FirstName"  # the payment in progress resumes


def test_an_utterance_of_the_same_intent_fills_its_slots_mid_slot(sim: LexSimulator) -> None:
    assert sim.say("my card number is 4242424242424242").slot_to_elicit == "ExpirationDate"
    reply = sim.say("the expiry is December 2031")
    assert reply.nlu_intent == "CollectCard"
    assert reply.slot_to_elicit == "SecurityCode"


def test_voice_input_joins_spelled_digits(sim: LexSimulator) -> None:
    sim.say("make a payment")
    sim.say("John")
    sim.say("Smith")
    reply = sim.say("four two " * 8, input_mode="Speech")
    assert reply.slot_to_elicit == "ExpirationDate"
    event = reply.invocations[0]["event"]
    assert event["inputMode"] == "Speech"
    card = event["sessionState"]["intent"]["slots"]["CardNumber"]["value"]
    assert card["interpretedValue"] == "4242424242424242"


def test_the_reference_demo_script_plays(app: App) -> None:
    sim = LexSimulator.from_template(TEMPLATE, handler=app.handle)
    for text in ["I'd like to make a payment", "John", "Smith", "4242 4242 4242 4241"]:
        reply = sim.say(text)
    assert reply.messages == ["That number doesn't look right — please check it and say it again."]


# --- fake handlers: Lex's side of the dialog ---------------------------------------------------------


class Recorder:
    """A code hook that delegates everything (or answers with `reply`), recording the events."""

    def __init__(self, reply: Callable[[Event], Any] | None = None) -> None:
        self.events: list[Event] = []
        self.reply = reply

    def __call__(self, event: Event, context: Any) -> Any:
        self.events.append(event)
        if self.reply is not None:
            return self.reply(event)
        state = event["sessionState"]
        intent = state["intent"]
        if event["invocationSource"] == "FulfillmentCodeHook":
            return {
                "sessionState": {
                    "sessionAttributes": state["sessionAttributes"],
                    "dialogAction": {"type": "Close"},
                    "intent": {**intent, "state": "Fulfilled"},
                },
                "messages": [{"contentType": "PlainText", "content": f"fulfilled {intent['name']}"}],
            }
        return {
            "sessionState": {
                "sessionAttributes": {**state["sessionAttributes"], "turns": str(len(self.events))},
                "dialogAction": {"type": "Delegate"},
                "intent": intent,
            }
        }


def make_sim(definition: BotDefinition, handler: Callable[[Event, Any], Any], **kw: Any) -> LexSimulator:
    return LexSimulator(definition, handler, **kw)


def test_delegate_elicits_the_next_slot_by_priority_with_the_template_prompt(mini: BotDefinition) -> None:
    hook = Recorder()
    sim = make_sim(mini, hook)
    reply = sim.say("my code is 123")
    assert (reply.nlu_intent, reply.dialog_action, reply.slot_to_elicit) == ("PayByCard", "ElicitSlot", "Pan")
    assert reply.messages == ["Card number?"]
    assert reply.slots == {"Code": "•••", "Pan": None}
    event = hook.events[0]
    assert event["invocationSource"] == "DialogCodeHook"
    assert event["proposedNextState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "Pan"}
    assert event["proposedNextState"]["prompt"] == {"attempt": "Initial"}
    reply = sim.say("4242 4242 4242 4242")
    assert reply.slots == {"Code": "•••", "Pan": "•••• 4242"}
    # every required slot is filled and there is no confirmation prompt: fulfillment
    assert [e["invocationSource"] for e in hook.events[-2:]] == ["DialogCodeHook", "FulfillmentCodeHook"]
    assert hook.events[-1]["sessionState"]["intent"]["state"] == "ReadyForFulfillment"
    assert (reply.dialog_action, reply.intent_state, reply.messages) == (
        "Close",
        "Fulfilled",
        ["fulfilled PayByCard"],
    )
    first = sim.say("pay by card")
    assert (first.slot_to_elicit, first.messages) == ("Pan", ["Card number?"])  # priority 1 first


def test_the_product_prompts_come_from_the_template(definition: BotDefinition) -> None:
    sim = make_sim(definition, Recorder())
    reply = sim.say("my card number is 4242424242424242")
    card = definition.locale("en_US").intents["CollectCard"]
    assert reply.slot_to_elicit == card.slot_priorities[1]
    prompt = card.slots[card.slot_priorities[1]].prompt
    assert prompt is not None
    assert reply.messages == [prompt.text]
    confirm = sim.say("confirm")
    assert confirm.dialog_action == "ConfirmIntent"
    assert confirm.messages == ["Shall I save this card?"]


def test_unresolvable_slot_input_is_re_prompted_then_the_intent_fails(mini: BotDefinition) -> None:
    hook = Recorder()
    sim = make_sim(mini, hook)
    assert sim.say("pay by card").slot_to_elicit == "Pan"
    for text in ("1234", "4242 abcd"):  # the regex filter refuses both: Lex re-prompts by itself
        reply = sim.say(text)
        assert (reply.dialog_action, reply.slot_to_elicit, reply.messages) == (
            "ElicitSlot",
            "Pan",
            ["Card number?"],
        )
        assert reply.invocations == []
    failed = sim.say("nope")
    assert (failed.dialog_action, failed.intent_state, failed.invocations) == ("Close", "Failed", [])
    assert len(hook.events) == 1
    # a value that resolves resets the count
    sim.say("pay by card")
    sim.say("12")
    assert sim.say("4242424242424242").slot_to_elicit == "Code"
    assert sim.say("1").messages == ["Security code?"]
    assert sim.say("1").intent_state == "Failed"  # MaxRetries 1 for Code


def test_the_code_hook_can_be_invoked_on_retries(mini: BotDefinition) -> None:
    hook = Recorder()
    sim = make_sim(mini, hook, invoke_hook_on_retry=True)
    sim.say("pay by card")
    for attempt in (1, 2):
        reply = sim.say("12")
        assert (reply.slot_to_elicit, reply.messages) == ("Pan", ["Card number?"])  # Delegate: Lex's prompt
        event = hook.events[-1]
        assert event["sessionState"]["intent"]["slots"]["Pan"] is None
        assert event["inputTranscript"] == "12"
        assert event["proposedNextState"]["prompt"] == {"attempt": f"Retry{attempt}"}
    failed = sim.say("12")
    assert (failed.intent_state, failed.invocations) == ("Failed", [])


def test_without_code_hooks_lex_confirms_and_closes_from_the_template(mini: BotDefinition) -> None:
    hook = Recorder()
    sim = make_sim(mini, hook)
    reply = sim.say("coffee please")
    assert (reply.slot_to_elicit, reply.messages) == ("Size", ["What size?"])
    assert sim.say("tiny").messages == ["What size?"]  # not a value of the type: re-prompted
    reply = sim.say("a huge one")
    assert (reply.dialog_action, reply.messages) == ("ConfirmIntent", ["A large coffee, right?"])
    again = sim.say("what?")
    assert (again.dialog_action, again.messages, again.invocations) == ("ConfirmIntent", reply.messages, [])
    done = sim.say("yes")
    assert (done.dialog_action, done.intent_state, done.messages) == (
        "Close",
        "Fulfilled",
        ["Coffee is on its way."],
    )
    reply = sim.say("I want a big coffee")
    assert reply.messages == ["A large coffee, right?"]
    denied = sim.say("no")
    assert (denied.dialog_action, denied.intent_state, denied.messages) == (
        "Close",
        "Failed",
        ["No coffee then."],
    )
    assert sim.say("coffee please").dialog_action == "ElicitSlot"
    assert sim.say("small").dialog_action == "ConfirmIntent"
    assert sim.say("hmm").dialog_action == "ConfirmIntent"
    assert sim.say("hmm").intent_state == "Failed"  # the confirmation's MaxRetries is 1
    assert hook.events == []
    assert sim.definition.name == "Mini"


def test_a_denied_confirmation_reaches_the_code_hook(definition: BotDefinition) -> None:
    hook = Recorder()
    sim = make_sim(definition, hook)
    assert sim.say("save my card").dialog_action == "ConfirmIntent"
    done = sim.say("yes")
    assert hook.events[-2]["sessionState"]["intent"]["confirmationState"] == "Confirmed"
    assert done.messages == ["fulfilled Confirm"]
    sim.say("save my card")
    denied = sim.say("nope")
    assert hook.events[-1]["sessionState"]["intent"]["confirmationState"] == "Denied"
    assert (denied.dialog_action, denied.intent_state) == ("Close", "Failed")
    assert denied.messages == ["OK, I won't save that card."]  # the template's declination


def test_the_event_is_what_lex_sends(definition: BotDefinition) -> None:
    hook = Recorder()
    sim = make_sim(definition, hook, session_id="sess-1", request_attributes={"user_token": "tok"})
    sim.say("my name is John Smith", input_mode="Speech")
    event = hook.events[0]
    assert event["messageVersion"] == "1.0"
    assert event["sessionId"] == "sess-1"
    assert event["inputMode"] == "Speech"
    assert event["inputTranscript"] == "my name is John Smith"
    assert event["bot"]["aliasId"] == "TSTALIASID"
    assert event["bot"]["localeId"] == "en_US"
    assert event["requestAttributes"] == {"user_token": "tok"}
    intent = event["sessionState"]["intent"]
    assert intent["name"] == "CollectName"
    assert intent["slots"]["FirstName"]["value"]["interpretedValue"] == "John"
    assert intent["slots"]["LastName"]["value"]["interpretedValue"] == "Smith"
    assert (intent["state"], intent["confirmationState"]) == ("InProgress", "None")
    top = event["interpretations"][0]
    assert (top["intent"]["name"], top["nluConfidence"]) == ("CollectName", 1.0)
    assert any(i["intent"]["name"] == "FallbackIntent" for i in event["interpretations"])
    assert event["transcriptions"][0]["transcription"] == "my name is John Smith"
    assert set(event["transcriptions"][0]["resolvedSlots"]) == {"FirstName", "LastName"}
    # both slots filled: nothing to propose; the next turn carries the last dialog action
    assert event["proposedNextState"] is None
    sim.say("card 4242424242424242")
    second = hook.events[-1]["sessionState"]
    assert second["sessionAttributes"]["turns"] == "1"  # what the last response returned
    assert second["intent"]["slots"] == {
        "CardNumber": second["intent"]["slots"]["CardNumber"],
        "ExpirationDate": None,
        "SecurityCode": None,
    }
    assert second["dialogAction"] == {"type": "Close"}


# --- Lex's checks of the response ---------------------------------------------------------------------

INTENT = {"name": "CollectName", "slots": {}, "state": "InProgress", "confirmationState": "None"}
INVALID: dict[str, tuple[Any, str]] = {
    "wrong dialogAction type": (
        {"sessionState": {"dialogAction": {"type": "AskSlot"}, "intent": INTENT}},
        "dialogAction type 'AskSlot' is not valid",
    ),
    "non-string session attribute": (
        {
            "sessionState": {
                "sessionAttributes": {"turn": 3},
                "dialogAction": {"type": "Delegate"},
                "intent": INTENT,
            }
        },
        "sessionAttributes values must be strings",
    ),
    "missing intent on ElicitSlot": (
        {"sessionState": {"dialogAction": {"type": "ElicitSlot", "slotToElicit": "FirstName"}}},
        "intent is required",
    ),
    "missing intent on Close": ({"sessionState": {"dialogAction": {"type": "Close"}}}, "intent is required"),
    "missing intent state on Close": (
        {"sessionState": {"dialogAction": {"type": "Close"}, "intent": {"name": "CollectName"}}},
        "intent state must be Fulfilled or Failed for Close",
    ),
    "Close still in progress": (
        {"sessionState": {"dialogAction": {"type": "Close"}, "intent": INTENT}},
        "intent state must be Fulfilled or Failed for Close (got InProgress)",
    ),
    "ElicitSlot without slotToElicit": (
        {"sessionState": {"dialogAction": {"type": "ElicitSlot"}, "intent": INTENT}},
        "slotToElicit is required for ElicitSlot",
    ),
    "ElicitSlot for a slot the intent lacks": (
        {
            "sessionState": {
                "dialogAction": {"type": "ElicitSlot", "slotToElicit": "CardNumber"},
                "intent": INTENT,
            }
        },
        "slot CardNumber does not exist in intent CollectName",
    ),
    "an intent the bot lacks": (
        {"sessionState": {"dialogAction": {"type": "Delegate"}, "intent": {**INTENT, "name": "OrderPizza"}}},
        "intent OrderPizza does not exist",
    ),
    "ElicitIntent without messages": (
        {"sessionState": {"dialogAction": {"type": "ElicitIntent"}}},
        "messages are required for ElicitIntent",
    ),
    "no sessionState": ({"messages": []}, "sessionState is required"),
    "not an object": ("ok", "response must be a JSON object"),
    "not JSON": (
        {"sessionState": {"dialogAction": {"type": "Delegate"}, "intent": INTENT, "x": object()}},
        "response is not valid JSON",
    ),
    "a wrongly typed field": (
        {"sessionState": {"dialogAction": {"type": "Delegate"}, "intent": {**INTENT, "slots": []}}},
        "Invalid type for parameter intent.slots",
    ),
}


@pytest.mark.parametrize(("response", "message"), INVALID.values(), ids=INVALID.keys())
def test_an_invalid_lambda_response_is_refused(
    definition: BotDefinition, response: Any, message: str
) -> None:
    sim = make_sim(definition, Recorder(lambda event: response))
    with pytest.raises(InvalidLambdaResponse) as raised:
        sim.say("make a payment")
    text = str(raised.value)
    assert text.startswith("Invalid Lambda Response: Received invalid response from Lambda: "), text
    assert message in text
    assert sim.state == {}  # the session is as it was


def test_the_exact_text_for_non_string_attributes(definition: BotDefinition) -> None:
    response = INVALID["non-string session attribute"][0]
    sim = make_sim(definition, Recorder(lambda event: response))
    with pytest.raises(InvalidLambdaResponse) as raised:
        sim.say("make a payment")
    assert str(raised.value) == (
        "Invalid Lambda Response: Received invalid response from Lambda: "
        "sessionAttributes values must be strings"
    )


def test_a_null_response_is_refused(definition: BotDefinition) -> None:
    sim = make_sim(definition, Recorder(lambda event: None))
    with pytest.raises(InvalidLambdaResponse, match=r"^Invalid Lambda Response: Received null response"):
        sim.say("make a payment")


def test_an_invalid_response_can_be_an_error_turn(definition: BotDefinition) -> None:
    calls: list[int] = []

    def flaky(event: Event) -> Any:
        calls.append(1)
        if len(calls) == 2:
            return {"sessionState": {"dialogAction": {"type": "Nope"}}}
        return Recorder()(event, None)

    sim = make_sim(definition, Recorder(flaky), raise_on_invalid=False)
    first = sim.say("make a payment")
    assert first.slot_to_elicit == "FirstName"
    broken = sim.say("John")
    assert broken.error is not None
    assert broken.error.startswith("Invalid Lambda Response:")
    assert (broken.dialog_action, broken.slot_to_elicit, broken.messages) == ("ElicitSlot", "FirstName", [])
    assert sim.say("John").slot_to_elicit == "LastName"  # the session was kept as it was


def test_the_app_never_gives_an_invalid_response(sim: LexSimulator) -> None:
    for text in [
        "make a payment",
        "John",
        "Smith",
        "4242",
        "4242424242424242",
        "13/99",
        EXPIRY,
        "1",
        "123",
        "no",
    ]:
        result = sim.say(text)
        for invocation in result.invocations:
            assert response_errors(invocation["response"], sim.locale) == []


# --- the session ------------------------------------------------------------------------------------


def test_an_idle_session_expires_and_starts_fresh(definition: BotDefinition) -> None:
    now = [1_000_000.0]
    hook = Recorder()
    sim = make_sim(definition, hook, clock=lambda: now[0])
    assert sim.say("make a payment").slot_to_elicit == "FirstName"
    now[0] += 3599
    assert sim.say("John").slot_to_elicit == "LastName"  # within the idle TTL: the slot is filled
    assert hook.events[-1]["sessionState"]["sessionAttributes"] == {"turns": "1"}
    now[0] += 3601
    fresh = sim.say("Smith")  # the session expired: no slot was being elicited any more
    assert fresh.nlu_intent == "FallbackIntent"
    event = fresh.invocations[0]["event"]
    assert event["sessionState"]["sessionAttributes"] == {}
    assert "dialogAction" not in event["sessionState"]
    assert event["sessionId"] == sim.session_id


def test_reset_starts_a_new_session(definition: BotDefinition) -> None:
    sim = make_sim(definition, Recorder())
    sim.say("make a payment")
    old = sim.session_id
    assert sim.session_attributes == {"turns": "1"}
    sim.reset()
    assert sim.session_id != old
    assert sim.state == {}
    assert sim.session_attributes == {}


def test_the_state_is_live_so_a_client_can_tamper_with_it(definition: BotDefinition) -> None:
    hook = Recorder()
    sim = make_sim(definition, hook)
    sim.say("make a payment")
    sim.state["sessionAttributes"] = {"status": "completed"}
    sim.say("John")
    assert hook.events[-1]["sessionState"]["sessionAttributes"] == {"status": "completed"}


def test_a_session_can_be_exported_and_resumed(definition: BotDefinition) -> None:
    hook = Recorder()
    sim = make_sim(definition, hook)
    sim.say("make a payment")
    resumed = make_sim(definition, hook)
    resumed.import_session(sim.export_session())
    assert resumed.session_id == sim.session_id
    assert resumed.say("John").slot_to_elicit == "LastName"


def test_inputs_lex_would_refuse(definition: BotDefinition) -> None:
    sim = make_sim(definition, Recorder())
    with pytest.raises(ValueError, match="empty"):
        sim.say("   ")
    with pytest.raises(ValueError, match="1024"):
        sim.say("x" * 1025)
    with pytest.raises(ValueError, match="input_mode"):
        sim.say("hi", input_mode="Telepathy")


# ---- voice, keypad and languages -----------------------------------------------------------------


def test_keypad_input_is_collected_as_lex_collects_it(tmp_path: Path) -> None:
    from bot.dev.local import local_bot

    sim = local_bot("intents.app:app", ROOT / "template.yaml").simulator(accept_ssml=True)
    for said in ("make a payment", "John", "Smith"):
        sim.say(said, input_mode="Speech")
    result = sim.say("1234*4242424242424242#999", input_mode="DTMF")  # * starts over, # ends
    assert result.slot_to_elicit == "ExpirationDate"
    event = result.invocations[0]["event"]
    assert event["inputTranscript"] == "4242424242424242"
    assert event["requestAttributes"]["x-amz-lex:accept-content-types"] == "PlainText,SSML"
    assert result.content_types == ["SSML"]
    sim.state["sessionAttributes"]["x-amz-lex:dtmf:max-length:CollectCard:ExpirationDate"] = "4"
    result = sim.say("1239999#", input_mode="DTMF")  # max-length: only 4 keys count
    assert result.invocations[0]["event"]["inputTranscript"] == "1239"


def test_ssml_polly_refuses_is_an_invalid_lambda_response() -> None:
    from bot.dev.simulator.checks import response_errors

    def response(content: str) -> dict[str, Any]:
        return {
            "sessionState": {"dialogAction": {"type": "ElicitIntent"}, "sessionAttributes": {}},
            "messages": [{"contentType": "SSML", "content": content}],
        }

    assert response_errors(response('<speak>ok <break time="1s"/></speak>')) == []
    assert response_errors(response("<speak><blink>no</blink></speak>")) == [
        "SSML tag <blink> is not supported by Amazon Polly"
    ]
    assert response_errors(response("<speak>unclosed"))[0].startswith("SSML is not well-formed XML")


def test_a_spanish_yes_confirms_in_the_spanish_locale() -> None:
    from bot.dev.local import local_bot

    sim = local_bot("intents.app:app", ROOT / "template.yaml", locale="es_US").simulator()
    for said in ("quiero hacer un pago", "Ana", "García", "4242424242424242", "12/30", "123"):
        result = sim.say(said)
    assert result.dialog_action == "ConfirmIntent"
    assert sim.say("sí, claro").intent_state == "Fulfilled"
