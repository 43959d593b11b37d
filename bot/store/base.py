"""The store interface: server-side trusted state, conversation history and user profiles.

Three item kinds live in one table (see `bot.store.layout` for the keys):

- `SessionRecord`  one per Lex sessionId: the session model's wire form plus bookkeeping
  (version for optimistic concurrency, expiry, owner, admin-owned title/feedback/review).
- `MessageRecord`  one per recorded turn (never a growing list inside the session item: DynamoDB
  items are capped at 400 KB). Written once by a turn; only their feedback and expiry change later.
- `ProfileRecord`  one per verified user: what is remembered across sessions (wallet address,
  cardholder name if allowed, preferences).

Every item carries an absolute expiry (epoch seconds, the DynamoDB TTL attribute). Reads treat
an expired item as absent, because DynamoDB deletes expired items up to ~48 h late. Messages are
visible only while their session record is live.

Hot path: `load` is one read request (session record + the newest `window` messages) and `save`
is one write request (record + new messages + optional profile, all or nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Rating = Literal["up", "down"]


@dataclass(slots=True, frozen=True)
class Feedback:
    """A thumbs up/down with an optional comment, on a session or one message."""

    rating: Rating
    comment: str = ""
    at: int = 0  # epoch seconds


@dataclass(slots=True, frozen=True)
class Review:
    """An operator's review of a whole session."""

    reviewer: str
    verdict: str
    notes: str = ""
    at: int = 0  # epoch seconds


@dataclass(slots=True)
class SessionRecord:
    """One session's trusted state.

    `state` is the session model in its wire form (a str->str map, the same map that is signed
    and sent to Lex); it never holds card numbers or security codes.

    `context` is opaque server-side text (JSON by convention: the generative help's rolling
    summary and entity memory). It is never sent to Lex nor shown to clients; the store only
    keeps it: redacted like every free text it writes (no card number or security code), at most
    `bot.store.checks.MAX_CONTEXT_BYTES` (16 KiB) of UTF-8 after redaction (a larger one is a
    ValueError, nothing is written). Items written without it load as "".
    """

    session_id: str
    state: dict[str, str]
    version: int = 0  # 0 = never written; a successful write stores expected_version + 1
    expires_at: int = 0  # epoch seconds; TTL attribute
    updated_at: int = 0  # epoch seconds, last write (set by the store)
    owner: str | None = None  # verified user id that owns the session; None = anonymous
    extra: dict[str, str] = field(default_factory=dict)  # free-form str->str, round-trips as-is
    created_at: int = 0  # epoch seconds; set by the store on the first write, then preserved
    message_count: int = 0  # history entries written so far = the index of the next entry
    title: str | None = None  # admin-owned
    feedback: Feedback | None = None  # admin-owned: session-level feedback
    review: Review | None = None  # admin-owned
    has_feedback: bool = False  # feedback on the session or on any of its messages
    context: str = ""  # opaque server-side JSON text (generative help); never sent to Lex


@dataclass(slots=True)
class MessageRecord:
    """One recorded turn. `user` and `bot` are already redacted; `signature` is computed by
    `bot.history` over (session_id, index, content) and verified on load, not by the store."""

    session_id: str
    index: int  # 0, 1, 2, ... (sort key MSG#<index:010d>)
    at_ms: int  # epoch milliseconds
    user: str  # the user's utterance, redacted ("" for none)
    bot: list[str]  # the bot's messages, redacted
    intent: str | None = None
    source: str | None = None  # DialogCodeHook | FulfillmentCodeHook | admin
    slot: str | None = None  # the slot the bot elicited next, if any
    signature: str = ""
    expires_at: int = 0  # epoch seconds; TTL attribute
    feedback: Feedback | None = None  # admin-owned, not covered by the signature


@dataclass(slots=True)
class ProfileRecord:
    """What is remembered about a verified user across sessions."""

    user_id: str
    data: dict[str, str]  # e.g. wallet_address, cardholder_name, locale; str->str like state
    version: int = 0
    expires_at: int = 0  # epoch seconds; TTL attribute (refreshed on use)
    updated_at: int = 0  # set by the store


@dataclass(slots=True)
class Page[T]:
    """One page of a listing; pass `cursor` back to get the next page (None: no more)."""

    items: list[T]
    cursor: str | None = None


@dataclass(slots=True)
class BackfillReport:
    """What `backfill_ttl` found (and, unless a dry run, fixed): items without an expiry, by kind."""

    scanned: int = 0
    missing: dict[str, int] = field(default_factory=dict)  # kind ("session"|"message"|"profile"|"other") -> n
    updated: int = 0  # 0 on a dry run


class VersionConflict(Exception):
    """Another writer updated the record since it was read (optimistic concurrency)."""


class StoreUnavailable(Exception):
    """The store failed after its retries (throttling, network).

    After a timeout the write may still have landed; the caller answers from the last trusted
    state, and the next turn reads whatever the store holds (a retry with the same version is safe).
    """


class InvalidCursor(ValueError):
    """A listing cursor that this store did not issue (or that was tampered with)."""


class StoreClosed(RuntimeError):
    """The store was closed by its owner (a programming error, not an outage)."""


# -- the interface, split by use -------------------------------------------------------------------


class TurnStore(Protocol):
    """What a turn needs: its session (one read), its write (one request), the user's profile."""

    def load(
        self, session_id: str, *, now: int, window: int
    ) -> tuple[SessionRecord | None, list[MessageRecord]]:
        """One read: the live record (or None) and its newest `window` live messages, oldest first.

        Returns no messages when the record is absent or expired. `window` may be 0.
        """
        ...

    def save(
        self,
        record: SessionRecord,
        *,
        expected_version: int,
        now: int,
        messages: tuple[MessageRecord, ...] | list[MessageRecord] = (),
        profile: ProfileRecord | None = None,
    ) -> SessionRecord:
        """One atomic write of the record, new messages and (optionally) a profile.

        The record is written if the stored version equals `expected_version` (0: absent or
        expired; an expired predecessor and its messages are replaced). Every message must be new
        (no live item of this generation at its index). The profile is written unconditionally
        (last writer wins; version 1 if it was absent or expired). On any failed condition nothing
        is written and `VersionConflict` is raised; `StoreUnavailable` on persistent backend
        failure (then nothing, or everything, landed).

        The whole record item is replaced: callers pass the loaded record forward (with its
        created_at, message_count and admin-owned fields) and change what they mean to change.
        Returns the record as stored: version = expected_version + 1, updated_at = now,
        created_at = now when expected_version == 0, else the caller's `created_at`.
        """
        ...

    def get_profile(self, user_id: str, *, now: int) -> ProfileRecord | None:
        """The live profile, or None."""
        ...


class AdminStore(Protocol):
    """What operators need: single items, history, annotations, retention, listings, profiles."""

    def get(self, session_id: str, *, now: int) -> SessionRecord | None:
        """The record, or None if absent or expired at `now`."""
        ...

    def put(self, record: SessionRecord, *, expected_version: int, now: int) -> SessionRecord:
        """`save` without messages or profile."""
        ...

    def delete(self, session_id: str) -> int:
        """Remove the session record and all its messages (idempotent); returns items deleted."""
        ...

    def messages(
        self, session_id: str, *, now: int, after: int = -1, limit: int = 100
    ) -> list[MessageRecord]:
        """Live messages with index > `after` (>= -1), oldest first, at most `limit` (empty if
        the session is absent or expired)."""
        ...

    def set_message_feedback(self, session_id: str, index: int, feedback: Feedback, *, now: int) -> bool:
        """Attach feedback to a live message and set the session's `has_feedback` (one atomic
        write; bumps the session version). False if the session or message does not exist."""
        ...

    def retain(self, session_id: str, *, until: int, now: int) -> int:
        """Extend the expiry of a live session and all its messages to at least `until`
        (operators keep reviewed sessions longer). Returns items updated; 0 if absent."""
        ...

    def get_profile(self, user_id: str, *, now: int) -> ProfileRecord | None:
        """The live profile, or None."""
        ...

    def put_profile(self, profile: ProfileRecord, *, now: int) -> ProfileRecord:
        """Write the profile unconditionally; returns it with updated_at = now and version =
        the stored version + 1, or 1 if it was absent or expired."""
        ...

    def delete_profile(self, user_id: str) -> None:
        """Remove the profile (idempotent)."""
        ...

    def list_by_user(
        self, user_id: str, *, now: int, limit: int = 15, cursor: str | None = None
    ) -> Page[SessionRecord]:
        """The user's live sessions, most recently active first (never a full scan)."""
        ...

    def list_by_time(
        self,
        *,
        start: int,
        end: int,
        now: int,
        limit: int = 250,
        cursor: str | None = None,
        has_feedback: bool | None = None,
        has_review: bool | None = None,
    ) -> Page[SessionRecord]:
        """Live sessions last active in [start, end) (epoch seconds), most recent first,
        optionally only those with (True) or without (False) feedback / a review."""
        ...


class UpkeepStore(Protocol):
    """Maintenance, never on a request path."""

    def backfill_ttl(self, *, now: int, session_ttl: int, profile_ttl: int, dry_run: bool) -> BackfillReport:
        """Give every item without an expiry one: sessions and messages expire `session_ttl`
        after their last activity, profiles `profile_ttl` after their last update (an item
        already past that gets `now`; items of unknown kind are counted, left alone). A dry run
        only counts. This is the one operation that may read the whole table."""
        ...


class PurgingStore(UpkeepStore, Protocol):
    """Local backends without a TTL process (memory, SQLite)."""

    def purge_expired(self, *, now: int) -> int:
        """Delete every item that reads as absent at `now` (expired items, and messages whose
        session is absent, expired or of another generation); returns how many."""
        ...


class SessionStore(TurnStore, AdminStore, UpkeepStore, Protocol):
    """The whole interface; one contract, several backends (memory, sqlite, dynamodb)."""
