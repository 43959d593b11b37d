"""A bot for the corpus: every intent a corpus event names, with the slots the events give it, and
one generic pair of code hooks.

    DialogCodeHook       every declared slot filled -> Delegate; else ElicitSlot the first empty one
    FulfillmentCodeHook  Close (Fulfilled)

It is declared like any bot (`App`, `Intent(name, slots=...)`, `app.add`) and built without a
template, so nothing checks its names against a bot definition: it accepts the intents and slots it
declares, whatever bot the event came from.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot import dialog
from bot.app import FALLBACK_INTENT, App
from bot.dialog import Reply
from bot.handlers import Handler, Intent
from bot.session import Session
from bot.turn import Turn
from tests.corpus import CorpusEvent, load


class CorpusSession(Session):
    """Nothing of its own: the corpus bot remembers nothing between turns."""


type CorpusTurn = Turn[CorpusSession]


def intent_name(event: dict[str, object]) -> str:
    """The intent a code hook acts on: sessionState.intent.name (the framework's FallbackIntent
    when the event names none)."""
    state = event.get("sessionState")
    intent = state.get("intent") if isinstance(state, dict) else None
    name = intent.get("name") if isinstance(intent, dict) else None
    return name if isinstance(name, str) and name else FALLBACK_INTENT


def intent_slots(events: Iterable[CorpusEvent]) -> dict[str, tuple[str, ...]]:
    """Intent name -> its slot names, in the order the events first give them."""
    found: dict[str, list[str]] = {FALLBACK_INTENT: []}
    for item in events:
        names = found.setdefault(intent_name(item.event), [])
        state = item.event.get("sessionState")
        intent = state.get("intent") if isinstance(state, dict) else None
        slots = intent.get("slots") if isinstance(intent, dict) else None
        for slot in slots if isinstance(slots, dict) else ():
            if isinstance(slot, str) and slot not in names:
                names.append(slot)
    return {name: tuple(slots) for name, slots in found.items()}


INTENT_SLOTS = intent_slots(load())


def ask_or_delegate(slots: tuple[str, ...]) -> Handler[CorpusSession]:
    def dialog_hook(turn: CorpusTurn) -> Reply:
        for slot in slots:
            if (
                turn.slot(slot) is None
                and not turn.slot_list(slot)
                and not any(turn.sub_slots(slot).values())
            ):
                return dialog.elicit_slot(turn, slot, f"What is the {slot}?")
        return dialog.delegate(turn)

    return dialog_hook


def fulfil(turn: CorpusTurn) -> Reply:
    return dialog.close(turn, f"Done: {turn.intent_name}.")


def make_app() -> App[CorpusSession]:
    app = App("CorpusBot", session=CorpusSession)
    for name, slots in INTENT_SLOTS.items():
        intent = Intent[CorpusSession](name, slots=slots)
        intent.dialog(ask_or_delegate(slots))
        intent.fulfillment(fulfil)
        if name == FALLBACK_INTENT:
            app.fallback(intent)
        else:
            app.add(intent)
    return app


app = make_app()
