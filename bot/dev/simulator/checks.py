"""Check a code-hook response the way Lex does before it uses it.

The shapes come from botocore's `lexv2-runtime` service model (SessionState, Messages), loaded
lazily on first use; Lex's dialog-action rules are added on top (the same rules as the test
suite's `tests/lex.py`), plus what only the bot definition knows (the intent and its slots).
A failure raises `InvalidLambdaResponse` with Lex's wording:

    Invalid Lambda Response: Received invalid response from Lambda: sessionAttributes values must be strings
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from bot.dev.simulator.api import InvalidLambdaResponse
from bot.dev.simulator.definition import LocaleDefinition
from bot.dev.simulator.ssml import ssml_errors

PREFIX = "Invalid Lambda Response: Received invalid response from Lambda: "
NULL_RESPONSE = "Invalid Lambda Response: Received null response from Lambda"
DIALOG_ACTIONS = ("Close", "ConfirmIntent", "Delegate", "ElicitIntent", "ElicitSlot")
NEEDS_INTENT = frozenset({"Close", "ConfirmIntent", "Delegate", "ElicitSlot"})
NEEDS_MESSAGES = frozenset({"ConfirmIntent", "ElicitIntent"})
INTENT_STATES = frozenset(
    {"Failed", "Fulfilled", "InProgress", "ReadyForFulfillment", "Waiting", "FulfillmentInProgress"}
)
CONFIRMATION_STATES = frozenset({"Confirmed", "Denied", "None"})
NAME = re.compile(r"(?:[0-9a-zA-Z][_-]?){1,100}")  # intent and slot names
CONTEXT_NAME = re.compile(r"(?:[A-Za-z]_?){1,100}")
MAX_MESSAGE = 1000
MAX_CONTEXTS = 20


@cache
def _service_model() -> Any:
    import botocore.session  # lazily: only a simulator run pays for loading the model

    return botocore.session.get_session().get_service_model("lexv2-runtime")


def _strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_nulls(v) for v in value]
    return value


def _shape_errors(value: Any, shape_name: str) -> list[str]:
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(_strip_nulls(value), _service_model().shape_for(shape_name))
    if not report.has_errors():
        return []
    return [line.strip() for line in report.generate_report().splitlines() if line.strip()]


def response_errors(response: Any, locale: LocaleDefinition | None = None) -> list[str]:
    """Everything Lex would reject in `response`, most fundamental first (empty = valid)."""
    if not isinstance(response, dict):
        return [f"response must be a JSON object, got {type(response).__name__}"]
    try:
        json.dumps(response)
    except (TypeError, ValueError) as exc:
        return [f"response is not valid JSON ({exc})"]
    state = response.get("sessionState")
    if not isinstance(state, dict):
        return ["sessionState is required"]
    errors: list[str] = []
    attributes = state.get("sessionAttributes", {})
    if not isinstance(attributes, dict):
        errors.append("sessionAttributes must be a map of strings")
    elif any(not isinstance(k, str) or not isinstance(v, str) for k, v in attributes.items()):
        errors.append("sessionAttributes values must be strings")
    action = state.get("dialogAction")
    kind = action.get("type") if isinstance(action, dict) else None
    if not isinstance(action, dict) or kind is None:
        errors.append("dialogAction with a type is required")
    elif kind not in DIALOG_ACTIONS:
        errors.append(
            f"dialogAction type {kind!r} is not valid (expected one of {', '.join(DIALOG_ACTIONS)})"
        )
    intent = state.get("intent")
    if kind in NEEDS_INTENT and not isinstance(intent, dict):
        errors.append("intent is required")
    if isinstance(intent, dict):
        errors += _intent_errors(intent, kind, locale)
    if kind == "ElicitSlot" and isinstance(action, dict):
        slot = action.get("slotToElicit")
        if not slot:
            errors.append("slotToElicit is required for ElicitSlot")
        elif isinstance(intent, dict) and locale is not None:
            definition = locale.intents.get(str(intent.get("name")))
            if definition is not None and slot not in definition.slots:
                errors.append(f"slot {slot} does not exist in intent {definition.name}")
    errors += _context_errors(state.get("activeContexts"))
    messages = response.get("messages")
    if kind in NEEDS_MESSAGES and not messages:
        errors.append(f"messages are required for {kind}")
    if not errors:  # the type report is noisier: only when the Lex rules pass
        errors += _shape_errors(state, "SessionState")
        if messages is not None:
            errors += _shape_errors(messages, "Messages")
    errors += _message_errors(messages)
    errors += _text_errors(response)
    return errors


def _message_errors(messages: Any) -> list[str]:
    """Lex's limits on message content, and Polly's SSML rules for SSML messages."""
    errors: list[str] = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict) or message.get("contentType") not in ("PlainText", "SSML"):
            continue
        content = message.get("content")
        if not content:
            errors.append("message content must not be empty")
        elif isinstance(content, str) and len(content) > MAX_MESSAGE:
            errors.append(f"message content is longer than {MAX_MESSAGE} characters")
        elif isinstance(content, str) and message.get("contentType") == "SSML":
            errors += ssml_errors(content)[:1]
    return errors


def _context_errors(contexts: Any) -> list[str]:
    """Lex's rules for active contexts (botocore's model checks only types and minimums)."""
    if contexts is None:
        return []
    if not isinstance(contexts, list):
        return ["activeContexts must be a list"]
    errors: list[str] = []
    if len(contexts) > MAX_CONTEXTS:
        errors.append(f"at most {MAX_CONTEXTS} active contexts")
    for context in contexts:
        if not isinstance(context, dict):
            errors.append("an active context must be an object")
            continue
        name = context.get("name")
        if not isinstance(name, str) or not CONTEXT_NAME.fullmatch(name):
            errors.append("active context name is not valid")
        ttl = context.get("timeToLive")
        if not isinstance(ttl, dict):
            errors.append("active context timeToLive is required")
            continue
        seconds, turns = ttl.get("timeToLiveInSeconds"), ttl.get("turnsToLive")
        if not (isinstance(seconds, int) and not isinstance(seconds, bool) and 5 <= seconds <= 86400):
            errors.append("timeToLiveInSeconds must be 5..86400")
        if not (isinstance(turns, int) and not isinstance(turns, bool) and 1 <= turns <= 20):
            errors.append("turnsToLive must be 1..20")
    return errors


def _text_errors(value: Any) -> list[str]:
    """Every string must be encodable as UTF-8 (no lone surrogates)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return ["a string is not valid UTF-8 (a lone surrogate)"]
        return []
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in (*_text_errors(k), *_text_errors(v))][:1]
    if isinstance(value, list):
        return [e for v in value for e in _text_errors(v)][:1]
    return []


def _intent_errors(intent: dict[str, Any], kind: str | None, locale: LocaleDefinition | None) -> list[str]:
    errors: list[str] = []
    name = intent.get("name")
    if not isinstance(name, str) or not name:
        return ["intent name is required"]
    if not NAME.fullmatch(name):
        return ["intent name is not valid"]
    slots = intent.get("slots")
    if isinstance(slots, dict):
        errors += [f"slot name {slot!r} is not valid" for slot in slots if not NAME.fullmatch(str(slot))][:1]
    state = intent.get("state")
    if kind == "Close" and state not in ("Fulfilled", "Failed"):
        errors.append(f"intent state must be Fulfilled or Failed for Close (got {state})")
    elif state is not None and state not in INTENT_STATES:
        errors.append(f"intent state {state!r} is not valid")
    confirmation = intent.get("confirmationState")
    if confirmation is not None and confirmation not in CONFIRMATION_STATES:
        errors.append(f"confirmationState {confirmation!r} is not valid")
    if locale is not None:
        definition = locale.intents.get(name)
        if definition is None:
            errors.append(f"intent {name} does not exist in locale {locale.locale_id}")
        elif isinstance(intent.get("slots"), dict):
            errors += [
                f"slot {slot} does not exist in intent {name}"
                for slot in intent["slots"]
                if slot not in definition.slots
            ]
    return errors


def check_response(response: Any, locale: LocaleDefinition | None = None) -> dict[str, Any]:
    """`response` if Lex would accept it; else raise InvalidLambdaResponse with Lex's wording."""
    if response is None:
        raise InvalidLambdaResponse(NULL_RESPONSE)
    errors = response_errors(response, locale)
    if errors:
        raise InvalidLambdaResponse(PREFIX + errors[0])
    assert isinstance(response, dict)
    return response
