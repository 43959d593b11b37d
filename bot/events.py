"""Typed Lex V2 code-hook events (input format 1.0).

Tolerant where Lex may add fields (unknown keys are ignored; Lex warns the format can change
without a new messageVersion), strict where the framework relies on a value: session id
pattern, string-only attribute maps, known invocation sources.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=False)


class InvocationSource(StrEnum):
    DIALOG = "DialogCodeHook"
    FULFILLMENT = "FulfillmentCodeHook"


class InputMode(StrEnum):
    TEXT = "Text"
    SPEECH = "Speech"
    DTMF = "DTMF"


class SlotValue(_Model):
    originalValue: str | None = None  # noqa: N815 - Lex's field names
    interpretedValue: str | None = None  # noqa: N815
    resolvedValues: list[str] = Field(default_factory=list)  # noqa: N815


class Slot(_Model):
    shape: str = "Scalar"
    value: SlotValue | None = None
    values: list[Slot] = Field(default_factory=list)
    subSlots: dict[str, Slot | None] | None = None  # noqa: N815

    def text(self) -> str | None:
        """The value the code hook should look at: interpretedValue, else originalValue."""
        if self.value is None:
            return None
        return (
            self.value.interpretedValue
            if self.value.interpretedValue is not None
            else self.value.originalValue
        )


class Intent(_Model):
    name: str = Field(min_length=1, max_length=100)
    slots: dict[str, Slot | None] = Field(default_factory=dict)
    state: str | None = None
    confirmationState: str | None = None  # noqa: N815


class DialogAction(_Model):
    type: str | None = None
    slotToElicit: str | None = None  # noqa: N815


class SessionState(_Model):
    sessionAttributes: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    activeContexts: list[dict[str, Any]] | None = None  # noqa: N815
    intent: Intent | None = None
    dialogAction: DialogAction | None = None  # noqa: N815
    originatingRequestId: str | None = None  # noqa: N815
    runtimeHints: dict[str, Any] | None = None  # noqa: N815


class Interpretation(_Model):
    intent: Intent
    nluConfidence: float | None = None  # noqa: N815
    interpretationSource: str | None = None  # noqa: N815


class Bot(_Model):
    id: str = "UNKNOWN"
    name: str = "UNKNOWN"
    localeId: str = "en_US"  # noqa: N815
    version: str = "DRAFT"
    aliasId: str | None = None  # noqa: N815
    aliasName: str | None = None  # noqa: N815


class LexEvent(_Model):
    messageVersion: str = "1.0"  # noqa: N815
    invocationSource: InvocationSource  # noqa: N815
    inputMode: InputMode = InputMode.TEXT  # noqa: N815
    responseContentType: str | None = None  # noqa: N815
    sessionId: str = Field(pattern=r"^[0-9a-zA-Z._:-]{2,100}$")  # noqa: N815 - Lex's own constraint
    inputTranscript: str = ""  # noqa: N815
    invocationLabel: str | None = None  # noqa: N815
    bot: Bot = Field(default_factory=Bot)
    interpretations: list[Interpretation] = Field(default_factory=list)
    proposedNextState: dict[str, Any] | None = None  # noqa: N815
    requestAttributes: dict[str, str] | None = None  # noqa: N815
    sessionState: SessionState  # noqa: N815
    transcriptions: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def intent(self) -> Intent:
        intent = self.sessionState.intent
        return intent if intent is not None else Intent(name="FallbackIntent")
