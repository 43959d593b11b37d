"""Conversation files: the YAML format (see `bot.dev.simulator.conversations` for the whole
story), its models and its loader."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

InputMode = Literal["Text", "Speech", "DTMF"]
Channel = Literal["text", "voice", "dtmf"]
ExpectedValue = str | int | None
# `input:` — the channel a turn comes from: typed chat, a phone call (speech, SSML accepted as
# Amazon Connect announces it), or the phone's keypad on that call.
CHANNELS: dict[str, tuple[InputMode, bool]] = {
    "text": ("Text", False),
    "voice": ("Speech", True),
    "dtmf": ("DTMF", True),
}
_LOCALE_ID = re.compile(r"[a-z]{2}_[A-Z0-9]{2,3}")


# --------------------------------------------------------------------------------------------
# The file format
# --------------------------------------------------------------------------------------------


class ConversationFileError(ValueError):
    """A conversation file cannot be read or does not follow the format."""


def _compile(pattern: str | None) -> str | None:
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression ({exc})") from None
    return pattern


def _check_matchers(values: Mapping[str, ExpectedValue] | None) -> Mapping[str, ExpectedValue] | None:
    for value in (values or {}).values():
        if isinstance(value, str) and is_regex(value):
            _compile(value[1:-1])
    return values


def is_regex(value: str) -> bool:
    return len(value) >= 2 and value.startswith("/") and value.endswith("/")


class Expectation(BaseModel):
    """What one turn (or the end of the conversation) must look like. Only keys given are checked."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    intent: str | None = None
    action: Literal["ElicitSlot", "ConfirmIntent", "Close", "ElicitIntent", "Delegate"] | None = None
    slot: str | None = None
    state: str | None = None
    message: str | None = None
    no_message: str | None = None
    nlu_intent: str | None = None
    attributes: dict[str, ExpectedValue] | None = None
    slots: dict[str, ExpectedValue] | None = None
    error: str | None = None
    security_events: list[str] | None = None
    handler_error: str | None = None
    content_type: Literal["PlainText", "SSML"] | None = None  # of every message the code hook sent
    ssml: str | None = None  # regex, searched in the SSML of the messages, as sent

    _regex = field_validator("message", "no_message", "error", "handler_error", "ssml")(_compile)
    _matchers = field_validator("attributes", "slots")(_check_matchers)


class Turn(BaseModel):
    """One step: the user saying something, or the client tampering with its session attributes."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    user: str | None = None
    input_mode: InputMode | None = None
    input: Channel | None = None
    expect: Expectation | None = None
    forge_attributes: dict[str, str | None] | None = None
    replace_attributes: dict[str, str] | None = None

    @field_validator("user", mode="before")
    @classmethod
    def _text_only(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            kind = type(value).__name__
            raise ValueError(f'must be text, but YAML read a {kind}: put it in quotes (user: "...")')
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Turn:
        kinds = [
            k for k in ("user", "forge_attributes", "replace_attributes") if getattr(self, k) is not None
        ]
        if len(kinds) != 1:
            raise ValueError(
                "a turn needs exactly one of user, forge_attributes, replace_attributes"
                + (f" (got {', '.join(kinds)})" if kinds else "")
            )
        if self.user is None and (self.expect is not None or self.input_mode or self.input):
            raise ValueError("expect, input and input_mode belong to user turns, not to attribute forgeries")
        if self.input is not None and self.input_mode is not None:
            raise ValueError("give input (text, voice, dtmf) or input_mode, not both")
        return self


@dataclass(frozen=True, slots=True)
class PinnedClock:
    """A clock that always says `instant` (epoch seconds): what `today:`/`now:` give the app."""

    instant: float

    def __call__(self) -> float:
        return self.instant

    def __str__(self) -> str:
        return dt.datetime.fromtimestamp(self.instant, dt.UTC).isoformat().replace("+00:00", "Z")


class Conversation(BaseModel):
    """A conversation file."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str = Field(min_length=1)
    description: str = ""
    today: dt.date | None = None
    now: dt.datetime | None = None
    input_mode: InputMode = "Text"
    input: Channel | None = None
    locale: str = "en_US"
    request_attributes: dict[str, str] = Field(default_factory=dict)
    turns: list[Turn] = Field(min_length=1)
    final: Expectation | None = None
    _path: Path | None = PrivateAttr(default=None)

    @field_validator("locale")
    @classmethod
    def _a_locale(cls, value: str) -> str:
        if not _LOCALE_ID.fullmatch(value):
            raise ValueError(f"not a Lex locale id: {value!r} (write it as en_US, es_US)")
        return value

    def channel(self, turn: Turn) -> tuple[InputMode, bool]:
        """(input mode, SSML accepted) of a user turn: its own `input`/`input_mode`, else the file's."""
        if turn.input is not None:
            return CHANNELS[turn.input]
        if turn.input_mode is not None:
            return turn.input_mode, False
        if self.input is not None:
            return CHANNELS[self.input]
        return self.input_mode, False

    @field_validator("today", mode="before")
    @classmethod
    def _a_date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            raise ValueError("takes a date (2026-03-14); give a time of day with now: instead")
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"not a date: {value!r} (write it as 2026-03-14)") from None
        return value

    @field_validator("now", mode="before")
    @classmethod
    def _an_instant(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                shown = f"not a date and time: {value!r}"
                raise ValueError(f"{shown} (write it as 2026-03-14T10:00:00Z)") from None
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            raise ValueError("takes a date and time (2026-03-14T10:00:00Z); a date alone goes in today:")
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)  # no offset: UTC, as under Lambda
        return value

    @model_validator(mode="after")
    def _same_day(self) -> Conversation:
        if self.input is not None and "input_mode" in self.model_fields_set:
            raise ValueError("give input (text, voice, dtmf) or input_mode, not both")
        if self.today is not None and self.now is not None:
            day = self.now.astimezone(dt.UTC).date()
            if day != self.today:
                raise ValueError(f"today: {self.today} and now: {self.now.isoformat()} name different days")
        return self

    @property
    def path(self) -> Path | None:
        """The file it was loaded from (None when built in code)."""
        return self._path

    @property
    def clock(self) -> PinnedClock | None:
        """The pinned clock (`now:`, else noon UTC on `today:`), or None: the real clock."""
        if self.now is not None:
            return PinnedClock(self.now.timestamp())
        if self.today is not None:
            return PinnedClock(dt.datetime.combine(self.today, dt.time(12), dt.UTC).timestamp())
        return None


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans (YAML 1.2): `user: no` is the word "no"."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_conversation(path: str | Path) -> Conversation:
    """Read and validate a conversation file.

    Raises:
        ConversationFileError: unreadable, not YAML, or not the format; the message names the
            file and, for a bad turn, the turn number (1-based) and key.
    """
    path = Path(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12Loader)  # noqa: S506 (safe)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConversationFileError(f"{path}: cannot read: {exc}") from None
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date such as 2026-02-30
        raise ConversationFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise ConversationFileError(f"{path}: expected a mapping with name and turns at the top level")
    try:
        conversation = Conversation.model_validate(document)
    except ValidationError as exc:
        raise ConversationFileError(_describe(path, exc)) from None
    conversation._path = path
    return conversation


def _describe(path: Path, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "turns" and isinstance(loc[1], int):
            where = f"turn {loc[1] + 1}"
            loc = loc[2:]
        key = ".".join(str(part) for part in loc)
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        message = message.removeprefix("Value error, ")
        lines.append(": ".join(part for part in (where, key, message) if part))
    count = len(lines)
    head = f"{path}: {count} error{'s' if count > 1 else ''} in the conversation file"
    return head + "".join(f"\n  {line}" for line in lines)
