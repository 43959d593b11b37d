"""The single-table key layout shared by every backend, listing cursors and record copies.

One table holds several item kinds, told apart by their keys:

    pk = SESSION#<session_id>   sk = STATE               the session record
    pk = SESSION#<session_id>   sk = MSG#<index:010d>    one recorded turn (conversation history)
    pk = USER#<user_id>         sk = PROFILE             a verified user's remembered data

Because "MSG#..." sorts before "STATE", one Query on a session's pk with ScanIndexForward=False
returns STATE first and then the newest messages.

Two sparse global secondary indexes list session records (STATE items only), never a Scan:

    gsi1  gsi1pk = USER#<owner>      gsi1sk = <updated_at:012d>#<session_id>   sessions by user
    gsi2  gsi2pk = DAY#<YYYY-MM-DD>  gsi2sk = <updated_at:012d>#<session_id>   sessions by time

Both sort keys are the last activity, so a Query with ScanIndexForward=False is newest first;
gsi2 is partitioned by UTC day of last activity (a time range is one Query per day).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.store.base import MessageRecord, SessionRecord

if TYPE_CHECKING:
    from bot.store.base import ProfileRecord

SESSION_PREFIX = "SESSION#"
USER_PREFIX = "USER#"
STATE_SK = "STATE"
MSG_PREFIX = "MSG#"
PROFILE_SK = "PROFILE"
MSG_INDEX_WIDTH = 10
MAX_MESSAGE_INDEX = 10**MSG_INDEX_WIDTH - 1
DAY_PREFIX = "DAY#"
GSI_USER = "gsi1"
GSI_TIME = "gsi2"
ACTIVITY_WIDTH = 12


def session_pk(session_id: str) -> str:
    return SESSION_PREFIX + session_id


def session_id_from_pk(pk: str) -> str:
    if not pk.startswith(SESSION_PREFIX):
        raise ValueError("not a session partition key")
    return pk[len(SESSION_PREFIX) :]


def message_sk(index: int) -> str:
    if index < 0 or index > MAX_MESSAGE_INDEX:
        raise ValueError(f"message index out of range: {index}")
    return f"{MSG_PREFIX}{index:0{MSG_INDEX_WIDTH}d}"


def user_pk(user_id: str) -> str:
    return USER_PREFIX + user_id


def activity_sk(updated_at: int, session_id: str) -> str:
    """gsi1sk / gsi2sk: last activity, zero-padded so strings sort like numbers."""
    return f"{updated_at:0{ACTIVITY_WIDTH}d}#{session_id}"


def day_pk(epoch_seconds: int) -> str:
    """gsi2pk: the UTC day of an instant."""
    from datetime import UTC, datetime

    return DAY_PREFIX + datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%d")


def days_between(start: int, end: int) -> list[str]:
    """gsi2pk values covering [start, end), newest day first."""
    if end <= start:
        return []
    first = start - start % 86400
    days: list[str] = []
    day = (end - 1) - (end - 1) % 86400
    while day >= first:
        days.append(day_pk(day))
        day -= 86400
    return days


def encode_cursor(payload: dict[str, Any]) -> str:
    """An opaque listing cursor (url-safe base64 of compact JSON)."""
    import base64
    import json

    raw = json.dumps({"v": 1, **payload}, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The payload of a cursor from `encode_cursor`; `InvalidCursor` for anything else."""
    import base64
    import binascii
    import json

    from bot.store.base import InvalidCursor

    if not isinstance(cursor, str) or not cursor or len(cursor) > 4096:
        raise InvalidCursor("invalid cursor")
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor("invalid cursor") from None
    if not isinstance(payload, dict) or payload.pop("v", None) != 1:
        raise InvalidCursor("invalid cursor")
    return payload


def copy_record(record: SessionRecord, **changes: Any) -> SessionRecord:
    """A deep-enough copy (the maps are copied) so callers and stores never share mutable state.
    Built positionally, in the dataclass's field order (the stores' hot path copies several
    records a turn; tests/unit/test_layout_copies.py checks the order against the fields)."""
    copied = SessionRecord(
        record.session_id,
        dict(record.state),
        record.version,
        record.expires_at,
        record.updated_at,
        record.owner,
        dict(record.extra),
        record.created_at,
        record.message_count,
        record.title,
        record.feedback,
        record.review,
        record.has_feedback,
        record.context,
    )
    for name, value in changes.items():
        setattr(copied, name, value)
    return copied


def listing_cursor(kind: str, params: list[Any], updated_at: int, session_id: str) -> str:
    """A cursor that continues a listing after (updated_at, session_id), bound to its parameters."""
    return encode_cursor({"k": kind, "p": params, "a": updated_at, "s": session_id})


def listing_position(cursor: str | None, kind: str, params: list[Any]) -> tuple[int, str] | None:
    """Where a listing continues (None: from the top); `InvalidCursor` if the cursor was not issued
    by `listing_cursor` for this listing kind and these parameters."""
    from bot.store.base import InvalidCursor

    if cursor is None:
        return None
    payload = decode_cursor(cursor)
    updated_at, session_id = payload.get("a"), payload.get("s")
    if (
        set(payload) != {"k", "p", "a", "s"}
        or payload["k"] != kind
        or payload["p"] != params
        or isinstance(updated_at, bool)
        or not isinstance(updated_at, int)
        or not isinstance(session_id, str)
    ):
        raise InvalidCursor("cursor was issued for another listing")
    return updated_at, session_id


def copy_message(message: MessageRecord, **changes: Any) -> MessageRecord:
    """A copy that shares nothing mutable (Feedback is frozen); built positionally, in the
    dataclass's field order, as the memory store's hot path copies a window of them a turn."""
    copied = MessageRecord(
        message.session_id,
        message.index,
        message.at_ms,
        message.user,
        list(message.bot),
        message.intent,
        message.source,
        message.slot,
        message.signature,
        message.expires_at,
        message.feedback,
    )
    for name, value in changes.items():
        setattr(copied, name, value)
    return copied


def copy_profile(profile: ProfileRecord, **changes: Any) -> ProfileRecord:
    from dataclasses import replace

    changes.setdefault("data", dict(profile.data))
    return replace(profile, **changes)
