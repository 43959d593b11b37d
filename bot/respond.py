"""Build the response: the Reply rendered as Lex V2 expects it, sensitive slots sealed, messages
redacted, the session attributes signed."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from bot.redact import redact
from bot.security import sealing, signing

if TYPE_CHECKING:
    from pydantic import ValidationError

    from bot.dialog import Reply
    from bot.events import LexEvent
    from bot.security.keys import Keys

log = logging.getLogger("bot.turn")


def sign(keys: Keys, session_id: str, state: dict[str, str], binding: signing.Binding) -> dict[str, str]:
    return {**state, signing.SIGNATURE_KEY: signing.sign(keys.signing, session_id, state, binding)}


def render(
    reply: Reply, event: LexEvent, attributes: dict[str, str], *, keys: Keys, sensitive: Collection[str]
) -> dict[str, Any]:
    action: dict[str, Any] = {"type": reply.action}
    if reply.slot_to_elicit:
        action["slotToElicit"] = reply.slot_to_elicit
    if reply.elicitation_style:
        action["slotElicitationStyle"] = reply.elicitation_style
    state: dict[str, Any] = {"sessionAttributes": attributes, "dialogAction": action}
    if reply.intent_name is not None:
        state["intent"] = {
            "name": reply.intent_name,
            "slots": {
                name: _slot(keys, event.sessionId, name, value, name in sensitive)
                for name, value in reply.slots.items()
            },
            "state": reply.intent_state,
            "confirmationState": reply.confirmation_state,
        }
    if event.sessionState.activeContexts:
        state["activeContexts"] = event.sessionState.activeContexts
    response: dict[str, Any] = {"sessionState": state}
    if reply.messages:
        response["messages"] = [
            {"contentType": m.content_type, "content": redact(m.content)} for m in reply.messages
        ]
    return response


def _slot(
    keys: Keys, session_id: str, name: str, value: str | None, sensitive: bool
) -> dict[str, Any] | None:
    if value is None:
        return None
    if sensitive and not sealing.is_sealed(value):
        value = sealing.seal(keys.sealing[0], value, session_id=session_id, slot=name)
    return {
        "shape": "Scalar",
        "value": {"originalValue": value, "interpretedValue": value, "resolvedValues": [value]},
    }


def bad_event(exc: ValidationError, text: str) -> dict[str, Any]:
    """The answer to an event that is not a readable Lex V2 code-hook event (names no field value)."""
    fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})[:10]
    log.error("malformed Lex event", extra={"invalid_fields": fields})
    return {
        "sessionState": {"sessionAttributes": {}, "dialogAction": {"type": "ElicitIntent"}},
        "messages": [{"contentType": "PlainText", "content": text}],
    }
