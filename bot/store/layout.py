"""The single-table key layout shared by every backend, and record validation.

One table holds several item kinds, told apart by their keys:

    pk = SESSION#<session_id>   sk = STATE               the session record (this module's backends)
    pk = SESSION#<session_id>   sk = MSG#<index:010d>    conversation history (later)
    pk = USER#<user_id>         sk = PROFILE             user profiles (later)

Because "MSG#..." sorts before "STATE", one Query on a session's pk with ScanIndexForward=False
returns STATE first and then the newest messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.store.base import SessionRecord

SESSION_PREFIX = "SESSION#"
USER_PREFIX = "USER#"
STATE_SK = "STATE"
MSG_PREFIX = "MSG#"
PROFILE_SK = "PROFILE"
MSG_INDEX_WIDTH = 10


def session_pk(session_id: str) -> str:
    return SESSION_PREFIX + session_id


def session_id_from_pk(pk: str) -> str:
    if not pk.startswith(SESSION_PREFIX):
        raise ValueError("not a session partition key")
    return pk[len(SESSION_PREFIX) :]


def message_sk(index: int) -> str:
    if index < 0 or index >= 10**MSG_INDEX_WIDTH:
        raise ValueError(f"message index out of range: {index}")
    return f"{MSG_PREFIX}{index:0{MSG_INDEX_WIDTH}d}"


def user_pk(user_id: str) -> str:
    return USER_PREFIX + user_id


def _check_map(name: str, value: object) -> None:
    if not isinstance(value, dict):
        raise TypeError(f"SessionRecord.{name} must be a dict[str, str]")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise TypeError(f"SessionRecord.{name} must map str to str")
        if not key:
            # DynamoDB rejects empty map keys; refuse them everywhere so backends agree.
            raise ValueError(f"SessionRecord.{name} keys must be non-empty")


def check_record(record: SessionRecord, *, expected_version: int) -> None:
    """Reject records every backend could not store identically (keeps the backends in step)."""
    if not isinstance(record.session_id, str) or not record.session_id:
        raise ValueError("SessionRecord.session_id must be a non-empty str")
    if isinstance(expected_version, bool) or not isinstance(expected_version, int) or expected_version < 0:
        raise ValueError("expected_version must be an int >= 0")
    if isinstance(record.expires_at, bool) or not isinstance(record.expires_at, int):
        raise TypeError("SessionRecord.expires_at must be an int (epoch seconds)")
    if record.owner is not None and not isinstance(record.owner, str):
        raise TypeError("SessionRecord.owner must be a str or None")
    _check_map("state", record.state)
    _check_map("extra", record.extra)


def copy_record(record: SessionRecord, **changes: Any) -> SessionRecord:
    """A deep-enough copy (the maps are copied) so callers and stores never share mutable state."""
    from bot.store.base import SessionRecord

    values: dict[str, Any] = {
        "session_id": record.session_id,
        "state": dict(record.state),
        "version": record.version,
        "expires_at": record.expires_at,
        "updated_at": record.updated_at,
        "owner": record.owner,
        "extra": dict(record.extra),
    }
    values.update(changes)
    return SessionRecord(**values)
