"""In-process store: dicts behind one lock (unit tests, local runs, single-process dev, benchmarks).

Only primitives live here; the semantics are `bot.store.core`'s and the rules `bot.store.items`'.
Records are copied in (by the core) and out (here), so callers never share mutable state with the
store; stored objects are never mutated in place: every change stores a new object.

The hot path stays cheap: a session's messages live in a dict keyed by index next to a sorted
list of those indexes, so `load` walks back from the newest entry instead of sorting history,
and copies only the messages it returns.
"""

from __future__ import annotations

import threading
from bisect import bisect_right, insort
from itertools import islice
from typing import TYPE_CHECKING

from bot.store.base import MessageRecord, ProfileRecord, SessionRecord, VersionConflict
from bot.store.core import PurgingStoreCore
from bot.store.items import (
    NoSuchMessage,
    Stored,
    alive,
    index_taken,
    is_live,
    is_visible,
    needs_retain,
    next_profile_version,
    stored_version,
    visible,
)
from bot.store.layout import MSG_PREFIX, copy_message, copy_profile, copy_record

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from bot.store.codec import Item
    from bot.store.items import (
        ExpiryTarget,
        FeedbackWrite,
        MessageWrite,
        Position,
        StateWrite,
        TimeQuery,
    )


class _History:
    """One session's message items by index (with their generation), plus the sorted indexes."""

    __slots__ = ("items", "order")

    def __init__(self) -> None:
        self.items: dict[int, Stored[MessageRecord]] = {}
        self.order: list[int] = []

    def put(self, generation: int, message: MessageRecord) -> None:
        if message.index not in self.items:
            if not self.order or message.index > self.order[-1]:
                self.order.append(message.index)  # the usual case: the next turn
            else:
                insort(self.order, message.index)
        self.items[message.index] = Stored(message, message.expires_at, generation)

    def stored(self, index: int) -> Stored[MessageRecord] | None:
        return self.items.get(index)


def _state(record: SessionRecord) -> Stored[SessionRecord]:
    return Stored(record, record.expires_at, record.created_at)


def _state_of(record: SessionRecord | None) -> Stored[SessionRecord] | None:
    return None if record is None else _state(record)


def _newest(
    records: Iterable[SessionRecord], now: int, after: Position | None, limit: int
) -> tuple[list[Stored[SessionRecord]], bool]:
    """The newest `limit` live records before `after` (copied), and whether there are more."""
    live = [
        r
        for r in records
        if alive(r.expires_at, now) and (after is None or (r.updated_at, r.session_id) < after)
    ]
    live.sort(key=lambda r: (r.updated_at, r.session_id), reverse=True)
    return [_state(copy_record(r)) for r in live[:limit]], len(live) > limit


def _copied(message: Stored[MessageRecord]) -> Stored[MessageRecord]:
    return Stored(copy_message(message.value), message.expires_at, message.gen)


class MemoryStore(PurgingStoreCore):
    """A `SessionStore` kept in memory."""

    backend = "memory"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, SessionRecord] = {}
        self._messages: dict[str, _History] = {}
        self._profiles: dict[str, ProfileRecord] = {}
        self._by_owner: dict[str, set[str]] = {}  # the "gsi1" of this backend

    # -- helpers (caller holds the lock) -------------------------------------------------------

    def _store_record(self, record: SessionRecord) -> None:
        previous = self._records.get(record.session_id)
        if previous is not None and previous.owner != record.owner and previous.owner is not None:
            self._unlink_owner(previous.owner, record.session_id)
        if record.owner is not None:
            self._by_owner.setdefault(record.owner, set()).add(record.session_id)
        self._records[record.session_id] = record

    def _unlink_owner(self, owner: str, session_id: str) -> None:
        owned = self._by_owner.get(owner)
        if owned is not None:
            owned.discard(session_id)
            if not owned:
                del self._by_owner[owner]

    def _drop_record(self, session_id: str) -> bool:
        record = self._records.pop(session_id, None)
        if record is not None and record.owner is not None:
            self._unlink_owner(record.owner, session_id)
        return record is not None

    def _copied_state(self, session_id: str) -> Stored[SessionRecord] | None:
        record = self._records.get(session_id)
        return None if record is None else _state(copy_record(record))

    # -- reads ---------------------------------------------------------------------------------

    def _read_session(
        self, session_id: str, *, now: int, window: int
    ) -> tuple[Stored[SessionRecord] | None, list[Stored[MessageRecord]]]:
        with self._lock:
            state = _state_of(self._records.get(session_id))
            history = self._messages.get(session_id)
            if state is None or not is_live(state, now) or history is None or window == 0:
                return self._copied_state(session_id), []
            newest_first: list[Stored[MessageRecord]] = []
            for message in visible(map(history.items.__getitem__, reversed(history.order)), state, now):
                newest_first.append(_copied(message))
                if len(newest_first) == window:
                    break
            return _state(copy_record(state.value)), newest_first

    def _read_state(self, session_id: str) -> Stored[SessionRecord] | None:
        with self._lock:
            return self._copied_state(session_id)

    def _read_messages(
        self, session_id: str, *, now: int, after: int, limit: int
    ) -> tuple[Stored[SessionRecord] | None, list[Stored[MessageRecord]]]:
        with self._lock:
            state = _state_of(self._records.get(session_id))  # read-only use by the core
            history = self._messages.get(session_id)
            if state is None or not is_live(state, now) or history is None:
                return state, []
            found: list[Stored[MessageRecord]] = []
            order = history.order
            later = islice(order, bisect_right(order, after), None)
            for message in visible(map(history.items.__getitem__, later), state, now):
                found.append(_copied(message))
                if len(found) == limit:
                    break
            return state, found

    def _read_expiries(
        self, session_id: str
    ) -> tuple[Stored[SessionRecord] | None, list[Stored[MessageRecord]]]:
        with self._lock:
            history = self._messages.get(session_id)
            found = [] if history is None else [history.items[i] for i in history.order]
            return _state_of(self._records.get(session_id)), found  # read-only use by the core

    def _read_profile(self, user_id: str) -> Stored[ProfileRecord] | None:
        with self._lock:
            profile = self._profiles.get(user_id)
        return None if profile is None else Stored(copy_profile(profile), profile.expires_at)

    def _list_by_user(
        self, user_id: str, *, now: int, after: Position | None, limit: int
    ) -> tuple[list[Stored[SessionRecord]], bool]:
        with self._lock:
            return _newest((self._records[s] for s in self._by_owner.get(user_id, ())), now, after, limit)

    def _list_by_time(
        self, query: TimeQuery, *, now: int, after: Position | None, limit: int
    ) -> tuple[list[Stored[SessionRecord]], bool]:
        with self._lock:
            matching = (
                r
                for r in self._records.values()
                if query.start <= r.updated_at < query.end
                and query.has_feedback in (None, r.has_feedback)
                and query.has_review in (None, r.review is not None)
            )
            return _newest(matching, now, after, limit)

    # -- writes --------------------------------------------------------------------------------

    def _commit(
        self, state: StateWrite, messages: list[MessageWrite], profile: ProfileRecord | None, *, now: int
    ) -> None:
        session_id = state.record.session_id
        with self._lock:
            if stored_version(_state_of(self._records.get(session_id)), now) != state.expected:
                raise VersionConflict(f"session was changed concurrently (expected version {state.expected})")
            history = self._messages.get(session_id)
            if history is not None:
                for write in messages:
                    if index_taken(history.stored(write.message.index), write.gen, now):
                        raise VersionConflict(f"message {write.message.index} already exists")
            self._store_record(state.record)
            if messages:
                if history is None:
                    history = self._messages[session_id] = _History()
                for write in messages:
                    history.put(write.gen, write.message)
            if profile is not None:
                self._put_profile_locked(profile, now)

    def _commit_feedback(self, write: FeedbackWrite, *, now: int) -> None:
        session_id = write.state.value.session_id
        with self._lock:
            current = _state_of(self._records.get(session_id))
            if current is None or stored_version(current, now) != write.state.value.version:
                raise VersionConflict("session was changed concurrently")
            history = self._messages.get(session_id)
            message = None if history is None else history.stored(write.index)
            if history is None or message is None or not is_visible(message, current, now):
                raise NoSuchMessage
            history.put(current.value.created_at, copy_message(message.value, feedback=write.feedback))
            record = current.value
            self._store_record(
                copy_record(record, has_feedback=True, version=record.version + 1, updated_at=now)
            )

    def _put_profile_locked(self, profile: ProfileRecord, now: int) -> int:
        current = self._profiles.get(profile.user_id)
        version = next_profile_version(None if current is None else Stored(current, current.expires_at), now)
        self._profiles[profile.user_id] = copy_profile(profile, version=version, updated_at=now)
        return version

    def _put_profile(self, profile: ProfileRecord, *, now: int) -> int:
        with self._lock:
            return self._put_profile_locked(profile, now)

    def _raise_expiry(self, session_id: str, targets: list[ExpiryTarget], *, until: int, now: int) -> int:
        updated = 0
        with self._lock:
            record = self._records.get(session_id)
            history = self._messages.get(session_id)
            for target in targets:
                if not target.message:
                    if record is not None and needs_retain(_state(record), until, now):
                        self._store_record(record := copy_record(record, expires_at=until))
                        updated += 1
                    continue
                index = int(target.sk[len(MSG_PREFIX) :])
                entry = None if history is None else history.items.get(index)
                if (
                    history is not None
                    and entry is not None
                    and entry.gen == target.gen
                    and needs_retain(entry, until, now)
                ):
                    history.items[index] = Stored(
                        copy_message(entry.value, expires_at=until), until, entry.gen
                    )
                    updated += 1
        return updated

    def _delete_session(self, session_id: str) -> int:
        with self._lock:
            deleted = int(self._drop_record(session_id))
            history = self._messages.pop(session_id, None)
            return deleted + (0 if history is None else len(history.items))

    def _delete_profile(self, user_id: str) -> None:
        with self._lock:
            self._profiles.pop(user_id, None)

    # -- upkeep --------------------------------------------------------------------------------

    def _scan_without_expiry(self) -> Iterator[tuple[int, list[Item]]]:
        """Every item here gets an expiry when written: there is never anything to backfill."""
        with self._lock:
            scanned = (
                len(self._records)
                + sum(len(history.items) for history in self._messages.values())
                + len(self._profiles)
            )
        yield scanned, []

    def _give_expiry(self, updates: list[tuple[str, str, int]]) -> int:
        return 0

    def _purge(self, *, now: int) -> int:
        purged = 0
        with self._lock:
            for session_id in [s for s, r in self._records.items() if r.expires_at <= now]:
                self._drop_record(session_id)
                purged += 1
            for session_id, history in list(self._messages.items()):
                state = _state_of(self._records.get(session_id))
                stale = [
                    i for i, m in history.items.items() if state is None or not is_visible(m, state, now)
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
