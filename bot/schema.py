"""The bot definition's names, as the code hook sees them: intents and their slots.

`template.yaml` is the source of truth for intent and slot names. For local use (the simulator,
the test client, conversation tests) the app is given the template's `BotSchema`, and every name
a handler uses is checked against it: a misspelled slot raises `UnknownName` naming the intent,
the slot and the file, instead of making the bot re-ask forever. Under Lambda there is no schema
and no check (the deployed bot was built from the same template, and the tests ran).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class UnknownName(LookupError):
    """A handler used an intent or slot name that the bot definition does not have."""


@dataclass(frozen=True, slots=True)
class BotSchema:
    source: str  # where the names come from, e.g. "template.yaml (locale en_US)"
    intents: Mapping[str, frozenset[str]]  # intent name -> its slot names

    def check_intent(self, intent: str) -> None:
        if intent not in self.intents:
            known = ", ".join(sorted(self.intents))
            raise UnknownName(f"intent {intent!r} is not defined in {self.source} (its intents: {known})")

    def check_slot(self, intent: str, slot: str) -> None:
        self.check_intent(intent)
        if slot not in self.intents[intent]:
            known = ", ".join(sorted(self.intents[intent])) or "none"
            raise UnknownName(f"intent {intent} has no slot {slot!r} in {self.source} (its slots: {known})")
