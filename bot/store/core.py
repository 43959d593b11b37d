"""The store's semantics, implemented once: every backend is a `StoreCore` plus primitives.

The public methods (the `SessionStore` protocol) live here: argument and record checks and
storable text (`bot.store.checks`), versioning and `created_at`, the liveness and generation
rules applied to every read (`bot.store.items`), message visibility, listing cursors bound to
their parameters, TTL backfill, and the mapping of unexpected backend failures to
`StoreUnavailable` (with a message naming the operation, never the data).

A backend implements only the `_primitive` methods below: read a session's items, read one
item, query an index, write a batch conditionally, raise expiries, delete keys, scan for
upkeep. Each returns `Stored` values (copies the caller may keep) and raises `VersionConflict`
when a write condition fails; anything else it raises becomes `StoreUnavailable`.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar

from bot.store import checks
from bot.store.base import (
    BackfillReport,
    Feedback,
    InvalidCursor,
    MessageRecord,
    Page,
    ProfileRecord,
    SessionRecord,
    StoreClosed,
    StoreUnavailable,
    VersionConflict,
)
from bot.store.codec import backfill_expiry
from bot.store.items import (
    ExpiryTarget,
    FeedbackWrite,
    MessageWrite,
    NoSuchMessage,
    Position,
    StateWrite,
    Stored,
    TimeQuery,
    activity,
    is_live,
    is_visible,
    needs_retain,
    visible,
)
from bot.store.layout import (
    MAX_MESSAGE_INDEX,
    STATE_SK,
    copy_profile,
    copy_record,
    listing_cursor,
    listing_position,
    message_sk,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from bot.store.codec import Item

_INDEX = attrgetter("index")
FEEDBACK_ATTEMPTS = 5  # set_message_feedback: re-reads after a concurrent version change
_PASSTHROUGH = (VersionConflict, StoreUnavailable, NoSuchMessage, StoreClosed)


class StoreCore:
    """A `SessionStore` over backend primitives (subclasses implement the `_` methods)."""

    backend: ClassVar[str] = "store"  # names the backend in StoreUnavailable messages
    max_messages_per_save: ClassVar[int | None] = None  # a backend's transaction limit, if any

    # -- failures -------------------------------------------------------------------------------

    def _failure(self, exc: Exception) -> str:
        """A description of a backend failure that never includes stored data (override)."""
        return type(exc).__name__

    def _failing(self, operation: str) -> _Failing:
        """`with self._failing("load"): ...`: unexpected exceptions become StoreUnavailable."""
        return _Failing(self, operation)

    # -- the turn's hot path --------------------------------------------------------------------

    def load(
        self, session_id: str, *, now: int, window: int
    ) -> tuple[SessionRecord | None, list[MessageRecord]]:
        checks.check_session_id(session_id)
        checks.check_now(now)
        checks.check_count("window", window)
        with self._failing("load"):
            state, found = self._read_session(session_id, now=now, window=window)
        if state is None or not is_live(state, now):
            return None, []
        shown = [m.value for m in visible(found, state, now)]
        shown.sort(key=_INDEX)
        return state.value, shown[max(0, len(shown) - window) :] if window else []

    def save(
        self,
        record: SessionRecord,
        *,
        expected_version: int,
        now: int,
        messages: tuple[MessageRecord, ...] | list[MessageRecord] = (),
        profile: ProfileRecord | None = None,
    ) -> SessionRecord:
        checks.check_now(now)
        stored = checks.stored_record(record, expected_version=expected_version, now=now)
        batch = checks.stored_messages(stored.session_id, messages)
        new_profile = None if profile is None else checks.stored_profile(profile)
        if self.max_messages_per_save is not None and len(batch) > self.max_messages_per_save:
            raise ValueError(f"at most {self.max_messages_per_save} messages per save")
        writes = [MessageWrite(message, stored.created_at) for message in batch]
        with self._failing("save"):
            self._commit(StateWrite(stored, stored.version - 1), writes, new_profile, now=now)
        return copy_record(stored)

    # -- single items ---------------------------------------------------------------------------

    def get(self, session_id: str, *, now: int) -> SessionRecord | None:
        checks.check_session_id(session_id)
        checks.check_now(now)
        with self._failing("get"):
            state = self._read_state(session_id)
        return state.value if state is not None and is_live(state, now) else None

    def put(self, record: SessionRecord, *, expected_version: int, now: int) -> SessionRecord:
        return self.save(record, expected_version=expected_version, now=now)

    def delete(self, session_id: str) -> int:
        checks.check_session_id(session_id)
        with self._failing("delete"):
            return self._delete_session(session_id)

    # -- history --------------------------------------------------------------------------------

    def messages(
        self, session_id: str, *, now: int, after: int = -1, limit: int = 100
    ) -> list[MessageRecord]:
        checks.check_session_id(session_id)
        checks.check_now(now)
        checks.check_arg("after", after, minimum=-1)
        checks.check_count("limit", limit)
        if limit == 0 or after >= MAX_MESSAGE_INDEX:
            return []
        with self._failing("messages"):
            state, found = self._read_messages(session_id, now=now, after=after, limit=limit)
        if state is None or not is_live(state, now):
            return []
        shown = [m.value for m in visible(found, state, now) if m.value.index > after]
        shown.sort(key=_INDEX)
        return shown[:limit]

    def set_message_feedback(self, session_id: str, index: int, feedback: Feedback, *, now: int) -> bool:
        checks.check_session_id(session_id)
        checks.check_arg("index", index)
        given = checks.checked_feedback(feedback)
        checks.check_now(now)
        if index > MAX_MESSAGE_INDEX:
            return False
        for _ in range(FEEDBACK_ATTEMPTS):
            with self._failing("set_message_feedback"):
                state = self._read_state(session_id)
            if state is None or not is_live(state, now):
                return False
            try:
                with self._failing("set_message_feedback"):
                    self._commit_feedback(FeedbackWrite(state, index, given), now=now)
            except VersionConflict:
                continue  # the record changed since it was read: read it again
            except NoSuchMessage:
                return False
            return True
        raise VersionConflict("session kept changing while setting message feedback")

    def retain(self, session_id: str, *, until: int, now: int) -> int:
        checks.check_session_id(session_id)
        checks.check_arg("until", until)
        checks.check_now(now)
        with self._failing("retain"):
            state, found = self._read_expiries(session_id)
        if state is None or not is_live(state, now):
            return 0
        targets = [ExpiryTarget(STATE_SK, None, message=False)] if needs_retain(state, until, now) else []
        targets += [
            ExpiryTarget(message_sk(m.value.index), m.gen, message=True)
            for m in found
            if is_visible(m, state, now) and needs_retain(m, until, now)
        ]
        if not targets:
            return 0
        with self._failing("retain"):
            return self._raise_expiry(session_id, targets, until=until, now=now)

    # -- profiles -------------------------------------------------------------------------------

    def get_profile(self, user_id: str, *, now: int) -> ProfileRecord | None:
        checks.check_user_id(user_id)
        checks.check_now(now)
        with self._failing("get_profile"):
            profile = self._read_profile(user_id)
        return profile.value if profile is not None and is_live(profile, now) else None

    def put_profile(self, profile: ProfileRecord, *, now: int) -> ProfileRecord:
        checks.check_now(now)
        given = checks.stored_profile(profile)
        with self._failing("put_profile"):
            version = self._put_profile(given, now=now)
        return copy_profile(given, version=version, updated_at=now)

    def delete_profile(self, user_id: str) -> None:
        checks.check_user_id(user_id)
        with self._failing("delete_profile"):
            self._delete_profile(user_id)

    # -- listings -------------------------------------------------------------------------------

    def list_by_user(
        self, user_id: str, *, now: int, limit: int = 15, cursor: str | None = None
    ) -> Page[SessionRecord]:
        params: list[Any] = [checks.check_user_id(user_id)]
        checks.check_now(now)
        checks.check_count("limit", limit, minimum=1)
        after = listing_position(cursor, "user", params)
        with self._failing("list_by_user"):
            found, more = self._list_by_user(user_id, now=now, after=after, limit=limit)
        keep = [s for s in found if s.value.owner == user_id]
        return self._page("user", params=params, found=keep, after=after, limit=limit, more=more, now=now)

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
        params = checks.time_params(start, end, has_feedback, has_review)
        checks.check_now(now)
        checks.check_count("limit", limit, minimum=1)
        after = listing_position(cursor, "time", params)
        if after is not None and not start <= after[0] < end:
            raise InvalidCursor("cursor was issued for another listing")
        if end <= start:
            return Page(items=[])
        query = TimeQuery(start, end, has_feedback, has_review)
        with self._failing("list_by_time"):
            found, more = self._list_by_time(query, now=now, after=after, limit=limit)
        keep = [
            s
            for s in found
            if start <= s.value.updated_at < end
            and has_feedback in (None, s.value.has_feedback)
            and has_review in (None, s.value.review is not None)
        ]
        return self._page("time", params=params, found=keep, after=after, limit=limit, more=more, now=now)

    @staticmethod
    def _page(
        kind: str,
        *,
        params: list[Any],
        found: list[Stored[SessionRecord]],
        after: Position | None,
        limit: int,
        more: bool,
        now: int,
    ) -> Page[SessionRecord]:
        """Newest first, live, after the cursor's position; a cursor when more may follow."""
        live = [s for s in found if is_live(s, now) and (after is None or activity(s) < after)]
        live.sort(key=activity, reverse=True)
        items = [s.value for s in live[:limit]]
        if not items or not (more or len(live) > limit):
            return Page(items=items)
        last = items[-1]
        return Page(items=items, cursor=listing_cursor(kind, params, last.updated_at, last.session_id))

    # -- upkeep ---------------------------------------------------------------------------------

    def backfill_ttl(self, *, now: int, session_ttl: int, profile_ttl: int, dry_run: bool) -> BackfillReport:
        checks.check_now(now)
        checks.check_arg("session_ttl", session_ttl)
        checks.check_arg("profile_ttl", profile_ttl)
        checks.check_flag("dry_run", dry_run)
        report = BackfillReport()
        with self._failing("backfill_ttl"):
            for scanned, items in self._scan_without_expiry():
                report.scanned += scanned
                updates: list[tuple[str, str, int]] = []
                for item in items:
                    kind, expires_at = backfill_expiry(
                        item, now=now, session_ttl=session_ttl, profile_ttl=profile_ttl
                    )
                    report.missing[kind] = report.missing.get(kind, 0) + 1
                    if expires_at is not None:
                        updates.append((item["pk"], item["sk"], expires_at))
                if updates and not dry_run:
                    report.updated += self._give_expiry(updates)
        return report

    # -- primitives -----------------------------------------------------------------------------

    def _read_session(
        self, session_id: str, *, now: int, window: int
    ) -> tuple[Stored[SessionRecord] | None, Sequence[Stored[MessageRecord]]]:
        """The STATE item and messages including the newest `window` visible ones (one read)."""
        raise NotImplementedError

    def _read_state(self, session_id: str) -> Stored[SessionRecord] | None:
        raise NotImplementedError

    def _read_messages(
        self, session_id: str, *, now: int, after: int, limit: int
    ) -> tuple[Stored[SessionRecord] | None, Sequence[Stored[MessageRecord]]]:
        """The STATE item and messages including the first `limit` visible ones after `after`."""
        raise NotImplementedError

    def _read_expiries(
        self, session_id: str
    ) -> tuple[Stored[SessionRecord] | None, Sequence[Stored[MessageRecord]]]:
        """Every item of the session; only keys, expiries and generations need be filled in."""
        raise NotImplementedError

    def _read_profile(self, user_id: str) -> Stored[ProfileRecord] | None:
        raise NotImplementedError

    def _list_by_user(
        self, user_id: str, *, now: int, after: Position | None, limit: int
    ) -> tuple[Sequence[Stored[SessionRecord]], bool]:
        """The user's newest live records before `after` (up to `limit`), and whether more
        may follow them. An index query, never a scan."""
        raise NotImplementedError

    def _list_by_time(
        self, query: TimeQuery, *, now: int, after: Position | None, limit: int
    ) -> tuple[Sequence[Stored[SessionRecord]], bool]:
        """Like `_list_by_user` over the records active in the query's range, filtered."""
        raise NotImplementedError

    def _commit(
        self, state: StateWrite, messages: list[MessageWrite], profile: ProfileRecord | None, *, now: int
    ) -> None:
        """All or nothing: the record (its condition), the messages (each `index_taken` is a
        conflict), the profile (unconditional, `next_profile_version`). VersionConflict."""
        raise NotImplementedError

    def _commit_feedback(self, write: FeedbackWrite, *, now: int) -> None:
        """All or nothing; VersionConflict if the record changed, NoSuchMessage."""
        raise NotImplementedError

    def _put_profile(self, profile: ProfileRecord, *, now: int) -> int:
        """Write the profile unconditionally; returns its new version (`next_profile_version`)."""
        raise NotImplementedError

    def _raise_expiry(self, session_id: str, targets: list[ExpiryTarget], *, until: int, now: int) -> int:
        """Each target still live below `until` (and of its generation) gets `until`; returns how many."""
        raise NotImplementedError

    def _delete_session(self, session_id: str) -> int:
        """Delete every item under the session's key (all generations); returns how many."""
        raise NotImplementedError

    def _delete_profile(self, user_id: str) -> None:
        raise NotImplementedError

    def _scan_without_expiry(self) -> Iterator[tuple[int, list[Item]]]:
        """Pages of (items scanned, items without expiry: pk, sk, updated_at, at_ms)."""
        raise NotImplementedError

    def _give_expiry(self, updates: list[tuple[str, str, int]]) -> int:
        """(pk, sk, expires_at) for items still without one; returns how many were updated."""
        raise NotImplementedError


class _Failing:
    __slots__ = ("_operation", "_store")

    def __init__(self, store: StoreCore, operation: str) -> None:
        self._store, self._operation = store, operation

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is None or isinstance(exc, _PASSTHROUGH) or not isinstance(exc, Exception):
            return
        store = self._store
        raise StoreUnavailable(f"{store.backend} {self._operation} failed: {store._failure(exc)}") from exc


class PurgingStoreCore(StoreCore):
    """A local backend without a TTL process: `purge_expired` deletes what reads as absent."""

    def purge_expired(self, *, now: int) -> int:
        checks.check_now(now)
        with self._failing("purge_expired"):
            return self._purge(now=now)

    def _purge(self, *, now: int) -> int:
        raise NotImplementedError
