"""Typed Lex V2 code-hook events (input format 1.0).

Strict where the framework relies on a value: the session id (Lex's pattern), the invocation
source, the intent's name, the dialog action it reads. Tolerant everywhere else: unknown keys are
ignored (Lex warns the format can change without a new messageVersion), and what the handler does
not use never rejects a turn — interpretations (whatever their confidence shape: `0.9` or
`{"score": 0.9}`), transcriptions, sentiment, proposed next state, runtime hints. Within what it
does use, a malformed part is dropped rather than sinking the turn: a non-string attribute is left
out of the maps, a slot that is not a slot is read as empty (so the bot asks for it again), an
unknown input mode is Text, an unknown confirmation state is None.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=False)


class InvocationSource(StrEnum):
    DIALOG = "DialogCodeHook"
    FULFILLMENT = "FulfillmentCodeHook"


class InputMode(StrEnum):
    TEXT = "Text"
    SPEECH = "Speech"
    DTMF = "DTMF"


def _string_map(value: Any) -> Any:
    """A Lex string map with the entries that are not str -> str left out (never a rejection)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def _text_or_none(value: Any) -> Any:
    return value if isinstance(value, str) else None


class SlotValue(_Model):
    originalValue: str | None = None  # noqa: N815 - Lex's field names
    interpretedValue: str | None = None  # noqa: N815
    resolvedValues: list[str] = Field(default_factory=list)  # noqa: N815

    _texts = field_validator("originalValue", "interpretedValue", mode="before")(_text_or_none)

    @field_validator("resolvedValues", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _slots(value: Any) -> Any:
    """Slot name -> slot; an entry that is not a slot object is an empty slot."""
    if not isinstance(value, dict):
        return {}
    return {k: (v if isinstance(v, dict) else None) for k, v in value.items() if isinstance(k, str)}


class Slot(_Model):
    shape: str = "Scalar"
    value: SlotValue | None = None
    values: list[Slot] = Field(default_factory=list)
    subSlots: dict[str, Slot | None] | None = None  # noqa: N815

    @field_validator("shape", mode="before")
    @classmethod
    def _shape(cls, value: Any) -> Any:
        return value if value in ("Scalar", "List", "Composite") else "Scalar"

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else None

    @field_validator("values", mode="before")
    @classmethod
    def _values(cls, value: Any) -> Any:
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    @field_validator("subSlots", mode="before")
    @classmethod
    def _sub_slots(cls, value: Any) -> Any:
        return None if value is None else _slots(value)

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

    _slots = field_validator("slots", mode="before")(_slots)

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value: Any) -> Any:
        return _text_or_none(value)

    @field_validator("confirmationState", mode="before")
    @classmethod
    def _confirmation(cls, value: Any) -> Any:
        return value if value in ("Confirmed", "Denied", "None") else None


class DialogAction(_Model):
    type: str | None = None
    slotToElicit: str | None = None  # noqa: N815
    slotElicitationStyle: str | None = None  # noqa: N815

    _texts = field_validator("type", "slotToElicit", "slotElicitationStyle", mode="before")(_text_or_none)


class SessionState(_Model):
    sessionAttributes: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    activeContexts: list[dict[str, Any]] | None = None  # noqa: N815  (checked when echoed: bot.respond)
    intent: Intent | None = None
    dialogAction: DialogAction | None = None  # noqa: N815
    originatingRequestId: Any = None  # noqa: N815 - unused
    runtimeHints: Any = None  # noqa: N815 - read leniently (bot.shapes.event_hints), kept unless replaced

    @field_validator("sessionAttributes", mode="before")
    @classmethod
    def _attributes(cls, value: Any) -> Any:
        return _string_map(value) or {}

    @field_validator("activeContexts", mode="before")
    @classmethod
    def _contexts(cls, value: Any) -> Any:
        return [c for c in value if isinstance(c, dict)] if isinstance(value, list) else None

    @field_validator("dialogAction", mode="before")
    @classmethod
    def _action(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else None


def confidence(interpretation: Any) -> float | None:
    """An interpretation's NLU confidence, whichever shape it came in (`0.9`, `{"score": 0.9}`)."""
    raw = interpretation.get("nluConfidence") if isinstance(interpretation, dict) else None
    if isinstance(raw, dict):
        raw = raw.get("score")
    return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None


class Bot(_Model):
    id: str = "UNKNOWN"
    name: str = "UNKNOWN"
    localeId: str = "en_US"  # noqa: N815
    version: str = "DRAFT"
    aliasId: str | None = None  # noqa: N815
    aliasName: str | None = None  # noqa: N815

    @field_validator("id", "name", "version", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        return value if isinstance(value, str) else "UNKNOWN"

    @field_validator("localeId", mode="before")
    @classmethod
    def _locale(cls, value: Any) -> Any:
        return value if isinstance(value, str) and 2 <= len(value) <= 16 else "en_US"

    _aliases = field_validator("aliasId", "aliasName", mode="before")(_text_or_none)


class LexEvent(_Model):
    messageVersion: Any = "1.0"  # noqa: N815 - unused
    invocationSource: InvocationSource  # noqa: N815
    inputMode: InputMode = InputMode.TEXT  # noqa: N815
    responseContentType: Any = None  # noqa: N815 - unused
    sessionId: str = Field(pattern=r"^[0-9a-zA-Z._:-]{2,100}$")  # noqa: N815 - Lex's own constraint
    inputTranscript: str = ""  # noqa: N815
    invocationLabel: Any = None  # noqa: N815 - unused
    bot: Bot = Field(default_factory=Bot)
    interpretations: list[Any] = Field(default_factory=list)  # unused: read with `confidence()`
    proposedNextState: Any = None  # noqa: N815 - unused
    requestAttributes: dict[str, str] | None = None  # noqa: N815
    sessionState: SessionState  # noqa: N815
    transcriptions: list[Any] = Field(default_factory=list)  # unused

    @field_validator("inputMode", mode="before")
    @classmethod
    def _mode(cls, value: Any) -> Any:
        return value if value in ("Text", "Speech", "DTMF") else "Text"

    @field_validator("inputTranscript", mode="before")
    @classmethod
    def _transcript(cls, value: Any) -> Any:
        return value if isinstance(value, str) else ""

    @field_validator("bot", mode="before")
    @classmethod
    def _bot(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}

    @field_validator("interpretations", "transcriptions", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return value if isinstance(value, list) else []

    _requests = field_validator("requestAttributes", mode="before")(_string_map)

    @property
    def intent(self) -> Intent:
        intent = self.sessionState.intent
        return intent if intent is not None else Intent(name="FallbackIntent")
