"""The conversation test of a scaffolded intent (the format of `bot.dev.simulator.conversations`):
a sample utterance, then for each slot an answer refused (the validator's reason, or Lex's own
re-prompt when the slot type refuses it) and a plausible answer, then the Close/Fulfilled with
the confirmation.

Every expectation is computed, not guessed: the answers are resolved with the simulator's slot
resolution and NLU for the new bot definition, then checked with the generated validators.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.dev.lexevents import slot_text
from bot.dev.scaffold.kinds import SlotPlan
from bot.dev.scaffold.naming import ScaffoldError, words
from bot.dev.scaffold.template import Quoted, Yaml, mapping_lines
from bot.dev.simulator.definition import LocaleDefinition
from bot.dev.simulator.nlu import STRONG_MATCH, recognizer_for
from bot.dev.simulator.slots import resolve_slot
from bot.validation.result import Invalid, Valid, Validation

# Resolution that is relative to a date ("tomorrow") is done as of this day: the generated answers
# carry no relative dates, so the file does not depend on when it runs.
REFERENCE_DAY = date(2030, 1, 1)

type Validator = Callable[[str], Validation[Any]]


@dataclass(slots=True)
class Step:
    user: str
    expect: dict[str, Yaml]
    slot: SlotPlan | None = None
    refused: bool = False


@dataclass(slots=True)
class Script:
    opening: str
    steps: list[Step] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # slot -> the clean value collected


def _heard(intent: str, plan: SlotPlan, said: str, locale: LocaleDefinition) -> str | None:
    """The value the code hook gets when `said` answers the slot's prompt (None: Lex refuses it)."""
    recognizer = recognizer_for(locale)
    top = recognizer.interpretations(said, today=REFERENCE_DAY)[0]
    if top.intent not in (intent, locale.fallback_intent) and top.score >= STRONG_MATCH:
        raise ScaffoldError(
            f"the answer {said!r} for {plan.name} would switch to intent {top.intent} in the simulator"
        )
    for candidate in recognizer.slot_candidates(intent, plan.name, said):
        value = resolve_slot(candidate, plan.type_name, locale, today=REFERENCE_DAY)
        if value is not None:
            return slot_text(value)
    return None


_SPECIAL = re.compile(r"([.^$*+?{}\[\]\\|()])")


def escape(text: str) -> str:
    """`text` as a regex: only the metacharacters escaped (re.escape also escapes spaces)."""
    return _SPECIAL.sub(r"\\\1", text)


def unescape(pattern: str) -> str:
    return re.sub(r"\\(.)", r"\1", pattern)


def _anchored(text: str) -> Quoted:
    return Quoted(f"^{escape(text)}$")


def script(
    intent: str,
    plans: Sequence[SlotPlan],
    *,
    prompts: Sequence[str],
    utterances: Sequence[str],
    validators: Mapping[str, Validator],
    confirmation: Callable[[dict[str, str]], str],
    locale: LocaleDefinition,
) -> Script:
    """The turns, with what each must produce. Raises ScaffoldError if no utterance reaches the
    intent or an answer does not do what it should (a scaffold bug, or a bot that differs)."""
    opening, filled = _opening(intent, plans, utterances, locale)
    found = Script(opening)
    values: dict[str, str] = {}
    for plan in plans:
        if plan.name in filled:
            values[plan.name] = _clean(plan, filled[plan.name], validators)
    remaining = [(p, prompts[i]) for i, p in enumerate(plans) if p.name not in filled]
    user = opening
    for plan, prompt in remaining:
        found.steps.append(Step(user, _elicit(intent, plan, prompt)))
        if plan.invalid is not None:
            heard = _heard(intent, plan, plan.invalid, locale)
            if heard is None:  # the slot type refuses it: Lex asks again with the slot's prompt
                found.steps.append(Step(plan.invalid, {}, plan, refused=True))
                found.steps[-1].expect = _elicit(intent, plan, prompt)
            else:
                result = validators[plan.name](heard)
                if isinstance(result, Invalid):
                    found.steps.append(
                        Step(plan.invalid, _elicit(intent, plan, result.reason), plan, refused=True)
                    )
        user = plan.valid
        heard = _heard(intent, plan, plan.valid, locale)
        if heard is None:
            raise ScaffoldError(
                f"the simulator does not resolve {plan.valid!r} for {plan.name} ({plan.type_name})"
            )
        values[plan.name] = _clean(plan, heard, validators)
    found.values = values
    closing: dict[str, Yaml] = {
        "intent": intent,
        "action": "Close",
        "state": "Fulfilled",
        "message": _anchored(confirmation(values)),
    }
    found.steps.append(Step(user, closing))
    first = found.steps[0]
    first.expect = {"nlu_intent": intent, **first.expect}
    return found


def _elicit(intent: str, plan: SlotPlan, message: str) -> dict[str, Yaml]:
    return {
        "intent": intent,
        "action": "ElicitSlot",
        "slot": plan.name,
        "state": "InProgress",
        "message": _anchored(message),
    }


def _clean(plan: SlotPlan, heard: str, validators: Mapping[str, Validator]) -> str:
    result = validators[plan.name](heard)
    if not isinstance(result, Valid):
        raise ScaffoldError(f"the validator of {plan.name} refuses the example answer {plan.valid!r}")
    return str(result.value)


def _opening(
    intent: str, plans: Sequence[SlotPlan], utterances: Sequence[str], locale: LocaleDefinition
) -> tuple[str, dict[str, str]]:
    """A sample utterance the simulator's NLU gives to the intent: one without slots if possible
    ("I want to give my zip code"), else one with its slots filled with plausible answers."""
    recognizer = recognizer_for(locale)
    by_name = {plan.name: plan for plan in plans}
    plain = [u for u in utterances if "{" not in u]
    preferred = [u for u in plain if u.lower().startswith("i want to")] + plain
    for text in preferred:
        top = recognizer.interpretations(text, today=REFERENCE_DAY)[0]
        if top.intent == intent and top.score >= STRONG_MATCH:
            return text, {}
    for utterance in utterances:
        text = re.sub(r"\{(\w+)\}", lambda m: by_name[m[1]].valid if m[1] in by_name else m[0], utterance)
        top = recognizer.interpretations(text, today=REFERENCE_DAY)[0]
        if top.intent == intent and top.score >= STRONG_MATCH:
            filled = {name: slot_text(value) for name, value in top.slots.items() if value is not None}
            return text, {name: value for name, value in filled.items() if value is not None}
    raise ScaffoldError(
        f"the simulator's NLU does not recognize any sample utterance of {intent} as {intent} "
        "(they are too close to other intents' utterances): give others with --utterance"
    )


def render(intent: str, found: Script) -> str:
    """The YAML text of the conversation file."""
    turns: list[Yaml] = []
    for step in found.steps:
        turns.append({"user": step.user, "expect": step.expect})
    document: dict[str, Yaml] = {
        "name": f"{words(intent)} (scaffolded intent {intent})",
        "description": _description(intent, found),
        "turns": turns,
    }
    return "\n".join(mapping_lines(document, 0, 2)) + "\n"


def _description(intent: str, found: Script) -> str:
    refused = any(step.refused for step in found.steps)
    middle = "a refused answer and a good one for each slot" if refused else "a good answer for each slot"
    return f"the scaffolded {intent} intent, from a sample utterance to the confirmation, with {middle}"
