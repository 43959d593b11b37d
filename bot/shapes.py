"""Slots in every shape Lex V2 has, and the runtime hints a bot may send.

    turn.slot("Size")                          # Scalar: its text
    turn.slot_list("Toppings")                 # List (multi-valued slot): ["cheese", "ham"]
    turn.sub_slots("Car")                      # Composite: {"Make": "Ford", "Model": None}
    turn.set_list("Toppings", ["cheese"])      # sent back as shape List
    turn.set_sub_slots("Car", {"Make": "Ford", "Model": None})
    dialog.elicit_slot(turn, "Car", "And the model?", sub_slot="Model")
    dialog.hint(turn, "FirstName", ["Ana"])    # runtimeHints: bias recognition to these phrases

A slot the handler did not change goes back exactly as Lex sent it (its shape, originalValue and
resolvedValues), minus anything Lex would refuse; a changed one is rendered from the bot's value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.redaction import has_card_number

if TYPE_CHECKING:
    from bot.events import Slot

_NAME = re.compile(r"(?:[0-9a-zA-Z][_-]?){1,100}")  # Lex's slot name pattern
_SURROGATE = re.compile(r"[\ud800-\udfff]")
MAX_SLOT_VALUE = 1024
MAX_LIST = 100  # values of one List slot echoed back
MAX_HINTS = 100  # Lex: at most 100 runtime hint values per slot
MAX_HINT_PHRASE = 140  # Lex: a hint phrase is at most 140 characters


@dataclass(frozen=True, slots=True)
class SlotList:
    """A List slot (Lex `shape: List`): several values of one slot ("cheese and ham")."""

    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Composite:
    """A Composite slot (Lex `shape: Composite`): named sub-slots, each a text or empty."""

    sub_slots: Mapping[str, str | None] = field(default_factory=dict)


type SlotOut = str | SlotList | Composite | None


def shaped(slot: Slot | None) -> SlotList | Composite | None:
    """The List or Composite form of an event slot (None for a Scalar or empty one)."""
    if slot is None:
        return None
    if slot.shape == "List":
        return SlotList(tuple(text for v in slot.values if (text := v.text())))
    if slot.shape == "Composite" and slot.subSlots is not None:
        return Composite({k: v.text() if v is not None else None for k, v in slot.subSlots.items()})
    return None


def clean(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)[:MAX_SLOT_VALUE]


def scalar(text: str, original: Slot | None = None) -> dict[str, Any]:
    """A Scalar slot with `text` as its value; Lex's own originalValue and resolvedValues are
    kept when the value is the one Lex sent (and hold no card number)."""
    text = clean(text)
    value: dict[str, Any] = {"originalValue": text, "interpretedValue": text, "resolvedValues": [text]}
    if original is not None and original.value is not None:
        sent = original.value
        if original.text() == text and sent.originalValue and not has_card_number(sent.originalValue):
            value["originalValue"] = clean(sent.originalValue)
            resolved = [clean(v) for v in sent.resolvedValues if v and not has_card_number(v)][:MAX_LIST]
            value["resolvedValues"] = resolved
    return {"shape": "Scalar", "value": value}


def render_slot(value: SlotOut, original: Slot | None = None) -> dict[str, Any] | None:
    """The Lex slot for the bot's value (None: an empty slot)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return scalar(value, original)
    unchanged = original is not None and shaped(original) == value
    if isinstance(value, SlotList):
        items = [clean(v) for v in value.values if v][:MAX_LIST]
        if not items:
            return None
        if unchanged and original is not None:  # as Lex sent it
            sent = [v for v in original.values if v.text()][:MAX_LIST]
            joined = original.text() or ", ".join(items)
            return {
                "shape": "List",
                "value": scalar(joined, original if original.text() else None)["value"],
                "values": [scalar(v.text() or "", v) for v in sent],
            }
        joined = clean(", ".join(items))
        return {
            "shape": "List",
            "value": {"originalValue": joined, "interpretedValue": joined, "resolvedValues": items},
            "values": [scalar(v) for v in items],
        }
    sent_subs = (original.subSlots or {}) if unchanged and original is not None else {}
    subs = {
        name: render_slot(text, sent_subs.get(name)) if isinstance(text, str) else None
        for name, text in value.sub_slots.items()
        if _NAME.fullmatch(name)
    }
    return {"shape": "Composite", "subSlots": subs}


def runtime_hints(hints: Mapping[str, Mapping[str, tuple[str, ...]]]) -> dict[str, Any] | None:
    """Lex `runtimeHints` for {intent: {slot: phrases}} (empty phrases and bad names left out)."""
    slot_hints: dict[str, Any] = {}
    for intent, slots in hints.items():
        if not _NAME.fullmatch(intent):
            continue
        for slot, phrases in slots.items():
            kept = [clean(p)[:MAX_HINT_PHRASE] for p in phrases if p.strip() and not has_card_number(p)]
            if _NAME.fullmatch(slot) and kept:
                values = [{"phrase": p} for p in dict.fromkeys(kept)][:MAX_HINTS]
                slot_hints.setdefault(intent, {})[slot] = {"runtimeHintValues": values}
    return {"slotHints": slot_hints} if slot_hints else None


def event_hints(raw: Any) -> dict[str, dict[str, tuple[str, ...]]]:
    """The phrases of the event's `runtimeHints` ({intent: {slot: phrases}}), whatever else it held."""
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    intents = raw.get("slotHints") if isinstance(raw, dict) else None
    for intent, slots in (intents or {}).items() if isinstance(intents, dict) else ():
        for slot, details in (slots or {}).items() if isinstance(slots, dict) else ():
            values = details.get("runtimeHintValues") if isinstance(details, dict) else None
            phrases = tuple(
                v["phrase"] for v in values or () if isinstance(v, dict) and isinstance(v.get("phrase"), str)
            )
            if isinstance(intent, str) and isinstance(slot, str) and phrases:
                found.setdefault(intent, {})[slot] = phrases
    return found


def sub_slot_action(path: tuple[str, ...]) -> dict[str, Any] | None:
    """`dialogAction.subSlotToElicit` for a path of sub-slot names ("Model" or ("Engine", "Size"))."""
    action: dict[str, Any] | None = None
    for name in reversed(path):
        if not _NAME.fullmatch(name):
            return None
        action = {"name": name, **({"subSlotToElicit": action} if action else {})}
    return action
