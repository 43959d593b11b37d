"""The session administration operations as Pydantic models: one per operation, discriminated on
`operation`. The Lambda validates its event with `OPERATION`, the CLI builds the same models, and
`bot/admin/schema.json` is generated from them (`python -m bot sessions schema`).

Strict on purpose: unknown fields are refused, numbers and booleans must be JSON numbers and
booleans (no "15" or "true"), ids and texts are bounded. Titles, comments, notes, reviewer names
and user ids refuse control characters and bidi overrides (`bot.admin.text`). Times are ISO-8601
strings (a time without an offset is UTC) or epoch seconds, parsed to aware UTC datetimes within
2000-01-01 .. 9999-12-31; a listing by time covers at most `MAX_RANGE_DAYS` days.

Fields typed with `OPERATOR_TEXT` in their metadata are the free text an operator writes; the
service redacts every one of them, in one place (`bot.admin.service.redacted`).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
    model_validator,
)

from bot.admin.text import NO_CONTROLS_PATTERN, VISIBLE_PATTERN, no_controls, visible_text

MAX_SESSION_ID = 100
MAX_USER_ID = 128
MAX_TITLE = 200
MAX_TEXT = 1024  # a prompt or a response (Lex caps an utterance at 1024 characters)
MAX_NOTE = 2000  # a feedback comment or review notes
MAX_CURSOR = 4096
MAX_LIMIT = 1000
DEFAULT_USER_LIMIT = 15
DEFAULT_ALL_LIMIT = 250
VERDICTS = ("ok", "needs_attention", "escalate")

# Epoch seconds accepted for a time: 2000-01-01 .. 9999-12-31 (anything else is a unit mistake).
MIN_EPOCH = 946684800
MAX_EPOCH = 253402300799
# A listing by time is one store query per UTC day: the store refuses longer ranges
# (`bot.store.checks.MAX_LIST_DAYS`), so they are refused here, as invalid input.
MAX_RANGE_DAYS = 366


class _OperatorText:
    """Metadata marking a field as free text written by an operator (redacted before it is stored)."""

    def __repr__(self) -> str:
        return "OPERATOR_TEXT"


OPERATOR_TEXT = _OperatorText()


def _string_schema(min_length: int, max_length: int, pattern: str, description: str) -> WithJsonSchema:
    schema: dict[str, Any] = {"type": "string", "minLength": min_length, "maxLength": max_length}
    return WithJsonSchema({**schema, "pattern": pattern, "description": description})


_NO_CONTROLS = "no control characters or bidi overrides"

SessionId = Annotated[
    str,
    StringConstraints(min_length=2, max_length=MAX_SESSION_ID, pattern=r"^[0-9A-Za-z._:-]+$"),
    Field(description="Lex sessionId: 2-100 letters, digits and . _ : -"),
]
UserId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_USER_ID),
    AfterValidator(visible_text),
    _string_schema(1, MAX_USER_ID, VISIBLE_PATTERN, f"verified user id (the token's sub), {_NO_CONTROLS}"),
]
Title = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_TITLE),
    AfterValidator(visible_text),
    OPERATOR_TEXT,
    _string_schema(1, MAX_TITLE, VISIBLE_PATTERN, f"one line, {_NO_CONTROLS} (redacted when stored)"),
]
ChatText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT), OPERATOR_TEXT]
Note = Annotated[
    str,
    StringConstraints(max_length=MAX_NOTE),
    AfterValidator(no_controls),
    OPERATOR_TEXT,
    _string_schema(0, MAX_NOTE, NO_CONTROLS_PATTERN, f"{_NO_CONTROLS} (redacted when stored)"),
]
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CURSOR, pattern=r"^[A-Za-z0-9_-]+$")]
Reviewer = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_USER_ID),
    AfterValidator(visible_text),
    OPERATOR_TEXT,
    _string_schema(
        1, MAX_USER_ID, VISIBLE_PATTERN, f"who reviewed it, {_NO_CONTROLS} (redacted when stored)"
    ),
]
Rating = Literal["up", "down"]
Verdict = Literal["ok", "needs_attention", "escalate"]


def parse_time(value: Any) -> datetime:
    """An aware UTC datetime from an ISO-8601 string, epoch seconds or a datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, bool):
        raise ValueError("a time must be an ISO-8601 string or epoch seconds")
    elif isinstance(value, int | float):
        if not math.isfinite(value) or not MIN_EPOCH <= value <= MAX_EPOCH:
            raise ValueError("epoch seconds out of range (2000-01-01 .. 9999-12-31)")
        return datetime.fromtimestamp(value, UTC)
    elif isinstance(value, str):
        if len(value) > 64:
            raise ValueError("a time must be an ISO-8601 string or epoch seconds")
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("not an ISO-8601 time (e.g. 2025-01-31T12:00:00Z)") from None
    else:
        raise ValueError("a time must be an ISO-8601 string or epoch seconds")
    return _in_range(moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC))


def _in_range(moment: datetime) -> datetime:
    """`moment` in UTC, if it lies in 2000-01-01 .. 9999-12-31 (an offset can push year 1 or 9999 past
    what a datetime can hold: that is out of range too, not an OverflowError)."""
    try:
        utc = moment.astimezone(UTC)
        inside = MIN_EPOCH <= utc.timestamp() <= MAX_EPOCH
    except (OverflowError, ValueError, OSError):
        inside = False
    if not inside:
        raise ValueError("time out of range (2000-01-01 .. 9999-12-31)")
    return utc


Time = Annotated[
    datetime,
    BeforeValidator(parse_time),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time", "maxLength": 64},
                {"type": "number", "minimum": MIN_EPOCH, "maximum": MAX_EPOCH},
            ],
            "description": "ISO-8601 (UTC if no offset) or epoch seconds",
        }
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ChatEntry(_Model):
    """One exchange: what the user said and what the bot answered (both redacted when stored)."""

    prompt: ChatText
    response: ChatText


class AddSession(_Model):
    """Create a session with its first message (refused if a live session has this id)."""

    operation: Literal["add_session"]
    session_id: SessionId
    user_id: UserId | None = None
    title: Title
    first_entry: ChatEntry


class AddMessage(_Model):
    """Append one message to a live session."""

    operation: Literal["add_message"]
    session_id: SessionId
    entry: ChatEntry


class GetSession(_Model):
    """A session with its verified chat history (not found if `user_id` is not the owner)."""

    operation: Literal["get_session"]
    session_id: SessionId
    user_id: UserId | None = None


class UpdateSession(_Model):
    """Change the title and/or append a message (at least one of them)."""

    operation: Literal["update_session"]
    session_id: SessionId
    user_id: UserId | None = None
    title: Title | None = None
    entry: ChatEntry | None = None

    @model_validator(mode="after")
    def _something_to_do(self) -> UpdateSession:
        if self.title is None and self.entry is None:
            raise ValueError("give a title, an entry, or both")
        return self


class DeleteSession(_Model):
    """Delete a session and all its messages."""

    operation: Literal["delete_session"]
    session_id: SessionId
    user_id: UserId | None = None


class ListSessionsByUser(_Model):
    """A user's live sessions, most recently active first."""

    operation: Literal["list_sessions_by_user"]
    user_id: UserId
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_USER_LIMIT
    cursor: Cursor | None = None


class ListAllSessions(_Model):
    """Live sessions last active in [start, end), most recent first, optionally filtered."""

    operation: Literal["list_all_sessions"]
    start: Time
    end: Time
    has_feedback: bool | None = None
    has_review: bool | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_ALL_LIMIT
    cursor: Cursor | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ListAllSessions:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        start, end = epoch_range(self.start, self.end)
        if end - start > MAX_RANGE_DAYS * 86400:
            raise ValueError(
                f"the time range covers at most {MAX_RANGE_DAYS} days (one query per day); "
                "list a longer period in several ranges"
            )
        return self


def epoch_range(start: datetime, end: datetime) -> tuple[int, int]:
    """The whole epoch seconds covering [start, end), as the store is asked for them."""
    return math.floor(start.timestamp()), math.ceil(end.timestamp())


class AddFeedback(_Model):
    """Thumbs up/down on the session, or on one message (`message_index`)."""

    operation: Literal["add_feedback"]
    session_id: SessionId
    rating: Rating
    comment: Note = ""
    message_index: Annotated[int, Field(ge=0, lt=10**10)] | None = None


class AddReview(_Model):
    """An operator's review of the session."""

    operation: Literal["add_review"]
    session_id: SessionId
    reviewer: Reviewer
    verdict: Verdict
    notes: Note = ""


class AssembleChatHistory(_Model):
    """The session's verified chat history as a flat list of messages."""

    operation: Literal["assemble_chat_history"]
    session_id: SessionId


type Operation = Annotated[
    AddSession
    | AddMessage
    | GetSession
    | UpdateSession
    | DeleteSession
    | ListSessionsByUser
    | ListAllSessions
    | AddFeedback
    | AddReview
    | AssembleChatHistory,
    Field(discriminator="operation"),
]

OPERATION: TypeAdapter[Operation] = TypeAdapter(Operation)
OPERATION_NAMES = (
    "add_session",
    "add_message",
    "get_session",
    "update_session",
    "delete_session",
    "list_sessions_by_user",
    "list_all_sessions",
    "add_feedback",
    "add_review",
    "assemble_chat_history",
)


def json_schema() -> dict[str, Any]:
    """The JSON schema of a request (what `bot/admin/schema.json` holds)."""
    schema = OPERATION.json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "SessionAdminRequest",
        "description": "An event for the SessionAdminFunction Lambda (bot.admin.handler.lambda_handler).",
        **schema,
    }
