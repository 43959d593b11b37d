"""Lex V2 code-hook events (input format 1.0), built one way for every developer tool.

The test client (`bot.dev.testing`), the simulator (`bot.dev.simulator`) and
`scripts/make_events.py` all build their events here, so they agree on the shape Lex sends.

    event = code_hook_event(session_id="s-1", intent=intent("BookAppointment", {"Date": "2027-01-05"}),
                            text="on january fifth")
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

TEST_ALIAS = {"aliasId": "TSTALIASID", "aliasName": "TestBotAlias"}
LOCAL_BOT_ID = "LOCALBOT01"


def slot_value(
    value: str, *, original: str | None = None, resolved: Sequence[str] | None = None
) -> dict[str, Any]:
    """A scalar slot as Lex sends it: originalValue (what was said), interpretedValue, resolvedValues."""
    return {
        "shape": "Scalar",
        "value": {
            "originalValue": value if original is None else original,
            "interpretedValue": value,
            "resolvedValues": list(resolved) if resolved is not None else [value],
        },
    }


def slots_of(values: Mapping[str, str | dict[str, Any] | None], names: Sequence[str] = ()) -> dict[str, Any]:
    """A Lex slots map: every name in `names` present (null when empty), values as slot dicts."""
    out: dict[str, Any] = dict.fromkeys(names)
    for name, value in values.items():
        out[name] = slot_value(value) if isinstance(value, str) else value
    return out


def intent(
    name: str,
    values: Mapping[str, str | dict[str, Any] | None] | None = None,
    *,
    slot_names: Sequence[str] = (),
    state: str = "InProgress",
    confirmation: str = "None",
) -> dict[str, Any]:
    """The `intent` of a session state."""
    return {
        "name": name,
        "slots": slots_of(values or {}, slot_names),
        "state": state,
        "confirmationState": confirmation,
    }


def code_hook_event(
    *,
    session_id: str,
    intent: dict[str, Any],
    text: str = "",
    source: str = "DialogCodeHook",
    input_mode: str = "Text",
    bot_name: str = "LocalBot",
    bot_id: str = LOCAL_BOT_ID,
    locale: str = "en_US",
    alias: Mapping[str, str] = TEST_ALIAS,
    session_attributes: Mapping[str, str] | None = None,
    request_attributes: Mapping[str, str] | None = None,
    active_contexts: Sequence[dict[str, Any]] = (),
    dialog_action: dict[str, Any] | None = None,
    interpretations: Sequence[dict[str, Any]] | None = None,
    proposed_next_state: dict[str, Any] | None = None,
    transcriptions: Sequence[dict[str, Any]] | None = None,
    originating_request_id: str | None = None,
) -> dict[str, Any]:
    """One code-hook invocation, as Lex V2 sends it to the Lambda."""
    session_state: dict[str, Any] = {
        "sessionAttributes": dict(session_attributes or {}),
        "activeContexts": list(active_contexts),
        "intent": intent,
        "originatingRequestId": originating_request_id or str(uuid.uuid4()),
    }
    if dialog_action and source == "DialogCodeHook":
        session_state["dialogAction"] = dialog_action
    if interpretations is None:
        interpretations = [{"interpretationSource": "Lex", "nluConfidence": 1.0, "intent": intent}]
    if transcriptions is None:
        confidence = 0.95 if input_mode == "Speech" else 1.0
        transcriptions = [{"transcription": text, "transcriptionConfidence": confidence}]
    return {
        "messageVersion": "1.0",
        "invocationSource": source,
        "inputMode": input_mode,
        "responseContentType": "audio/pcm" if input_mode == "Speech" else "text/plain; charset=utf-8",
        "sessionId": session_id,
        "inputTranscript": text,
        "invocationLabel": None,
        "bot": {"id": bot_id, "name": bot_name, "localeId": locale, "version": "DRAFT", **alias},
        "interpretations": list(interpretations),
        "proposedNextState": proposed_next_state,
        "requestAttributes": dict(request_attributes or {}),
        "sessionState": session_state,
        "transcriptions": list(transcriptions),
    }


def slot_text(slot: Any) -> str | None:
    """interpretedValue, else originalValue, of a Lex slot dict (None when empty)."""
    if not isinstance(slot, dict) or not isinstance(slot.get("value"), dict):
        return None
    value = slot["value"]
    text = value.get("interpretedValue")
    if text is None:
        text = value.get("originalValue")
    return text if isinstance(text, str) else None
