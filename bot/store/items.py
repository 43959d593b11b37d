"""What backends read and write, and the rules that decide what a read sees (defined here once).

A backend reads items as `Stored` values: the record plus what only the store sees (the item's
expiry as stored, None for a legacy item written without one, and its generation). The rules:

- an item is live while its expiry is in the future (`expires_at > now`); an item without an
  expiry is live (DynamoDB's TTL never deletes it) until `backfill_ttl` gives it one;
- a message is visible only while its session record is live and of the same generation (the
  record's `created_at` when the message was written): a new session that reuses an expired
  session's id never sees the old messages, whether or not TTL has removed them yet;
- an index is taken only by a live message of the same generation (anything else there is
  overwritten by a new message);
- a profile written over an absent or expired one starts again at version 1.

The core (`bot.store.core`) applies these rules to every read result, whatever the backend
returned. Backends that filter or condition server-side (SQL WHERE clauses, DynamoDB filter and
condition expressions) express the same rules, and the contract suite holds them to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from bot.store.base import Feedback, MessageRecord, ProfileRecord, SessionRecord


@dataclass(slots=True)  # not frozen: cheaper to build, and a read builds one per item
class Stored[T]:
    """A record as read from a backend (the record is the caller's: a copy or freshly decoded)."""

    value: T
    expires_at: int | None  # as stored; None: written without an expiry (a legacy item)
    gen: int | None = None  # STATE: created_at as stored; MSG: the generation it was written in


Position = tuple[int, str]  # (updated_at, session_id): where a listing continues (exclusive)


@dataclass(slots=True, frozen=True)
class TimeQuery:
    """A checked `list_by_time` query."""

    start: int
    end: int
    has_feedback: bool | None
    has_review: bool | None


@dataclass(slots=True, frozen=True)
class StateWrite:
    """Put the whole record item: absent or expired if `expected` is 0, else live at `expected`."""

    record: SessionRecord  # as stored (version, updated_at, created_at set by the core)
    expected: int


@dataclass(slots=True, frozen=True)
class MessageWrite:
    """Put a new message item, unless its index is taken (`index_taken`)."""

    message: MessageRecord
    gen: int  # the record's created_at


@dataclass(slots=True, frozen=True)
class ExpiryTarget:
    """Raise one live item's expiry to `until` if it is lower (messages: still of `gen`)."""

    sk: str
    gen: int | None  # None for the STATE item
    message: bool


@dataclass(slots=True, frozen=True)
class FeedbackWrite:
    """Set a visible message's feedback; the record (live at `state.value.version`) gets
    has_feedback, version + 1 and updated_at = now, nothing else."""

    state: Stored[SessionRecord]
    index: int
    feedback: Feedback


class NoSuchMessage(Exception):
    """`FeedbackWrite`: the message is not there, not live or of another generation."""


def alive(expires_at: int | None, now: int) -> bool:
    return expires_at is None or expires_at > now


def is_live(item: Stored[Any] | None, now: int) -> bool:
    return item is not None and alive(item.expires_at, now)


def is_visible(message: Stored[MessageRecord], state: Stored[SessionRecord], now: int) -> bool:
    return message.gen == state.gen and alive(message.expires_at, now) and alive(state.expires_at, now)


def visible(
    messages: Iterable[Stored[MessageRecord]], state: Stored[SessionRecord], now: int
) -> Iterator[Stored[MessageRecord]]:
    """The messages a read of `state` may return, in the given order (`is_visible`, faster)."""
    if not alive(state.expires_at, now):
        return
    gen = state.gen
    for message in messages:
        expires_at = message.expires_at
        if message.gen == gen and (expires_at is None or expires_at > now):
            yield message


def stored_version(state: Stored[SessionRecord] | None, now: int) -> int:
    """The version a write is checked against: the live record's, 0 if absent or expired."""
    return state.value.version if state is not None and is_live(state, now) else 0


def index_taken(existing: Stored[MessageRecord] | None, gen: int, now: int) -> bool:
    return existing is not None and existing.gen == gen and alive(existing.expires_at, now)


def next_profile_version(current: Stored[ProfileRecord] | None, now: int) -> int:
    return current.value.version + 1 if current is not None and is_live(current, now) else 1


def needs_retain(item: Stored[Any], until: int, now: int) -> bool:
    """Live, with an expiry below `until` (an item without expiry is already kept)."""
    return item.expires_at is not None and now < item.expires_at < until


def activity(state: Stored[SessionRecord]) -> Position:
    return state.value.updated_at, state.value.session_id
