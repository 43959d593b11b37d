"""Dialog builders: what an intent handler returns.

A handler returns a `Reply`; the pipeline turns it into the Lex response, adding the signed
session attributes and sealing sensitive slots. Builders take arguments in one order:
(turn, what, messages). Intent and slot names are checked against the bot definition in local
use (see `bot.schema`).

    dialog.elicit_slot(turn, "Time", "And at what time?")          # ask for a slot
    dialog.elicit_slot(turn, "CardNumber", "...", intent="CollectCard")   # switch intent and ask
    dialog.confirm_intent(turn, "BookAppointment", "Tuesday at 3 pm, right?")
    dialog.delegate(turn)                                           # Lex picks the next step
    dialog.close(turn, "Booked!")                                   # or fulfilled=False
    dialog.elicit_intent(turn, "What else can I do for you?")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from bot.shapes import SlotOut
from bot.speech import Phrase, Say

if TYPE_CHECKING:
    from typing import Any

    from bot.turn import Turn

DialogActionType = Literal["Close", "ConfirmIntent", "Delegate", "ElicitIntent", "ElicitSlot"]
ElicitationStyle = Literal["Default", "SpellByLetter", "SpellByWord"]
ContentType = Literal["PlainText", "SSML"]


@dataclass(frozen=True, slots=True)
class Message:
    """One message. `content` a `bot.speech.Say` is rendered for the turn's channel (text, the
    voice wording, or SSML); a str is sent as `content_type` says (SSML must be `<speak>...`)."""

    content: str | Say
    content_type: ContentType = "PlainText"


type Messages = str | Say | Phrase | Message | list[str | Say | Phrase | Message] | None


@dataclass(slots=True)
class Reply:
    """One dialog action, the intent it concerns (None for ElicitIntent), and messages."""

    action: DialogActionType
    intent_name: str | None
    slots: dict[str, SlotOut] = field(default_factory=dict)  # name -> text, list, composite; None: empty
    intent_state: str = "InProgress"
    confirmation_state: str = "None"
    slot_to_elicit: str | None = None
    elicitation_style: ElicitationStyle | None = None
    messages: list[Message] = field(default_factory=list)
    sub_slot: tuple[str, ...] = ()  # the sub-slot of a Composite slot to elicit (a path, outermost first)


def _messages(messages: Messages) -> list[Message]:
    if messages is None:
        return []
    items = messages if isinstance(messages, list) else [messages]
    return [m if isinstance(m, Message) else Message(m() if isinstance(m, Phrase) else m) for m in items]


def elicit_slot(
    turn: Turn[Any],
    slot: str,
    messages: Messages,
    *,
    intent: str | None = None,
    style: ElicitationStyle | None = None,
    sub_slot: str | tuple[str, ...] = (),
) -> Reply:
    """Ask for `slot` of `intent` (default: the current intent; another intent switches to it);
    for a Composite slot, `sub_slot` names the sub-slot (or a path of them) Lex should elicit."""
    name = intent or turn.intent_name
    turn.check_slot(slot, name)
    return Reply(
        action="ElicitSlot",
        intent_name=name,
        slots=turn.slots_for(name),
        slot_to_elicit=slot,
        elicitation_style=style,
        messages=_messages(messages),
        sub_slot=(sub_slot,) if isinstance(sub_slot, str) else tuple(sub_slot),
    )


def hint(turn: Turn[Any], slot: str, phrases: list[str], *, intent: str | None = None) -> None:
    """Send Lex runtime hints for `slot` with this turn's response: phrases it should expect
    (a remembered name, this user's own options). Replaces the hints Lex sent; never card data."""
    name = intent or turn.intent_name
    turn.check_slot(slot, name)
    hints = turn.hints if turn.hints is not None else {}
    hints.setdefault(name, {})[slot] = tuple(phrases)
    turn.hints = hints


def confirm_intent(turn: Turn[Any], intent: str, messages: Messages) -> Reply:
    """Ask the user to confirm `intent` (yes/no); Lex answers with confirmationState."""
    turn.check_intent(intent)
    return Reply(
        action="ConfirmIntent", intent_name=intent, slots=turn.slots_for(intent), messages=_messages(messages)
    )


def delegate(turn: Turn[Any], *, state: str = "ReadyForFulfillment") -> Reply:
    """Let Lex choose the next step (for a confirmed intent: fulfillment)."""
    return Reply(
        action="Delegate",
        intent_name=turn.intent_name,
        slots=turn.slots_for(turn.intent_name),
        intent_state=state,
        confirmation_state=turn.confirmation_state,
    )


def close(turn: Turn[Any], messages: Messages, *, fulfilled: bool = True) -> Reply:
    """End the current intent as Fulfilled or Failed."""
    return Reply(
        action="Close",
        intent_name=turn.intent_name,
        slots=turn.slots_for(turn.intent_name),
        intent_state="Fulfilled" if fulfilled else "Failed",
        confirmation_state=turn.confirmation_state,
        messages=_messages(messages),
    )


def elicit_intent(turn: Turn[Any], messages: Messages) -> Reply:
    """Ask the user what they want to do next (no intent in progress)."""
    del turn
    return Reply(action="ElicitIntent", intent_name=None, messages=_messages(messages))
