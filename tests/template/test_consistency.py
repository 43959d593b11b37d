"""template.yaml against the reference payment bot: the rules that are this bot's own.

What holds for every bot on the framework (intents and handlers agree, a routed fallback,
utterances and code hooks, slot priorities, prompts and types, sensitive slots obfuscated, the
code-hook Lambda, its settings under Lambda, Lex's permission, the aliases) is checked by
`bot.dev.checks`, run for this bot (with at least 8 utterances per intent) and the example by
the pytest plugin in test_bots.py, one test per check, and here all at once. Here besides: what
only this bot promises. Its card slots leave
validation to the code hook and the expiry keeps what was said, the wallet slot holds a whole
address, prompts read well aloud, the IAM policies stay least-privilege, the table is the one
`bot.store` creates, the admin function is nobody's code hook, and the build inputs are pinned.
Every locale (en_US, es_US) defines the same intents, slots, types, obfuscation and code hooks in
its own words and is served by both aliases and the version; the card slots' voice and keypad
capture (PromptAttemptsSpecification) holds the values the code hook sends as `x-amz-lex:*`
session attributes (`App.elicitation_attributes`). test_locales.py plays every locale through
the simulator.

Slot and intent names in handler code: intents declare their slots (a form's asks, an
Intent's `slots=`: `Intent.slot_names()`, checked against the template by `App.check`), and in
local use every name a handler uses is checked as it runs (`bot.schema.UnknownName`, which fails
a conversation file). The AST scan below remains for the string literals on paths no
conversation takes, above all in the shared helpers (intents/flow.py), which name the slots of
other intents: each literal must be a slot its intent declares.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bot.attributes import LEX_PREFIX
from bot.config import Settings
from bot.dev.checks import (
    LEX_PRINCIPAL,
    Template,
    as_list,
    code_hook_function,
    lambda_environment,
    refers_to,
    resolve,
    run_checks,
    secrets_as,
    sub_text,
)
from bot.forms import Form
from bot.security.keys import Keys
from bot.store.dynamodb import TTL_ATTRIBUTE
from bot.store.layout import GSI_TIME, GSI_USER, STATE_SK, activity_sk, day_pk, session_pk, user_pk
from bot.store.memory import MemoryStore
from intents import flow as intent_flow
from intents.app import app as reference_app

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
INTENTS_DIR = ROOT / "intents"
FUNCTION = "FulfillmentFunction"

SENSITIVE_SLOTS = frozenset(reference_app.sensitive_slots)
# Besides SENSITIVE_SLOTS (card data the code seals), slots that must never show in conversation logs.
ALSO_OBFUSCATED = frozenset({intent_flow.CARDS.expiry})
OBFUSCATED = {"ObfuscationSettingType": "DefaultObfuscation"}
# Built-in slot types that can capture a string of digits, such as a card number or a CVC.
DIGIT_CARRYING_TYPES = frozenset(
    {"AMAZON.AlphaNumeric", "AMAZON.Number", "AMAZON.FreeFormInput", "AMAZON.PhoneNumber"}
)
CARD_DIGIT_SAMPLES = ("4242424242424242", "378282246310005", "6011000990139424123", "123", "1234")
SECRET_NAME = re.compile(r"secret|password|token|api_?key", re.IGNORECASE)
# Characters a text-to-speech voice reads badly (or literally) in a spoken prompt.
NOT_VOICE_FRIENDLY = re.compile(r"[0-9/#*_<>{}\[\]|\\@]")
# Regex-filtered AMAZON.AlphaNumeric values are capped at 30 characters (Lex V2 docs).
REGEX_CAPTURE_LIMIT = 30
WALLET_ADDRESS_LENGTH = 42
WALLET_SLOT = "WalletAddress"


# --- loading -----------------------------------------------------------------------------------


def loaded() -> Template:
    return Template.load(TEMPLATE)


def template() -> dict[str, Any]:
    return dict(loaded().data)


def resources() -> dict[str, dict[str, Any]]:
    return loaded().resources


def parameters() -> dict[str, dict[str, Any]]:
    return loaded().parameters


def of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return loaded().of_type(resource_type)


def only(resource_type: str) -> tuple[str, dict[str, Any]]:
    found = of_type(resource_type)
    assert len(found) == 1, f"expected exactly one {resource_type}, found {sorted(found)}"
    return next(iter(found.items()))


def bot() -> tuple[str, dict[str, Any]]:
    return only("AWS::Lex::Bot")


def locales() -> list[dict[str, Any]]:
    return loaded().locales()


def intent_cases() -> list[tuple[str, dict[str, Any]]]:
    return [(loc["LocaleId"], intent) for loc in locales() for intent in loc.get("Intents", [])]


def slot_types(locale: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["Name"]: t for t in locale.get("SlotTypes", [])}


def locale_slot_types(locale: dict[str, Any]) -> dict[str, str]:
    """Slot name -> its slot type name, over the intents of one locale."""
    return {
        slot["Name"]: slot["SlotTypeName"]
        for intent in locale.get("Intents", [])
        for slot in intent.get("Slots", [])
    }


def slot_cases() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (locale_id, intent["Name"], slot)
        for locale_id, intent in intent_cases()
        for slot in intent.get("Slots", [])
    ]


def template_slot_names(intent: str | None = None) -> set[str]:
    return {slot["Name"] for _, intent_name, slot in slot_cases() if intent is None or intent_name == intent}


def template_intent_names() -> set[str]:
    return {intent["Name"] for _, intent in intent_cases()}


def case_id(case: Any) -> str:
    if isinstance(case, dict):
        return str(case.get("Name", ""))
    return str(case)


SLOTS = slot_cases()


# --- the code's literal names: what neither the forms nor the run-time checks cover --------------

# call name -> index of the positional argument naming a slot. `Ask(...)` is not here: a form's
# slots are `Form.slot_names()`, which `App.check` (bot.dev.checks) compares with the template.
SLOT_ARGUMENT = {
    "slot": 0,
    "set_slot": 0,
    "elicit_slot": 1,
    "retry": 1,
    "hand_off": 1,
    "record_failure": 1,
}
# call name -> index of the first of several positional slot arguments (`clear_failures(turn, *slots)`)
SLOT_VARARGS = {"clear_failures": 1}


@dataclass(frozen=True)
class NameUse:
    where: str  # file:line
    call: str
    name: str
    intent: str | None  # the intent the name belongs to, when known


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return None


@cache
def module_intents() -> dict[str, str]:
    """Module name (intents/<name>.py) -> the intent it defines, as the app registered it."""
    found: dict[str, set[str]] = {}
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("intents.") or module is None:
            continue
        for intent in reference_app.intents.values():
            if any(value is intent for value in vars(module).values()):
                found.setdefault(module_name.removeprefix("intents."), set()).add(intent.name)
    return {module: names.pop() for module, names in found.items() if len(names) == 1}


def _calls() -> Iterator[tuple[str, ast.Call]]:
    """(module name, call) for every call in intents/*.py."""
    for path in sorted(INTENTS_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                yield path.stem, node


def slot_uses_in(calls: Iterable[tuple[str, ast.Call]]) -> tuple[NameUse, ...]:
    """Every slot named by a string literal in a slot call, with the intent it is meant for:
    the call's `intent=` keyword, else the intent the module defines (the app says which),
    else unknown (shared modules such as flow)."""
    owners = module_intents()
    uses = []
    for module, call in calls:
        name = _call_name(call)
        if name in SLOT_ARGUMENT:
            positions: range = range(SLOT_ARGUMENT[name], SLOT_ARGUMENT[name] + 1)
        elif name in SLOT_VARARGS:
            positions = range(SLOT_VARARGS[name], len(call.args))
        else:
            continue
        keyword = next((k.value for k in call.keywords if k.arg == "intent"), None)
        intent = _literal(keyword) if keyword is not None else owners.get(module)
        for position in positions:
            if position < len(call.args) and (slot := _literal(call.args[position])) is not None:
                uses.append(NameUse(f"intents/{module}.py:{call.lineno}", str(name), slot, intent))
    return tuple(uses)


@cache
def slot_uses() -> tuple[NameUse, ...]:
    return slot_uses_in(_calls())


@cache
def intent_uses() -> tuple[NameUse, ...]:
    """Intent names as string literals: `intent="X"` keywords and `confirm_intent(turn, "X", ...)`."""
    uses = []
    for module, call in _calls():
        where = f"intents/{module}.py:{call.lineno}"
        name = _call_name(call) or "?"
        for keyword in call.keywords:
            if keyword.arg == "intent" and (value := _literal(keyword.value)) is not None:
                uses.append(NameUse(where, name, value, value))
        if name == "confirm_intent" and len(call.args) > 1 and (value := _literal(call.args[1])):
            uses.append(NameUse(where, name, value, value))
    return tuple(uses)


# --- intents ------------------------------------------------------------------------------------


def test_the_generic_checks_pass() -> None:
    """Every check of bot.dev.checks at once (test_bots.py runs them one by one through the
    plugin), so that this file alone checks the whole template: tests/functional/test_scaffold.py
    runs it on a checkout with a scaffolded template and intents."""
    problems = run_checks(reference_app, TEMPLATE, min_utterances=8)
    assert not any(problems.values()), "\n".join(f"{k}: {p}" for k, found in problems.items() for p in found)


def test_template_short_tags_become_intrinsics() -> None:
    function = resources()[FUNCTION]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": ["FulfillmentFunctionRole", "Arn"]}
    assert template()["Transform"] == "AWS::Serverless-2016-10-31"


def test_intent_names_used_in_code_exist_in_the_template() -> None:
    uses = intent_uses()
    assert {"CollectName", "CollectCard", "Confirm"} <= {u.name for u in uses}, "scan found nothing"
    missing = [u for u in uses if u.name not in template_intent_names()]
    assert not missing, f"intents named in code but not in the template: {missing}"


# --- slots --------------------------------------------------------------------------------------


def test_slot_names_used_in_code_exist_in_the_template() -> None:
    uses = slot_uses()
    assert len(uses) > 10, "the scan found almost no slot calls: did the call names change?"
    assert any(use.where.startswith("intents/flow.py") for use in uses), "the shared helpers were not scanned"
    problems = []
    for use in uses:
        declared = (
            reference_app.intents[use.intent].slot_names() if use.intent in reference_app.intents else None
        )
        if declared is not None:  # what the intent declares (App.check holds it to the template)
            allowed = set(declared)
        else:
            allowed = template_slot_names(use.intent) if use.intent else template_slot_names()
        if use.name not in allowed:
            problems.append(
                f"{use.where}: {use.call}({use.name!r}) is not a slot of {use.intent or 'any intent'}"
            )
    assert not problems, "\n".join(problems)


def test_every_template_slot_is_used_by_the_code() -> None:
    """Each slot of the template is declared by its intent's handler (a form's asks, an
    Intent's `slots=`), or, for an intent that declares none, named somewhere in the code."""
    unused = set()
    for _, intent_name, slot in SLOTS:
        declared = reference_app.intents[intent_name].slot_names()
        if slot["Name"] not in (declared if declared is not None else {u.name for u in slot_uses()}):
            unused.add(f"{intent_name}.{slot['Name']}")
    assert not unused, f"slots the code never declares, reads or elicits: {unused}"


def test_the_app_says_which_module_defines_which_intent() -> None:
    owners = module_intents()
    assert owners["collect_card"] == "CollectCard"
    assert owners["wallet_address"] == "WalletAddress"
    assert "flow" not in owners
    forms = {name for name, intent in reference_app.intents.items() if isinstance(intent, Form)}
    assert {"CollectName", "CollectCard"} <= forms  # their Ask slots come from slot_names(), not the scan
    assert reference_app.intents["WalletAddress"].slot_names() == frozenset({WALLET_SLOT})


def test_the_slot_scan_sees_every_call_form() -> None:
    source = """
turn.slot("A")
turn.set_slot("B", None, intent="Other")
dialog.elicit_slot(turn, "C", "ask")
flow.retry(turn, "D", "why")
flow.hand_off(turn, "E")
record_failure(turn, "F")
clear_failures(turn, "G", "H")
turn.slot(variable)
Ask("I", validate)
"""
    calls = [("collect_card", n) for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)]
    found = {(use.name, use.intent) for use in slot_uses_in(calls)}
    assert found == {
        ("A", "CollectCard"),
        ("B", "Other"),
        ("C", "CollectCard"),
        ("D", "CollectCard"),
        ("E", "CollectCard"),
        ("F", "CollectCard"),
        ("G", "CollectCard"),
        ("H", "CollectCard"),
    }


def test_the_card_slots_of_the_flow_exist_in_the_template() -> None:
    assert frozenset(intent_flow.CARD_SLOTS) - template_slot_names() == set(), (
        "flow.CARD_SLOTS names slots the template does not have"
    )


@pytest.mark.parametrize(("locale_id", "intent_name", "slot"), SLOTS, ids=case_id)
def test_slot_is_required_with_a_voice_friendly_prompt(
    locale_id: str, intent_name: str, slot: dict[str, Any]
) -> None:
    """(Every slot has a prompt of at most 1000 characters: bot.dev.checks.) This bot's prompts
    are spoken: required slots, two retries, nothing a voice reads badly."""
    setting = slot["ValueElicitationSetting"]
    assert setting["SlotConstraint"] == "Required"
    prompt = setting["PromptSpecification"]
    assert prompt["MaxRetries"] == 2
    texts = [
        message["PlainTextMessage"]["Value"]
        for group in prompt["MessageGroupsList"]
        for message in [group["Message"], *group.get("Variations", [])]
    ]
    assert texts, f"{slot['Name']} has no plain-text prompt"
    for text in texts:
        assert not NOT_VOICE_FRIENDLY.search(text), f"{slot['Name']}: {text!r} reads badly aloud"


def _can_carry_card_digits(type_name: str, custom_types: dict[str, dict[str, Any]]) -> bool:
    if type_name in DIGIT_CARRYING_TYPES:
        return True
    custom = custom_types.get(type_name)
    if custom is None or custom.get("ParentSlotTypeSignature") not in DIGIT_CARRYING_TYPES:
        return False
    pattern = custom.get("ValueSelectionSetting", {}).get("RegexFilter", {}).get("Pattern")
    if pattern is None:
        return True  # unconstrained: a caller can say a card number here
    return any(re.fullmatch(pattern, sample) for sample in CARD_DIGIT_SAMPLES)


@pytest.mark.parametrize(("locale_id", "intent_name", "slot"), SLOTS, ids=case_id)
def test_card_data_slots_are_obfuscated(locale_id: str, intent_name: str, slot: dict[str, Any]) -> None:
    """(The app's sensitive slots are obfuscated: bot.dev.checks.) Here also the expiry, and any
    slot whose type could capture a card number or a code said in the wrong place."""
    locale = next(loc for loc in locales() if loc["LocaleId"] == locale_id)
    name = slot["Name"]
    must = (
        name in SENSITIVE_SLOTS
        or name in ALSO_OBFUSCATED
        or _can_carry_card_digits(slot["SlotTypeName"], slot_types(locale))
    )
    if must:
        assert slot.get("ObfuscationSetting") == OBFUSCATED, f"{name} must use DefaultObfuscation"


def test_the_expiry_slot_is_in_the_template() -> None:
    assert template_slot_names() >= ALSO_OBFUSCATED


@pytest.mark.parametrize("locale", locales(), ids=lambda loc: loc["LocaleId"])
def test_card_slot_types_leave_validation_to_the_code_hook(locale: dict[str, Any]) -> None:
    """A Lex regex filter would reject bad card input before the code hook sees it: the user
    would get Lex's generic re-prompt instead of the validator's reason and the counted hand-off."""
    types = slot_types(locale)
    slot_type = locale_slot_types(locale)
    for slot in intent_flow.CARD_SLOTS:
        selection = types[slot_type[slot]]["ValueSelectionSetting"]
        assert "RegexFilter" not in selection, slot
        assert selection["ResolutionStrategy"] == "ORIGINAL_VALUE"


@pytest.mark.parametrize("locale", locales(), ids=lambda loc: loc["LocaleId"])
def test_wallet_slot_type_can_hold_a_whole_address(locale: dict[str, Any]) -> None:
    """A regex filter caps AlphaNumeric values at 30 characters: a 0x address has 42."""
    assert WALLET_ADDRESS_LENGTH > REGEX_CAPTURE_LIMIT
    wallet_type = locale_slot_types(locale)[WALLET_SLOT]
    custom = slot_types(locale).get(wallet_type, {})
    assert "RegexFilter" not in custom.get("ValueSelectionSetting", {})
    assert wallet_type != "AMAZON.FreeFormInput", "FreeFormInput cannot appear in sample utterances"


@pytest.mark.parametrize("locale", locales(), ids=lambda loc: loc["LocaleId"])
def test_expiry_slot_type_keeps_what_was_said(locale: dict[str, Any]) -> None:
    """AMAZON.Date would turn "12/27" into a December 27th and lose the card's year."""
    expiry = intent_flow.CARDS.expiry
    expiry_type = locale_slot_types(locale)[expiry]
    assert expiry_type != "AMAZON.Date"
    custom = slot_types(locale)[expiry_type]
    assert custom["ValueSelectionSetting"]["ResolutionStrategy"] == "ORIGINAL_VALUE"


# --- locales: one bot in every language ---------------------------------------------------------

LOCALE_IDS = [str(loc["LocaleId"]) for loc in locales()]
MIN_UTTERANCES = 8
UTTERANCE_SLOT = re.compile(r"\{([^{}]*)\}")


def locale_named(locale_id: str) -> dict[str, Any]:
    (found,) = [loc for loc in locales() if loc["LocaleId"] == locale_id]
    return found


def _hook_enabled(intent: dict[str, Any], hook: str) -> bool:
    return intent.get(hook, {}).get("Enabled") is True


def intent_shape(intent: dict[str, Any]) -> dict[str, Any]:
    """What the code relies on in an intent, whatever the language: its slots and their types,
    the elicitation order, which slots are required and obfuscated, the retries, the code hooks
    and whether Lex asks for a confirmation."""
    slots = intent.get("Slots", [])
    confirmation = intent.get("IntentConfirmationSetting")
    return {
        "parent": intent.get("ParentIntentSignature"),
        "slots": {s["Name"]: s["SlotTypeName"] for s in slots},
        "priorities": [(p["Priority"], p["SlotName"]) for p in intent.get("SlotPriorities", [])],
        "required": sorted(
            s["Name"] for s in slots if s["ValueElicitationSetting"]["SlotConstraint"] == "Required"
        ),
        "max_retries": {
            s["Name"]: s["ValueElicitationSetting"]["PromptSpecification"]["MaxRetries"] for s in slots
        },
        "obfuscated": sorted(s["Name"] for s in slots if s.get("ObfuscationSetting") == OBFUSCATED),
        "dialog_code_hook": _hook_enabled(intent, "DialogCodeHook"),
        "fulfillment_code_hook": _hook_enabled(intent, "FulfillmentCodeHook"),
        "confirmation": None
        if confirmation is None
        else (confirmation.get("IsActive"), confirmation["PromptSpecification"]["MaxRetries"]),
    }


def slot_type_shape(slot_type: dict[str, Any]) -> dict[str, Any]:
    """A custom slot type without its words (its values and synonyms belong to the language)."""
    return {
        "parent": slot_type.get("ParentSlotTypeSignature"),
        "selection": slot_type.get("ValueSelectionSetting"),
        "has_values": bool(slot_type.get("SlotTypeValues")),
    }


def test_the_bot_speaks_us_english_and_us_spanish() -> None:
    assert LOCALE_IDS[0] == "en_US", (
        "en_US first: the simulator, the conversations and the scaffold default to it"
    )
    assert set(LOCALE_IDS) == {"en_US", "es_US"}
    assert len(LOCALE_IDS) == len(set(LOCALE_IDS)), f"a locale is listed twice: {LOCALE_IDS}"


@pytest.mark.parametrize("locale_id", LOCALE_IDS[1:])
def test_every_locale_defines_the_same_bot_as_the_first(locale_id: str) -> None:
    """The code names intents, slots and slot types, whatever the locale: every locale declares
    the same ones, with the same types, obfuscation, code hooks and confirmation."""
    first, other = locale_named(LOCALE_IDS[0]), locale_named(locale_id)
    assert {t["Name"]: slot_type_shape(t) for t in other.get("SlotTypes", [])} == {
        t["Name"]: slot_type_shape(t) for t in first.get("SlotTypes", [])
    }
    wanted = {i["Name"]: intent_shape(i) for i in first["Intents"]}
    found = {i["Name"]: intent_shape(i) for i in other["Intents"]}
    assert sorted(found) == sorted(wanted), f"{locale_id} intents differ from {LOCALE_IDS[0]}'s"
    for name, shape in wanted.items():
        assert found[name] == shape, f"{locale_id} {name} differs from {LOCALE_IDS[0]}"
    assert other["NluConfidenceThreshold"] == first["NluConfidenceThreshold"]


@pytest.mark.parametrize("locale", locales(), ids=lambda loc: loc["LocaleId"])
def test_every_locale_has_a_neural_voice(locale: dict[str, Any]) -> None:
    voice = locale["VoiceSettings"]
    assert voice["VoiceId"]
    assert voice["Engine"] == "neural"


def _own_words(locale: dict[str, Any]) -> dict[str, set[str]]:
    """Intent -> its sample utterances and prompts that have words (not a bare "{Slot}")."""
    found: dict[str, set[str]] = {}
    for intent in locale["Intents"]:
        texts = found.setdefault(intent["Name"], set())
        for owner in [intent, *(s["ValueElicitationSetting"] for s in intent.get("Slots", []))]:
            for entry in owner.get("SampleUtterances", []):
                text = " ".join(entry["Utterance"].lower().split())
                if UTTERANCE_SLOT.sub("", text).strip():
                    texts.add(text)
        prompts = [s["ValueElicitationSetting"]["PromptSpecification"] for s in intent.get("Slots", [])]
        if confirmation := intent.get("IntentConfirmationSetting"):
            prompts += [confirmation["PromptSpecification"], confirmation["DeclinationResponse"]]
        for prompt in prompts:
            for group in prompt["MessageGroupsList"]:
                for message in [group["Message"], *group.get("Variations", [])]:
                    texts.add(message["PlainTextMessage"]["Value"])
    return found


@pytest.mark.parametrize("locale_id", LOCALE_IDS[1:])
def test_a_locale_is_not_a_copy_of_the_first(locale_id: str) -> None:
    """Another locale has its own voice and, for the intents it was written with, its own words.
    (`python -m bot new-intent` writes a new intent's English text into every locale, to be
    translated: those intents may still share the first locale's words, not all of them.)"""
    first, other = locale_named(LOCALE_IDS[0]), locale_named(locale_id)
    assert other["VoiceSettings"]["VoiceId"] != first["VoiceSettings"]["VoiceId"]
    theirs, mine = _own_words(first), _own_words(other)
    translated = [name for name, texts in mine.items() if texts and not texts & theirs.get(name, set())]
    for name in ("CollectName", "CollectCard", "Confirm", "WalletAddress"):
        assert name in translated, f"{locale_id} {name} shares {sorted(mine[name] & theirs[name])}"


def utterance_cases() -> list[tuple[str, dict[str, Any]]]:
    return [
        (loc, i) for loc, i in intent_cases() if i.get("ParentIntentSignature") != "AMAZON.FallbackIntent"
    ]


@pytest.mark.parametrize(("locale_id", "intent"), utterance_cases(), ids=case_id)
def test_every_intent_has_enough_utterances_naming_its_own_slots(
    locale_id: str, intent: dict[str, Any]
) -> None:
    """(At least 8, none repeated, {Slot} naming a slot: also bot.dev.checks.) In each locale."""
    utterances = [entry["Utterance"] for entry in intent["SampleUtterances"]]
    assert len(utterances) >= MIN_UTTERANCES, f"{locale_id} {intent['Name']}: {len(utterances)} utterances"
    keys = [" ".join(u.lower().split()) for u in utterances]
    assert len(set(keys)) == len(keys), f"{locale_id} {intent['Name']}: an utterance is repeated"
    slots = {slot["Name"] for slot in intent.get("Slots", [])}
    for utterance in utterances:
        named = set(UTTERANCE_SLOT.findall(utterance))
        assert named <= slots, f"{locale_id} {intent['Name']}: {utterance!r} names {named - slots}"
        assert not set("{}") & set(UTTERANCE_SLOT.sub("", utterance)), f"stray brace in {utterance!r}"
    assert any(not UTTERANCE_SLOT.search(u) for u in utterances), "no utterance without a slot"
    for slot in intent.get("Slots", []):
        for entry in slot["ValueElicitationSetting"].get("SampleUtterances", []):
            assert UTTERANCE_SLOT.findall(entry["Utterance"]) == [slot["Name"]], entry


# --- voice and keypad capture of the card slots -------------------------------------------------

# A capture setting the code hook sends as a session attribute (x-amz-lex:<name>:<intent>:<slot>,
# bot.attributes.capture_settings) -> where the same setting sits in a PromptAttemptSpecification.
CAPTURE_PATHS: dict[str, tuple[str, ...]] = {
    "audio:start-timeout-ms": ("AudioAndDTMFInputSpecification", "StartTimeoutMs"),
    "audio:end-timeout-ms": ("AudioAndDTMFInputSpecification", "AudioSpecification", "EndTimeoutMs"),
    "audio:max-length-ms": ("AudioAndDTMFInputSpecification", "AudioSpecification", "MaxLengthMs"),
    "dtmf:end-timeout-ms": ("AudioAndDTMFInputSpecification", "DTMFSpecification", "EndTimeoutMs"),
    "dtmf:max-length": ("AudioAndDTMFInputSpecification", "DTMFSpecification", "MaxLength"),
    "dtmf:end-character": ("AudioAndDTMFInputSpecification", "DTMFSpecification", "EndCharacter"),
    "dtmf:deletion-character": ("AudioAndDTMFInputSpecification", "DTMFSpecification", "DeletionCharacter"),
    "allow-interrupt": ("AllowInterrupt",),
}
# What only the template sets (the code hook sends no attribute for it), on every card slot.
TEMPLATE_ONLY_CAPTURE: dict[str, object] = {"dtmf:deletion-character": "*", "dtmf:end-timeout-ms": 5000}


def runtime_capture(intent: str, slot: str) -> dict[str, str]:
    """The capture settings the code hook sends when it elicits `slot` of `intent` (what
    `App.elicitation_attributes` gives the pipeline), by setting name ("dtmf:max-length")."""
    suffix = f":{intent}:{slot}"
    found = {}
    for key, value in reference_app.elicitation_attributes(intent, slot).items():
        assert key.startswith(LEX_PREFIX), key
        assert key.endswith(suffix), f"{key} is not scoped to {intent}.{slot}"
        found[key.removeprefix(LEX_PREFIX).removesuffix(suffix)] = value
    return found


def attempt_value(attempt: dict[str, Any], setting: str) -> Any:
    """The value of a capture setting in one PromptAttemptSpecification (None: not set)."""
    value: Any = attempt
    for key in CAPTURE_PATHS[setting]:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def as_attribute(value: Any) -> str:
    """A template value as the code hook writes it in a session attribute."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def attempt_names(max_retries: int) -> list[str]:
    return ["Initial", *(f"Retry{n}" for n in range(1, max_retries + 1))]


def test_the_code_hook_sends_capture_settings_for_each_card_slot() -> None:
    for slot in intent_flow.CARD_SLOTS:
        settings = runtime_capture("CollectCard", slot)
        assert {"audio:end-timeout-ms", "dtmf:max-length", "dtmf:end-character"} <= set(settings), slot
        assert set(settings) <= set(CAPTURE_PATHS), f"no template property known for {set(settings)}"


@pytest.mark.parametrize(("locale_id", "intent_name", "slot"), SLOTS, ids=case_id)
def test_template_capture_settings_are_the_code_hooks(
    locale_id: str, intent_name: str, slot: dict[str, Any]
) -> None:
    """A slot the code hook sends voice and keypad settings for carries the same values in its
    PromptAttemptsSpecification, for every attempt (Initial, Retry1..RetryN for MaxRetries N):
    Lex applies those when it elicits the slot itself, the attributes when the code hook does.
    Audio and DTMF are both allowed; the DTMF deletion character and end timeout are the
    template's own. A slot the code sends nothing for has no PromptAttemptsSpecification."""
    runtime = runtime_capture(intent_name, slot["Name"])
    prompt = slot["ValueElicitationSetting"]["PromptSpecification"]
    attempts = prompt.get("PromptAttemptsSpecification")
    if not runtime:
        assert attempts is None, f"{slot['Name']}: capture settings the code hook does not send"
        return
    assert isinstance(attempts, dict), (
        f"{locale_id} {intent_name}.{slot['Name']}: no PromptAttemptsSpecification"
    )
    assert list(attempts) == attempt_names(prompt["MaxRetries"])
    for name, attempt in attempts.items():
        where = f"{locale_id} {intent_name}.{slot['Name']} {name}"
        assert attempt["AllowedInputTypes"] == {"AllowAudioInput": True, "AllowDTMFInput": True}, where
        assert attempt.get("AllowInterrupt", True) == prompt["AllowInterrupt"], where
        for setting, value in runtime.items():
            assert as_attribute(attempt_value(attempt, setting)) == value, f"{where}: {setting}"
        for setting, fixed in TEMPLATE_ONLY_CAPTURE.items():
            assert attempt_value(attempt, setting) == fixed, f"{where}: {setting}"
        start = attempt_value(attempt, "audio:start-timeout-ms")
        end = attempt_value(attempt, "audio:end-timeout-ms")
        longest = attempt_value(attempt, "audio:max-length-ms")
        for milliseconds in (start, end, longest):
            assert isinstance(milliseconds, int), f"{where}: {milliseconds!r} is not a number of milliseconds"
        assert start > 0, where
        assert 0 < end < longest, f"{where}: end of speech {end} ms, longest input {longest} ms"


def test_the_card_slots_carry_capture_settings_in_every_locale() -> None:
    found = {
        (locale_id, slot["Name"])
        for locale_id, _, slot in SLOTS
        if "PromptAttemptsSpecification" in slot["ValueElicitationSetting"]["PromptSpecification"]
    }
    assert found == {(locale_id, slot) for locale_id in LOCALE_IDS for slot in intent_flow.CARD_SLOTS}


# --- aliases, code hooks and Lambda permissions ---------------------------------------------------


def live_alias() -> tuple[str, dict[str, Any]]:
    aliases = {
        k: v for k, v in of_type("AWS::Lex::BotAlias").items() if v["Properties"]["BotAliasName"] == "live"
    }
    assert len(aliases) == 1
    return next(iter(aliases.items()))


def test_one_version_from_draft_served_by_the_live_alias_and_the_fulfillment_function() -> None:
    """(Every alias serves every locale with the code hook on: bot.dev.checks.) This bot has one
    version, built from DRAFT, and a "live" alias; its code hook is FulfillmentFunction."""
    bot_id, _ = bot()
    _, version = only("AWS::Lex::BotVersion")
    assert refers_to(version["Properties"]["BotId"], bot_id)
    spec = version["Properties"]["BotVersionLocaleSpecification"]
    assert {s["BotVersionLocaleDetails"]["SourceBotVersion"] for s in spec} == {"DRAFT"}
    _, alias = live_alias()
    assert refers_to(alias["Properties"]["BotId"], bot_id)
    assert code_hook_function(loaded()) == FUNCTION


def test_every_lambda_permission_is_lex_v2_for_this_bot() -> None:
    """(A permission lets Lex invoke the code hook for each alias: bot.dev.checks.) The only
    permissions of this template are those, each for one alias of this bot."""
    bot_id, _ = bot()
    live_id, _ = live_alias()
    permissions = {
        n: p for n, p in of_type("AWS::Lambda::Permission").items() if n != "WalletAgentInvokePermission"
    }
    assert permissions, "Lex cannot invoke the function without a permission"
    covered = set()
    for name, permission in permissions.items():
        props = permission["Properties"]
        assert props["Principal"] == LEX_PRINCIPAL, f"{name}: wrong principal {props['Principal']!r}"
        assert props["Action"] == "lambda:InvokeFunction"
        assert refers_to(props["FunctionName"], FUNCTION)
        source = sub_text(props["SourceArn"])
        prefix = "arn:${AWS::Partition}:lex:${AWS::Region}:${AWS::AccountId}:bot-alias/${" + bot_id + "}/"
        assert source.startswith(prefix), f"{name}: SourceArn {source!r} is not scoped to {bot_id}"
        covered.add(source.removeprefix(prefix))
    assert "*" in covered or {"TSTALIASID", "${" + live_id + ".BotAliasId}"} <= covered, covered


def _locale_ids(entries: Any) -> list[str]:
    return [str(entry["LocaleId"]) for entry in as_list(entries)]


def test_every_locale_is_enabled_in_the_test_alias_the_live_alias_and_the_version() -> None:
    """(Every alias serves every locale: bot.dev.checks.) Here as lists: no locale missing, none
    listed twice, none that the bot does not have; each served by FulfillmentFunction."""
    bot_id, resource = bot()
    props = resource["Properties"]
    declared = sorted(_locale_ids(props["BotLocales"]))
    served = {"TestBotAliasSettings": props["TestBotAliasSettings"]["BotAliasLocaleSettings"]}
    for name, alias in of_type("AWS::Lex::BotAlias").items():
        assert refers_to(alias["Properties"]["BotId"], bot_id)
        served[name] = alias["Properties"]["BotAliasLocaleSettings"]
    assert set(served) == {"TestBotAliasSettings", live_alias()[0]}
    for name, entries in served.items():
        assert sorted(_locale_ids(entries)) == declared, name
        for entry in entries:
            setting = entry["BotAliasLocaleSetting"]
            assert setting["Enabled"] is True, (name, entry["LocaleId"])
            hook = setting["CodeHookSpecification"]["LambdaCodeHook"]
            assert hook["CodeHookInterfaceVersion"] == "1.0"
            assert refers_to(hook["LambdaArn"], FUNCTION), (name, entry["LocaleId"])
    versions = of_type("AWS::Lex::BotVersion")
    assert versions
    for name, version in versions.items():
        spec = version["Properties"]["BotVersionLocaleSpecification"]
        assert sorted(_locale_ids(spec)) == declared, name
        assert {s["BotVersionLocaleDetails"]["SourceBotVersion"] for s in spec} == {"DRAFT"}


def _locale_ids_anywhere(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if "LocaleId" in value:
            yield str(value["LocaleId"])
        for inner in value.values():
            yield from _locale_ids_anywhere(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _locale_ids_anywhere(inner)


def test_no_locale_is_named_that_the_bot_does_not_have() -> None:
    declared = set(_locale_ids(bot()[1]["Properties"]["BotLocales"]))
    assert set(_locale_ids_anywhere(template())) == declared


# --- IAM ------------------------------------------------------------------------------------------


def iam_statements() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, resource in resources().items():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            documents = [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents = [props["PolicyDocument"]]
        elif resource["Type"] == "AWS::Serverless::Function":
            documents = [
                p for p in as_list(props.get("Policies", [])) if isinstance(p, dict) and "Statement" in p
            ]
        for document in documents:
            for statement in as_list(document["Statement"]):
                yield name, statement


def test_iam_statements_are_allow_lists() -> None:
    statements = list(iam_statements())
    assert len(statements) >= 5
    for name, statement in statements:
        assert statement["Effect"] == "Allow", name
        assert "NotAction" not in statement, name
        assert "NotResource" not in statement, name


def test_no_iam_policy_allows_dynamodb_scan() -> None:
    for name, statement in iam_statements():
        for action in as_list(statement["Action"]):
            assert not fnmatch.fnmatchcase("dynamodb:scan", str(action).lower()), (
                f"{name}: {action} allows Scan"
            )
    for name, function in of_type("AWS::Serverless::Function").items():
        for policy in as_list(function["Properties"].get("Policies", [])):
            names = set(policy) if isinstance(policy, dict) else {policy}
            assert not names & {"DynamoDBCrudPolicy", "DynamoDBReadPolicy"}, f"{name}: these include Scan"


def test_only_polly_gets_resource_star() -> None:
    for name, statement in iam_statements():
        if "*" in as_list(statement["Resource"]):
            assert as_list(statement["Action"]) == ["polly:SynthesizeSpeech"], (
                f"{name}: Resource * for {statement}"
            )


def test_function_reads_exactly_the_secret_parameters() -> None:
    secret_parameters = {name for name in parameters() if SECRET_NAME.search(name)}
    assert secret_parameters == {"StripeSecretArn", "SigningKeySecretArn", "UserTokenSecretArn"}
    role = resources()["FulfillmentFunctionRole"]["Properties"]
    statements = [s for p in role["Policies"] for s in as_list(p["PolicyDocument"]["Statement"])]
    secret_statements = [s for s in statements if any("secretsmanager" in a for a in as_list(s["Action"]))]
    assert len(secret_statements) == 1
    statement = secret_statements[0]
    assert as_list(statement["Action"]) == ["secretsmanager:GetSecretValue"]
    assert sorted(r["Ref"] for r in as_list(statement["Resource"])) == sorted(secret_parameters)


@pytest.mark.parametrize("name", sorted(p for p in parameters() if SECRET_NAME.search(p)))
def test_secret_parameters_have_no_default(name: str) -> None:
    assert "Default" not in parameters()[name]
    assert parameters()[name]["Type"] == "String"


# --- function ------------------------------------------------------------------------------------


def test_function_runtime_architecture_role_and_build() -> None:
    """(Handler bot.handler.lambda_handler on python3.12/3.13 and BOT_APP: bot.dev.checks.)"""
    props = resources()[FUNCTION]["Properties"]
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    # An explicit role: SAM's generated one would add AWSLambdaBasicExecutionRole (Resource "*").
    assert refers_to(props["Role"], "FulfillmentFunctionRole")
    assert resources()[FUNCTION]["Metadata"]["BuildMethod"] == "makefile"


def test_function_environment_is_the_deployed_configuration() -> None:
    """(The environment satisfies Settings and the app's parts under Lambda: bot.dev.checks.)
    What it configures: DynamoDB, the Stripe gateway, the table and the session lifetime."""
    env = lambda_environment(loaded(), FUNCTION)
    settings = Settings.from_env(env)
    with secrets_as("user-token-secret-" + "t" * 32):  # the user-token secret is read at init
        pipeline = reference_app.build(settings, keys=Keys.from_secrets(b"k" * 40), store=MemoryStore())
    assert settings.in_lambda
    assert "UserTokenSecretArn" in str(settings.user_token_secret_arn)
    assert pipeline.verifier is not None
    assert pipeline.verifier.configured
    assert settings.store == "dynamodb"
    assert pipeline.part(intent_flow.CARDS).settings.gateway == "stripe"
    assert settings.session_table == "resolved-SessionTable"
    assert settings.session_ttl_seconds == int(parameters()["SessionTtlSeconds"]["Default"])


def test_stored_sessions_outlive_the_lex_session() -> None:
    """(SESSION_TTL_SECONDS >= IdleSessionTTLInSeconds: bot.dev.checks.) The values this bot uses."""
    idle = bot()[1]["Properties"]["IdleSessionTTLInSeconds"]
    assert idle == 3600
    assert int(parameters()["SessionTtlSeconds"]["Default"]) >= idle


# --- table ------------------------------------------------------------------------------------


def _index_shape(index: dict[str, Any]) -> tuple[frozenset[tuple[str, str]], str]:
    keys = frozenset((k["AttributeName"], k["KeyType"]) for k in index["KeySchema"])
    return keys, index["Projection"]["ProjectionType"]


# The index layout of bot/store/layout.py: sessions by user (gsi1) and by day of activity (gsi2).
STORE_INDEXES = {
    GSI_USER: (frozenset({("gsi1pk", "HASH"), ("gsi1sk", "RANGE")}), "ALL"),
    GSI_TIME: (frozenset({("gsi2pk", "HASH"), ("gsi2sk", "RANGE")}), "ALL"),
}


def test_session_table_matches_the_store_layout() -> None:
    props = resources()["SessionTable"]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert {(k["AttributeName"], k["KeyType"]) for k in props["KeySchema"]} == {
        ("pk", "HASH"),
        ("sk", "RANGE"),
    }
    types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    assert types == {"pk": "S", "sk": "S", "gsi1pk": "S", "gsi1sk": "S", "gsi2pk": "S", "gsi2sk": "S"}
    assert props["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    indexes = {g["IndexName"]: _index_shape(g) for g in props["GlobalSecondaryIndexes"]}
    assert indexes == STORE_INDEXES
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)


def test_session_table_is_the_table_the_store_creates_and_writes(fake_aws: None) -> None:
    """The template's table = `bot.store.dynamodb.create_table`'s, and a stored session record
    carries the key attributes of both indexes, typed as the template declares them."""
    from moto import mock_aws

    from bot.store.base import SessionRecord
    from bot.store.dynamodb import DynamoDBStore, create_table

    props = resources()["SessionTable"]["Properties"]
    declared = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    with mock_aws():
        import boto3

        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, "layout-check")
        table = client.describe_table(TableName="layout-check")["Table"]
        created = {g["IndexName"]: _index_shape(g) for g in table["GlobalSecondaryIndexes"]}
        assert created == {g["IndexName"]: _index_shape(g) for g in props["GlobalSecondaryIndexes"]}
        assert {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]} == declared

        now = 1_741_608_000
        store = DynamoDBStore("layout-check", client=client)
        store.put(
            SessionRecord(session_id="s-1", state={}, owner="alice", expires_at=now + 60),
            expected_version=0,
            now=now,
        )
        item = client.get_item(
            TableName="layout-check", Key={"pk": {"S": session_pk("s-1")}, "sk": {"S": STATE_SK}}
        )["Item"]
    for name, attribute_type in declared.items():
        assert set(item[name]) == {attribute_type}, name
    assert item["gsi1pk"]["S"] == user_pk("alice")
    assert item["gsi2pk"]["S"] == day_pk(now)
    assert item["gsi1sk"]["S"] == item["gsi2sk"]["S"] == activity_sk(now, "s-1")
    assert set(item[TTL_ATTRIBUTE]) == {"N"}


def test_session_table_is_encrypted_with_a_rotating_cmk_and_protected_in_prod() -> None:
    props = resources()["SessionTable"]["Properties"]
    sse = props["SSESpecification"]
    assert sse["SSEEnabled"] is True
    assert sse["SSEType"] == "KMS"
    key_id = sse["KMSMasterKeyId"]["Fn::GetAtt"][0]
    key = resources()[key_id]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    condition, if_true, if_false = props["DeletionProtectionEnabled"]["Fn::If"]
    assert (if_true, if_false) == (True, False)
    assert template()["Conditions"][condition] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}


# --- session admin function --------------------------------------------------------------------

ADMIN = "SessionAdminFunction"
ADMIN_TABLE_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
}


def admin_role() -> tuple[str, list[dict[str, Any]]]:
    role = resources()[ADMIN]["Properties"]["Role"]
    name = str(as_list(role["Fn::GetAtt"])[0])
    props = resources()[name]["Properties"]
    statements = [s for p in props["Policies"] for s in as_list(p["PolicyDocument"]["Statement"])]
    return name, statements


def settings_variables() -> set[str]:
    """Every environment variable `Settings.from_env` reads (e.get("X"), _int(e, "X", ...))."""
    tree = ast.parse((ROOT / "bot" / "config.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        is_get = isinstance(func, ast.Attribute) and func.attr == "get"
        is_int = isinstance(func, ast.Name) and func.id == "_int"
        args = node.args[1:] if is_int else node.args if is_get else []
        if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            names.add(args[0].value)
    return names


def test_admin_function_runtime_handler_and_build() -> None:
    function = resources()[ADMIN]
    props = function["Properties"]
    assert props["Handler"] == "bot.admin.handler.lambda_handler"
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    module, attribute = props["Handler"].rsplit(".", 1)
    assert callable(getattr(importlib.import_module(module), attribute))
    assert refers_to(props["Role"], "SessionAdminFunctionRole")
    assert function["Metadata"]["BuildMethod"] == "makefile"
    assert props["CodeUri"] == resources()["FulfillmentFunction"]["Properties"]["CodeUri"]


def test_every_makefile_function_has_a_build_target() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for name, function in of_type("AWS::Serverless::Function").items():
        if function.get("Metadata", {}).get("BuildMethod") == "makefile":
            assert re.search(rf"^build-{name}:", makefile, re.MULTILINE), f"Makefile lacks build-{name}"


def test_admin_role_is_least_privilege() -> None:
    role_name, statements = admin_role()
    assume = resources()[role_name]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in as_list(assume)] == [{"Service": "lambda.amazonaws.com"}]
    actions = [str(a) for s in statements for a in as_list(s["Action"])]
    assert not [a for a in actions if "*" in a], actions
    assert not [a for a in actions if a.lower().startswith(("lex", "lambda:"))], actions
    assert not [a for a in actions if fnmatch.fnmatchcase("dynamodb:scan", a.lower())]
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert "*" not in as_list(statement["Resource"]), statement
    table_actions = {a for a in actions if a.startswith("dynamodb:")}
    assert table_actions == ADMIN_TABLE_ACTIONS
    (table_statement,) = [
        s for s in statements if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))
    ]
    resources_ = as_list(table_statement["Resource"])
    assert len(resources_) == 2
    assert all(refers_to(r, "SessionTable") for r in resources_)
    (secret_statement,) = [s for s in statements if any("secretsmanager" in a for a in as_list(s["Action"]))]
    assert as_list(secret_statement["Action"]) == ["secretsmanager:GetSecretValue"]
    assert as_list(secret_statement["Resource"]) == [{"Ref": "SigningKeySecretArn"}]  # no Stripe secret
    (kms_statement,) = [s for s in statements if any(a.startswith("kms:") for a in as_list(s["Action"]))]
    assert "kms:ViaService" in kms_statement["Condition"]["StringEquals"]
    (logs_statement,) = [s for s in statements if any(a.startswith("logs:") for a in as_list(s["Action"]))]
    assert refers_to(logs_statement["Resource"], "SessionAdminLogGroup")


def test_admin_function_is_not_invokable_by_lex() -> None:
    for name, permission in of_type("AWS::Lambda::Permission").items():
        assert not refers_to(permission["Properties"]["FunctionName"], ADMIN), name
    assert "lexv2" not in str(resources()[ADMIN]).lower()
    assert "Events" not in resources()[ADMIN]["Properties"]  # no API, schedule or other trigger


def test_admin_function_logs_to_its_own_encrypted_group() -> None:
    props = resources()[ADMIN]["Properties"]
    assert refers_to(props["LoggingConfig"]["LogGroup"], "SessionAdminLogGroup")
    group = resources()["SessionAdminLogGroup"]["Properties"]
    assert sub_text(group["LogGroupName"]) == "/aws/lambda/${AWS::StackName}-session-admin"
    assert refers_to(group["KmsKeyId"], "BotDataKey")


def test_the_key_lets_logs_encrypt_every_log_group() -> None:
    statements = resources()["BotDataKey"]["Properties"]["KeyPolicy"]["Statement"]
    (logs,) = [s for s in statements if s.get("Sid") == "AllowCloudWatchLogsForThisStack"]
    allowed = {sub_text(arn) for arn in logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]}
    prefix = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
    for name, group in of_type("AWS::Logs::LogGroup").items():
        if "KmsKeyId" in group["Properties"]:
            assert prefix + sub_text(group["Properties"]["LogGroupName"]) in allowed, name


def test_admin_function_environment_is_read_by_settings() -> None:
    variables = resources()[ADMIN]["Properties"]["Environment"]["Variables"]
    assert set(variables) <= settings_variables(), set(variables) - settings_variables()
    for name, value in variables.items():
        if SECRET_NAME.search(name):
            assert value.get("Ref") in parameters(), f"{name} must come from a parameter"
    assert not {"STRIPE_SECRET_ARN", "PAYMENT_GATEWAY", "STRIPE_API_KEY"} & set(variables)


def test_admin_function_environment_satisfies_the_admin_settings() -> None:
    from bot.admin.factory import admin_settings
    from bot.config import ConfigError

    variables = resources()[ADMIN]["Properties"]["Environment"]["Variables"]
    env = {name: resolve(loaded(), value) for name, value in variables.items()}
    env["AWS_LAMBDA_FUNCTION_NAME"] = "session-admin"
    settings = admin_settings(env)  # raises ConfigError on anything the admin Lambda refuses
    assert settings.in_lambda
    assert settings.store == "dynamodb"
    assert settings.session_table == "resolved-SessionTable"
    assert settings.signing_secret_arn
    assert settings.session_ttl_seconds == int(parameters()["SessionTtlSeconds"]["Default"])
    assert settings.review_retention_seconds == int(parameters()["ReviewRetentionSeconds"]["Default"])
    with pytest.raises(ConfigError, match="STRIPE_SECRET_ARN"):  # the bot's own checks still apply to the bot
        reference_app.build(Settings.from_env(env), keys=Keys.from_secrets(b"k" * 40), store=MemoryStore())


# --- build inputs -----------------------------------------------------------------------------


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, _, version = line.partition("==")
        assert version, f"{path.name}: {line!r} is not pinned with =="
        pins[re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()] = version.strip()
    return pins


def test_lambda_requirements_are_pinned_like_the_app() -> None:
    lambda_pins = _pins(ROOT / "requirements-lambda.txt")
    assert "boto3" not in lambda_pins
    assert "botocore" not in lambda_pins, "the python3.13 runtime ships boto3/botocore"
    app_requirements = ROOT / "requirements.txt"
    if not app_requirements.exists():
        pytest.skip("no requirements.txt")
    app_pins = _pins(app_requirements)
    differing = {name: (v, app_pins.get(name)) for name, v in lambda_pins.items() if app_pins.get(name) != v}
    assert not differing, f"requirements-lambda.txt vs requirements.txt: {differing}"


# --- the wallet action group (bot/agent) ---------------------------------------------------------


def test_the_wallet_agent_function_is_least_privilege_and_only_the_agent_may_call_it() -> None:
    import json

    from bot.agent.schema import generate

    function = resources()["WalletAgentFunction"]["Properties"]
    assert function["Handler"] == "bot.agent.handler.lambda_handler"
    assert refers_to(function["Role"], "WalletAgentFunctionRole")
    env = function["Environment"]["Variables"]
    assert "SIGNING_KEY_SECRET_ARN" not in env  # it signs nothing
    assert refers_to(env["USER_TOKEN_SECRET_ARN"], "UserTokenSecretArn")
    statements = [
        s
        for p in resources()["WalletAgentFunctionRole"]["Properties"]["Policies"]
        for s in as_list(p["PolicyDocument"]["Statement"])
    ]
    actions = sorted(str(a) for s in statements for a in as_list(s["Action"]))
    assert not [a for a in actions if "*" in a]
    assert [a for a in actions if a.startswith("dynamodb:")] == [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]  # profile items: no Query, no Scan, no batch
    for statement in statements:
        assert "*" not in as_list(statement["Resource"]), statement
    [items] = [s for s in statements if s["Sid"] == "ProfileItems"]
    assert items["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["USER#*"]}}
    permission = resources()["WalletAgentInvokePermission"]
    assert permission["Condition"] == "AgentMayCall"
    props = permission["Properties"]
    assert (props["Principal"], props["Action"]) == ("bedrock.amazonaws.com", "lambda:InvokeFunction")
    assert refers_to(props["FunctionName"], "WalletAgentFunction")
    created, existing = props["SourceArn"]["Fn::If"][1:]
    assert created == {"Fn::GetAtt": ["WalletAgent", "AgentArn"]}
    assert sub_text(existing).endswith(":agent/${WalletAgentId}")
    agent = resources()["WalletAgent"]
    [group] = agent["Properties"]["ActionGroups"]
    assert json.loads(group["ApiSchema"]["Payload"]) == generate()  # the schema is the code's
    role = resources()["WalletAgentRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert [s["Action"] for s in as_list(role)] == ["bedrock:InvokeModel"]
