"""The session store interface: server-side trusted state keyed by Lex sessionId.

Records carry a version for optimistic concurrency and an absolute expiry (epoch seconds).
Reads treat an expired record as absent (DynamoDB deletes expired items up to 48 h late).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(slots=True)
class SessionRecord:
    """One session's trusted state.

    `state` is the session model in its wire form (a str->str map, the same map that is signed
    and sent to Lex); it never holds card numbers or security codes.
    """

    session_id: str
    state: dict[str, str]
    version: int = 0  # 0 = never written; a successful put stores expected_version + 1
    expires_at: int = 0  # epoch seconds; TTL attribute
    updated_at: int = 0  # epoch seconds
    owner: str | None = None  # verified user id that owns the session (identity lands later)
    extra: dict[str, str] = field(default_factory=dict)  # room for later features


class VersionConflict(Exception):
    """Another writer updated the record since it was read (optimistic concurrency)."""


class StoreUnavailable(Exception):
    """The store failed after its retries (throttling, network).

    After a timeout the write may still have landed; the caller answers from the last trusted
    state, and the next turn reads whatever the store holds (a retry with the same version is safe).
    """


class SessionStore(Protocol):
    """One interface, several backends (memory, sqlite, dynamodb)."""

    def get(self, session_id: str, *, now: int) -> SessionRecord | None:
        """The record, or None if absent or expired at `now`."""
        ...

    def put(self, record: SessionRecord, *, expected_version: int, now: int) -> SessionRecord:
        """Write `record` if the stored version equals `expected_version` (0: absent or expired).

        Returns the record as stored (version = expected_version + 1, updated_at = now).
        Raises `VersionConflict` otherwise; `StoreUnavailable` on persistent backend failure.
        """
        ...

    def delete(self, session_id: str) -> None:
        """Remove the session (idempotent)."""
        ...
