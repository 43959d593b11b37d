"""In-process store: dicts behind one lock (unit tests, local runs, single-process dev, benchmarks).

Same semantics as the other backends (see `bot.store.base`): items expire on read, messages carry
a hidden generation (their session's `created_at` when written) and are visible only while that
session is live and of the same generation, listings page with opaque cursors. Everything is
copied in and out, so callers never share mutable state with the store.

The hot path stays cheap: a session's messages live in a dict keyed by index next to a sorted
list of those indexes, so `load` walks back from the newest entry instead of sorting history.
"""

from __future__ import annotations

import threading
from bisect import bisect_right, insort
from typing import Any

from bot.store.base import (
    BackfillReport,
    Feedback,
    MessageRecord,
    Page,
    ProfileRecord,
    SessionRecord,
    VersionConflict,
)
from bot.store.layout import (
    check_limit,
    check_new_messages,
    check_profile,
    check_record,
    check_user_id,
    copy_message,
    copy_profile,
    copy_record,
    listing_cursor,
    listing_position,
    time_params,
)


class _History:
    """One session's message items: index -> (generation, message), plus the sorted indexes."""

    __slots__ = ("items", "order")

    def __init__(self) -> None:
        self.items: dict[int, tuple[int, MessageRecord]] = {}
        self.order: list[int] = []

    def put(self, generation: int, message: MessageRecord) -> None:
        if message.index not in self.items:
            if not self.order or message.index > self.order[-1]:
                self.order.append(message.index)  # the usual case: the next turn
            else:
                insort(self.order, message.index)
        self.items[message.index] = (generation, message)

    def live(self, index: int, generation: int, now: int) -> MessageRecord | None:
        entry = self.items.get(index)
        if entry is None or entry[0] != generation or entry[1].expires_at <= now:
            return None
        return entry[1]


class MemoryStore:
    """A `SessionStore` kept in memory. Records are copied in and out (no aliasing).

    Stored objects are never mutated in place: every change stores a new object.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, SessionRecord] = {}
        self._messages: dict[str, _History] = {}
        self._profiles: dict[str, ProfileRecord] = {}
        self._by_owner: dict[str, set[str]] = {}  # the "gsi1" of this backend

    # -- helpers (caller holds the lock) -----------------------------------------------------

    def _live(self, session_id: str, now: int) -> SessionRecord | None:
        record = self._records.get(session_id)
        if record is None or record.expires_at <= now:
            return None
        return record

    def _store_record(self, record: SessionRecord) -> None:
        previous = self._records.get(record.session_id)
        if previous is not None and previous.owner != record.owner and previous.owner is not None:
            owned = self._by_owner.get(previous.owner)
            if owned is not None:
                owned.discard(record.session_id)
                if not owned:
                    del self._by_owner[previous.owner]
        if record.owner is not None:
            self._by_owner.setdefault(record.owner, set()).add(record.session_id)
        self._records[record.session_id] = record

    def _drop_record(self, session_id: str) -> bool:
        record = self._records.pop(session_id, None)
        if record is None:
            return False
        if record.owner is not None:
            owned = self._by_owner.get(record.owner)
            if owned is not None:
                owned.discard(session_id)
                if not owned:
                    del self._by_owner[record.owner]
        return True

    # -- the turn's hot path ------------------------------------------------------------------

    def load(
        self, session_id: str, *, now: int, window: int
    ) -> tuple[SessionRecord | None, list[MessageRecord]]:
        check_limit("window", window, minimum=0)
        with self._lock:
            record = self._live(session_id, now)
            if record is None:
                return None, []
            newest_first: list[MessageRecord] = []
            history = self._messages.get(session_id)
            if history is not None and window > 0:
                generation = record.created_at
                for index in reversed(history.order):
                    message = history.live(index, generation, now)
                    if message is not None:
                        newest_first.append(copy_message(message))
                        if len(newest_first) == window:
                            break
            newest_first.reverse()
            return copy_record(record), newest_first

    def save(
        self,
        record: SessionRecord,
        *,
        expected_version: int,
        now: int,
        messages: tuple[MessageRecord, ...] | list[MessageRecord] = (),
        profile: ProfileRecord | None = None,
    ) -> SessionRecord:
        check_record(record, expected_version=expected_version)
        check_new_messages(record.session_id, messages)
        if profile is not None:
            check_profile(profile)
        created_at = now if expected_version == 0 else record.created_at
        stored = copy_record(record, version=expected_version + 1, updated_at=now, created_at=created_at)
        new_messages = [copy_message(message) for message in messages]
        with self._lock:
            current = self._live(record.session_id, now)
            if (0 if current is None else current.version) != expected_version:
                raise VersionConflict(
                    f"session was changed concurrently (expected version {expected_version})"
                )
            history = self._messages.get(record.session_id)
            if history is not None:
                for message in new_messages:
                    if history.live(message.index, created_at, now) is not None:
                        raise VersionConflict(f"message {message.index} already exists")
            self._store_record(stored)
            if new_messages:
                if history is None:
                    history = self._messages[record.session_id] = _History()
                for message in new_messages:
                    history.put(created_at, message)
            if profile is not None:
                self._put_profile(profile, now)
            return copy_record(stored)

    # -- single items -------------------------------------------------------------------------

    def get(self, session_id: str, *, now: int) -> SessionRecord | None:
        with self._lock:
            record = self._live(session_id, now)
            return None if record is None else copy_record(record)

    def put(self, record: SessionRecord, *, expected_version: int, now: int) -> SessionRecord:
        return self.save(record, expected_version=expected_version, now=now)

    def delete(self, session_id: str) -> int:
        with self._lock:
            deleted = int(self._drop_record(session_id))
            history = self._messages.pop(session_id, None)
            return deleted + (0 if history is None else len(history.items))

    # -- history ------------------------------------------------------------------------------

    def messages(
        self, session_id: str, *, now: int, after: int = -1, limit: int = 100
    ) -> list[MessageRecord]:
        check_limit("limit", limit, minimum=0)
        if isinstance(after, bool) or not isinstance(after, int):
            raise TypeError("after must be an int")
        with self._lock:
            record = self._live(session_id, now)
            history = self._messages.get(session_id)
            if record is None or history is None or limit == 0:
                return []
            found: list[MessageRecord] = []
            order = history.order
            for position in range(bisect_right(order, after), len(order)):
                message = history.live(order[position], record.created_at, now)
                if message is not None:
                    found.append(copy_message(message))
                    if len(found) == limit:
                        break
            return found

    def set_message_feedback(self, session_id: str, index: int, feedback: Feedback, *, now: int) -> bool:
        if not isinstance(feedback, Feedback):
            raise TypeError("feedback must be a Feedback")
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError("index must be an int")
        with self._lock:
            record = self._live(session_id, now)
            history = self._messages.get(session_id)
            if record is None or history is None:
                return False
            message = history.live(index, record.created_at, now)
            if message is None:
                return False
            history.put(record.created_at, copy_message(message, feedback=feedback))
            self._store_record(
                copy_record(record, has_feedback=True, version=record.version + 1, updated_at=now)
            )
            return True

    def retain(self, session_id: str, *, until: int, now: int) -> int:
        if isinstance(until, bool) or not isinstance(until, int):
            raise TypeError("until must be an int (epoch seconds)")
        with self._lock:
            record = self._live(session_id, now)
            if record is None:
                return 0
            updated = 0
            if record.expires_at < until:
                self._store_record(copy_record(record, expires_at=until))
                updated += 1
            history = self._messages.get(session_id)
            if history is not None:
                for index in history.order:
                    message = history.live(index, record.created_at, now)
                    if message is not None and message.expires_at < until:
                        history.put(record.created_at, copy_message(message, expires_at=until))
                        updated += 1
            return updated

    # -- profiles -----------------------------------------------------------------------------

    def _put_profile(self, profile: ProfileRecord, now: int) -> ProfileRecord:
        # Caller holds the lock. Unconditional: version = stored version + 1 (expired or not).
        current = self._profiles.get(profile.user_id)
        stored = copy_profile(
            profile, version=(0 if current is None else current.version) + 1, updated_at=now
        )
        self._profiles[profile.user_id] = stored
        return stored

    def get_profile(self, user_id: str, *, now: int) -> ProfileRecord | None:
        with self._lock:
            profile = self._profiles.get(user_id)
            if profile is None or profile.expires_at <= now:
                return None
            return copy_profile(profile)

    def put_profile(self, profile: ProfileRecord, *, now: int) -> ProfileRecord:
        check_profile(profile)
        with self._lock:
            return copy_profile(self._put_profile(profile, now))

    def delete_profile(self, user_id: str) -> None:
        with self._lock:
            self._profiles.pop(user_id, None)

    # -- listings -----------------------------------------------------------------------------

    @staticmethod
    def _page(
        candidates: list[SessionRecord],
        position: tuple[int, str] | None,
        limit: int,
        kind: str,
        params: list[Any],
    ) -> Page[SessionRecord]:
        candidates.sort(key=lambda r: (r.updated_at, r.session_id), reverse=True)
        if position is not None:
            candidates = [r for r in candidates if (r.updated_at, r.session_id) < position]
        items = [copy_record(r) for r in candidates[:limit]]
        cursor = None
        if len(candidates) > limit:
            last = items[-1]
            cursor = listing_cursor(kind, params, last.updated_at, last.session_id)
        return Page(items=items, cursor=cursor)

    def list_by_user(
        self, user_id: str, *, now: int, limit: int = 15, cursor: str | None = None
    ) -> Page[SessionRecord]:
        params: list[Any] = [check_user_id(user_id)]
        check_limit("limit", limit, minimum=1)
        position = listing_position(cursor, "user", params)
        with self._lock:
            candidates = [
                record
                for session_id in self._by_owner.get(user_id, ())
                if (record := self._records[session_id]).expires_at > now
            ]
            return self._page(candidates, position, limit, "user", params)

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
        params = time_params(start, end, has_feedback, has_review)
        check_limit("limit", limit, minimum=1)
        position = listing_position(cursor, "time", params)
        with self._lock:
            candidates = [
                record
                for record in self._records.values()
                if record.expires_at > now
                and start <= record.updated_at < end
                and (has_feedback is None or record.has_feedback == has_feedback)
                and (has_review is None or (record.review is not None) == has_review)
            ]
            return self._page(candidates, position, limit, "time", params)

    # -- upkeep -------------------------------------------------------------------------------

    def backfill_ttl(self, *, now: int, session_ttl: int, profile_ttl: int, dry_run: bool) -> BackfillReport:
        """Every item here gets an expiry when written, so there is never anything to backfill."""
        with self._lock:
            scanned = (
                len(self._records)
                + sum(len(history.items) for history in self._messages.values())
                + len(self._profiles)
            )
        return BackfillReport(scanned=scanned)

    def purge_expired(self, *, now: int) -> int:
        """Drop every expired item and every message of a superseded generation; returns how many."""
        purged = 0
        with self._lock:
            for session_id in [s for s, r in self._records.items() if r.expires_at <= now]:
                self._drop_record(session_id)
                purged += 1
            for session_id, history in list(self._messages.items()):
                record = self._records.get(session_id)
                stale = [
                    index
                    for index, (generation, message) in history.items.items()
                    if message.expires_at <= now or record is None or generation != record.created_at
                ]
                for index in stale:
                    del history.items[index]
                if stale:
                    history.order = sorted(history.items)
                    purged += len(stale)
                if not history.items:
                    del self._messages[session_id]
            for user_id in [u for u, p in self._profiles.items() if p.expires_at <= now]:
                del self._profiles[user_id]
                purged += 1
        return purged
