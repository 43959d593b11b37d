"""Every locale of template.yaml through the local simulator (bot.dev.simulator), which reads the
template as the bot definition: it reads each locale with the same intents and slots, each
locale's sample utterances are recognised as their own intent with their slots captured (so no
two intents of a language share a phrase), and a payment starts in each language.

tests/functional/test_simulator.py tests the simulator itself, on en_US; test_consistency.py
holds the locales to each other in the template.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.dev.checks import Template
from bot.dev.simulator import LexSimulator, load_definition
from bot.dev.simulator.definition import BotDefinition, LocaleDefinition
from bot.dev.simulator.nlu import recognizer_for
from bot.dev.simulator.slots import example_value
from intents import flow as intent_flow

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
# Values that read the same in every language (names, digits, a typed expiry, an address).
PLAUSIBLE = {
    "FirstName": "Juan",
    "LastName": "Pérez",
    "CardNumber": "4242424242424242",
    "ExpirationDate": "12/30",
    "SecurityCode": "123",
    "WalletAddress": "0x52908400098527886E0F7030069857D2E4169EE7",
}
# How a caller starts a payment, per locale (a new locale needs its phrase here).
START_A_PAYMENT = {"en_US": "I'd like to make a payment", "es_US": "quiero hacer un pago"}
SLOT = re.compile(r"\{(\w+)\}")


def definition() -> BotDefinition:
    return load_definition(TEMPLATE)


def locale_ids() -> list[str]:
    return [str(loc["LocaleId"]) for loc in Template.load(TEMPLATE).locales()]


def fill(utterance: str, values: dict[str, str]) -> str:
    return SLOT.sub(lambda m: values[m.group(1)], utterance)


def utterance_cases() -> list[tuple[str, str, str]]:
    return [
        (locale_id, intent.name, utterance)
        for locale_id in locale_ids()
        for intent in definition().locale(locale_id).intents.values()
        for utterance in intent.sample_utterances
    ]


def shape(locale: LocaleDefinition) -> dict[str, object]:
    return {
        name: (
            {slot.name: (slot.type_name, slot.required, slot.obfuscated) for slot in intent.slots.values()},
            intent.ordered_slots,
            intent.dialog_code_hook,
            intent.fulfillment_code_hook,
            intent.is_fallback,
            intent.confirmation_prompt is not None,
        )
        for name, intent in locale.intents.items()
    }


def test_the_simulator_reads_every_locale_alike() -> None:
    found = definition()
    assert sorted(found.locales) == sorted(locale_ids())
    first = found.locale(locale_ids()[0])
    for locale_id in locale_ids():
        locale = found.locale(locale_id)
        assert shape(locale) == shape(first), locale_id
        assert {t.name: (t.parent, t.regex, t.resolution_strategy) for t in locale.slot_types.values()} == {
            t.name: (t.parent, t.regex, t.resolution_strategy) for t in first.slot_types.values()
        }
        assert locale.nlu_confidence_threshold == first.nlu_confidence_threshold
        assert locale.fallback_intent == "FallbackIntent"
        for intent in locale.intents.values():
            for slot in intent.slots.values():
                assert slot.prompt is not None, f"{locale_id} {intent.name}.{slot.name}"
                assert slot.prompt.text, f"{locale_id} {intent.name}.{slot.name}"


@pytest.mark.parametrize(("locale_id", "intent", "utterance"), utterance_cases(), ids=str)
def test_every_sample_utterance_resolves_to_its_own_intent(
    locale_id: str, intent: str, utterance: str
) -> None:
    locale = definition().locale(locale_id)
    recognizer = recognizer_for(locale)
    text = fill(utterance, PLAUSIBLE)
    top = recognizer.interpretations(text)[0]
    assert (top.intent, top.confidence) == (intent, 1.0), f"{locale_id}: {text!r} -> {top}"
    for slot in SLOT.findall(utterance):
        value = top.slots[slot]
        assert value is not None, f"{locale_id}: {slot} not captured from {text!r}"
        assert value["value"]["originalValue"] == PLAUSIBLE[slot]
    generic = {name: example_value(s.type_name, locale) for name, s in locale.intents[intent].slots.items()}
    assert recognizer.interpretations(fill(utterance, generic))[0].intent == intent


def test_every_locale_has_a_phrase_that_starts_a_payment() -> None:
    assert set(START_A_PAYMENT) == set(locale_ids())


@pytest.mark.parametrize("locale_id", sorted(START_A_PAYMENT))
def test_a_payment_starts_and_asks_for_the_card_in_every_locale(locale_id: str) -> None:
    """The reference app on each locale: the start phrase opens CollectName, the names lead to
    the card number, elicited with the code hook's voice and keypad settings for that slot."""
    sim = LexSimulator.from_template(TEMPLATE, locale=locale_id)
    result = sim.say(START_A_PAYMENT[locale_id])
    assert (result.intent, result.slot_to_elicit) == ("CollectName", "FirstName")
    sim.say(PLAUSIBLE["FirstName"])
    result = sim.say(PLAUSIBLE["LastName"])
    assert (result.intent, result.slot_to_elicit) == ("CollectCard", intent_flow.CARDS.number)
    key = f"x-amz-lex:dtmf:max-length:CollectCard:{intent_flow.CARDS.number}"
    assert key in sim.session_attributes
