"""Checks a code-hook response the way Lex does: botocore's lexv2-runtime shapes + Lex's rules."""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session
from botocore.validate import ParamValidator


@cache
def _shapes() -> Any:
    return botocore.session.get_session().get_service_model("lexv2-runtime")


def _strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_nulls(v) for v in value]
    return value


def lex_errors(response: Any) -> list[str]:
    """Everything Lex would reject in this response (empty list = valid)."""
    if not isinstance(response, dict) or "sessionState" not in response:
        return ["response must be an object with sessionState"]
    errors: list[str] = []
    model = _shapes()
    report = ParamValidator().validate(
        _strip_nulls(response["sessionState"]), model.shape_for("SessionState")
    )
    if report.has_errors():
        errors.append(report.generate_report())
    if "messages" in response:
        report = ParamValidator().validate(response["messages"], model.shape_for("Messages"))
        if report.has_errors():
            errors.append(report.generate_report())
    state = response["sessionState"]
    attributes = state.get("sessionAttributes", {})
    errors += [
        f"session attribute {k} is not a string" for k, v in attributes.items() if not isinstance(v, str)
    ]
    action = state.get("dialogAction", {}).get("type")
    intent = state.get("intent")
    if action in {"ElicitSlot", "ConfirmIntent", "Close", "Delegate"} and not intent:
        errors.append(f"{action} needs an intent")
    if action == "ElicitSlot" and not state["dialogAction"].get("slotToElicit"):
        errors.append("ElicitSlot needs slotToElicit")
    if action == "Close" and (intent or {}).get("state") not in {"Fulfilled", "Failed"}:
        errors.append("Close needs intent.state Fulfilled or Failed")
    if action in {"ElicitIntent", "ConfirmIntent"} and not response.get("messages"):
        errors.append(f"{action} needs messages")
    for message in response.get("messages", []):
        if message.get("contentType") in {"PlainText", "SSML"} and not message.get("content"):
            errors.append("empty message content")
    return errors


def assert_valid_lex_response(response: Any) -> None:
    errors = lex_errors(response)
    assert not errors, "\n".join(errors)
