"""The simulator's public result types (shared by the engine, the REPL and the YAML runner)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class InvalidLambdaResponse(Exception):
    """The code hook returned something Lex would refuse. The text mirrors Lex's
    ("Invalid Lambda Response: ...")."""


@dataclass(slots=True)
class SimResult:
    """What one user input produced, as a Lex client would see it (RecognizeText-like)."""

    text: str  # what the user said
    messages: list[str]  # bot messages, in order (Lambda's, or the template's prompts); SSML as sent
    intent: str | None  # the intent in the final session state (None after ElicitIntent)
    intent_state: str | None  # InProgress | Fulfilled | Failed | ReadyForFulfillment ...
    dialog_action: str  # ElicitSlot | ConfirmIntent | Close | ElicitIntent | Delegate
    slot_to_elicit: str | None
    slots: dict[str, str | None]  # the intent's slots as text (card slots masked for display)
    session_attributes: dict[str, str]
    nlu_intent: str | None = None  # the intent NLU recognized for this input (None when filling a slot)
    nlu_confidence: float | None = None
    invocations: list[dict[str, Any]] = field(default_factory=list)  # [{"event": ..., "response": ...}, ...]
    error: str | None = None  # set when the Lambda response was invalid (the turn is then an error turn)
    content_types: list[str] = field(default_factory=list)  # per message: PlainText | SSML
    ranking: list[Any] = field(default_factory=list)  # NLU's interpretations of the input, best first


class SsmlMessage(str):
    """A message the code hook sent as SSML (Lex passes it on with contentType SSML)."""

    __slots__ = ()


def spoken_text(message: str, content_type: str | None = None) -> str:
    """What a message says: an SSML message's text without its tags, a plain one as it is."""
    if isinstance(message, SsmlMessage) or content_type == "SSML":
        from bot.respond import ssml_text

        return " ".join((ssml_text(message) or re.sub(r"<[^>]*>", "", message)).split())
    return message
