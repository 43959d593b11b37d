"""Session administration over the session store: one service behind the admin Lambda and the CLI.

Every operation validates its arguments with the models of `bot.admin.models`, so a Python caller,
the Lambda and the CLI get the same checks and the same typed errors (`bot.admin.errors`).

- Text an operator writes (titles, prompts, responses, comments, notes, reviewer names: every
  field the models mark `OPERATOR_TEXT`) is untrusted: `execute` redacts all of it like a user's
  utterance (`redacted`, the one place), before any operation sees it, so a card number never
  lands in the store.
- New history entries are signed with the current history key; entries that fail verification
  (edited, moved or copied in the store) are dropped from what is returned, and logged.
- A `user_id` given to get/update/delete must be the session's owner, else the session is
  reported as not found (a user never learns that another user's session exists).
- Feedback and reviews keep the session (and its messages) for `review_retention_seconds`, well
  past the idle TTL, so what was rated or reviewed can still be looked at.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel, ValidationError

from bot.admin import models as m
from bot.admin.errors import AdminError, Conflict, InvalidInput, NotFound, Unavailable, invalid_input
from bot.history import formatted, new_entry, redact_text, verified
from bot.security import records
from bot.store.base import (
    Feedback,
    InvalidCursor,
    MessageRecord,
    Review,
    SessionRecord,
    StoreUnavailable,
    VersionConflict,
)
from bot.store.layout import copy_record

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

    from bot.security.keys import Keys
    from bot.store.base import SessionStore

ADMIN_SOURCE = "admin"
MAX_ATTEMPTS = 5  # optimistic-concurrency retries of one read-modify-write
HISTORY_PAGE = 100


def iso(epoch_seconds: int | None) -> str | None:
    """ISO-8601 UTC of an epoch time (None for 0/None: never set)."""
    if not epoch_seconds:
        return None
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="seconds")


def _feedback(feedback: Feedback | None) -> dict[str, Any] | None:
    if feedback is None:
        return None
    return {"rating": feedback.rating, "comment": feedback.comment, "at": iso(feedback.at)}


def _review(review: Review | None) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        "reviewer": review.reviewer,
        "verdict": review.verdict,
        "notes": review.notes,
        "at": iso(review.at),
    }


def session_fields(record: SessionRecord) -> dict[str, Any]:
    """What the admin API shows of a session record (never its trusted `state`)."""
    return {
        "session_id": record.session_id,
        "owner": record.owner,
        "title": record.title,
        "created_at": iso(record.created_at),
        "updated_at": iso(record.updated_at),
        "expires_at": iso(record.expires_at),
        "message_count": record.message_count,
        "has_feedback": record.has_feedback,
        "has_review": record.review is not None,
        "feedback": _feedback(record.feedback),
        "review": _review(record.review),
    }


def _is_operator_text(field: FieldInfo) -> bool:
    def marked(annotation: Any) -> bool:
        if m.OPERATOR_TEXT in getattr(annotation, "__metadata__", ()):
            return True
        return any(marked(arg) for arg in get_args(annotation))  # e.g. `Title | None`

    return m.OPERATOR_TEXT in field.metadata or marked(field.annotation)


def redacted[M: BaseModel](model: M) -> M:
    """`model` with every operator text field (nested models too) redacted like an utterance."""
    changes: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            changes[name] = redacted(value)
        elif isinstance(value, str) and _is_operator_text(field):
            changes[name] = redact_text(value)
    return model.model_copy(update=changes)


def _validated[M: BaseModel](model: type[M], **values: Any) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise invalid_input(exc, operation=values.get("operation")) from None


class SessionAdmin:
    """The session administration operations over one `SessionStore`."""

    def __init__(
        self,
        store: SessionStore,
        keys: Keys,
        *,
        clock: Callable[[], float] = time.time,
        session_ttl_seconds: int = 3600,
        history_grace_seconds: int = 86400,
        review_retention_seconds: int = 30 * 86400,
    ) -> None:
        if not keys.history:
            raise ValueError("keys.history is empty: history entries cannot be signed")
        self.store = store
        self.keys = keys
        self.clock = clock
        self.session_ttl_seconds = session_ttl_seconds
        self.history_grace_seconds = history_grace_seconds
        self.review_retention_seconds = review_retention_seconds

    # -- dispatch -----------------------------------------------------------------------------

    def execute(self, operation: m.Operation) -> dict[str, Any]:
        """Run one validated operation; the result is JSON-serialisable."""
        operation = redacted(operation)
        with _store_errors():
            match operation:
                case m.AddSession():
                    return self._add_session(operation)
                case m.AddMessage():
                    return self._add_message(operation.session_id, operation.entry)
                case m.GetSession():
                    return self._get_session(operation.session_id, operation.user_id)
                case m.UpdateSession():
                    return self._update_session(operation)
                case m.DeleteSession():
                    return self._delete_session(operation.session_id, operation.user_id)
                case m.ListSessionsByUser():
                    return self._list_by_user(operation)
                case m.ListAllSessions():
                    return self._list_all(operation)
                case m.AddFeedback():
                    return self._add_feedback(operation)
                case m.AddReview():
                    return self._add_review(operation)
                case m.AssembleChatHistory():
                    return {
                        "session_id": operation.session_id,
                        "history": self._history(operation.session_id, self._now()),
                    }
        raise InvalidInput("unknown operation")  # pragma: no cover - the union is exhaustive

    # -- the public API (keyword arguments, validated like the Lambda's events) ----------------

    def add_session(
        self,
        session_id: str,
        user_id: str | None,
        title: str,
        first_entry: m.ChatEntry | Mapping[str, Any],
    ) -> dict[str, Any]:
        """Create a session with its first message -> {session_id, message_index}."""
        return self.execute(
            _validated(
                m.AddSession,
                operation="add_session",
                session_id=session_id,
                user_id=user_id,
                title=title,
                first_entry=first_entry,
            )
        )

    def add_message(self, session_id: str, entry: m.ChatEntry | Mapping[str, Any]) -> dict[str, Any]:
        """Append a message to a live session -> {session_id, message_index}."""
        return self.execute(
            _validated(m.AddMessage, operation="add_message", session_id=session_id, entry=entry)
        )

    def get_session(self, session_id: str, user_id: str | None = None) -> dict[str, Any]:
        """The session's fields and its verified `history`."""
        return self.execute(
            _validated(m.GetSession, operation="get_session", session_id=session_id, user_id=user_id)
        )

    def update_session(
        self,
        session_id: str,
        user_id: str | None = None,
        *,
        title: str | None = None,
        entry: m.ChatEntry | Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Set the title and/or append a message -> the session's fields (+ message_index)."""
        return self.execute(
            _validated(
                m.UpdateSession,
                operation="update_session",
                session_id=session_id,
                user_id=user_id,
                title=title,
                entry=entry,
            )
        )

    def delete_session(self, session_id: str, user_id: str | None = None) -> dict[str, Any]:
        """Delete the session and its messages -> {session_id, deleted_items}."""
        return self.execute(
            _validated(m.DeleteSession, operation="delete_session", session_id=session_id, user_id=user_id)
        )

    def list_sessions_by_user(
        self, user_id: str, limit: int = m.DEFAULT_USER_LIMIT, cursor: str | None = None
    ) -> dict[str, Any]:
        """{sessions: [...], cursor}: the user's live sessions, newest first."""
        return self.execute(
            _validated(
                m.ListSessionsByUser,
                operation="list_sessions_by_user",
                user_id=user_id,
                limit=limit,
                cursor=cursor,
            )
        )

    def list_all_sessions(
        self,
        start: datetime | str | float,
        end: datetime | str | float,
        *,
        has_feedback: bool | None = None,
        has_review: bool | None = None,
        limit: int = m.DEFAULT_ALL_LIMIT,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """{sessions: [...], cursor}: live sessions last active in [start, end), newest first."""
        return self.execute(
            _validated(
                m.ListAllSessions,
                operation="list_all_sessions",
                start=start,
                end=end,
                has_feedback=has_feedback,
                has_review=has_review,
                limit=limit,
                cursor=cursor,
            )
        )

    def add_feedback(
        self, session_id: str, rating: str, comment: str = "", message_index: int | None = None
    ) -> dict[str, Any]:
        """Rate the session or one message; keeps the session for the review retention."""
        return self.execute(
            _validated(
                m.AddFeedback,
                operation="add_feedback",
                session_id=session_id,
                rating=rating,
                comment=comment,
                message_index=message_index,
            )
        )

    def add_review(self, session_id: str, reviewer: str, verdict: str, notes: str = "") -> dict[str, Any]:
        """Record an operator's review; keeps the session for the review retention."""
        return self.execute(
            _validated(
                m.AddReview,
                operation="add_review",
                session_id=session_id,
                reviewer=reviewer,
                verdict=verdict,
                notes=notes,
            )
        )

    def assemble_chat_history(self, session_id: str) -> list[dict[str, Any]]:
        """The verified chat history as a flat list of {role, content, at, index}, oldest first."""
        result = self.execute(
            _validated(m.AssembleChatHistory, operation="assemble_chat_history", session_id=session_id)
        )
        history: list[dict[str, Any]] = result["history"]
        return history

    # -- operations ---------------------------------------------------------------------------

    def _now(self) -> int:
        return int(self.clock())

    def _message(self, session_id: str, index: int, entry: m.ChatEntry, expires_at: int) -> MessageRecord:
        return new_entry(
            self.keys.history[0],
            session_id=session_id,
            index=index,
            at_ms=int(self.clock() * 1000),
            user=entry.prompt,
            bot=[entry.response],
            intent=None,
            source=ADMIN_SOURCE,
            slot=None,
            expires_at=expires_at + self.history_grace_seconds,
        )

    def _add_session(self, op: m.AddSession) -> dict[str, Any]:
        now = self._now()
        record = SessionRecord(
            session_id=op.session_id,
            state={},
            owner=op.user_id,
            title=op.title,
            message_count=1,
            expires_at=now + self.session_ttl_seconds,
        )
        message = self._message(op.session_id, 0, op.first_entry, record.expires_at)
        records.seal(self.keys.signing, record)  # the bot trusts only records with its MAC
        try:
            self.store.save(record, expected_version=0, now=now, messages=[message])
        except VersionConflict:
            raise Conflict(f"session {op.session_id} already exists") from None
        return {"session_id": op.session_id, "message_index": 0}

    def _live(self, session_id: str, now: int, user_id: str | None = None) -> SessionRecord:
        record = self.store.get(session_id, now=now)
        if record is None or (user_id is not None and record.owner != user_id):
            raise NotFound(f"session {session_id} not found")
        return record

    def _modify(
        self,
        session_id: str,
        change: Callable[[SessionRecord, int], tuple[SessionRecord, list[MessageRecord]]],
        *,
        user_id: str | None = None,
    ) -> SessionRecord:
        """Load, change, save with the loaded version; retried on a concurrent write."""
        for _ in range(MAX_ATTEMPTS):
            now = self._now()
            current = self._live(session_id, now, user_id)
            authentic = records.is_authentic(self.keys.verifying, current)
            record, messages = change(copy_record(current), now)
            if authentic:  # re-sealed only if it was the bot's: a forged record is never laundered
                records.seal(self.keys.signing, record)
            try:
                return self.store.save(record, expected_version=current.version, now=now, messages=messages)
            except VersionConflict:
                continue
        raise Conflict(f"session {session_id} is being changed concurrently; try again")

    def _appender(
        self, entry: m.ChatEntry, title: str | None = None
    ) -> Callable[[SessionRecord, int], tuple[SessionRecord, list[MessageRecord]]]:
        def change(record: SessionRecord, now: int) -> tuple[SessionRecord, list[MessageRecord]]:
            if title is not None:
                record.title = title
            record.expires_at = max(record.expires_at, now + self.session_ttl_seconds)
            message = self._message(record.session_id, record.message_count, entry, record.expires_at)
            record.message_count += 1
            return record, [message]

        return change

    def _add_message(self, session_id: str, entry: m.ChatEntry) -> dict[str, Any]:
        stored = self._modify(session_id, self._appender(entry))
        return {"session_id": session_id, "message_index": stored.message_count - 1}

    def _update_session(self, op: m.UpdateSession) -> dict[str, Any]:
        title = op.title
        if op.entry is not None:
            stored = self._modify(op.session_id, self._appender(op.entry, title), user_id=op.user_id)
            return {**session_fields(stored), "message_index": stored.message_count - 1}

        def retitle(record: SessionRecord, now: int) -> tuple[SessionRecord, list[MessageRecord]]:
            record.title = title
            return record, []

        return session_fields(self._modify(op.session_id, retitle, user_id=op.user_id))

    def _history(self, session_id: str, now: int) -> list[dict[str, Any]]:
        return formatted(self._verified_messages(session_id, now))

    def _verified_messages(self, session_id: str, now: int) -> list[MessageRecord]:
        messages: list[MessageRecord] = []
        after = -1
        while True:
            page = self.store.messages(session_id, now=now, after=after, limit=HISTORY_PAGE)
            messages.extend(page)
            if len(page) < HISTORY_PAGE:
                break
            last = max(message.index for message in page)
            if last <= after:  # a store that ignores `after`: stop rather than loop forever
                break
            after = last
        return verified(self.keys.history, session_id, messages)

    def _get_session(self, session_id: str, user_id: str | None) -> dict[str, Any]:
        now = self._now()
        record = self._live(session_id, now, user_id)
        return {**session_fields(record), "history": self._history(session_id, now)}

    def _delete_session(self, session_id: str, user_id: str | None) -> dict[str, Any]:
        if user_id is not None:
            self._live(session_id, self._now(), user_id)
        deleted = self.store.delete(session_id)
        if not deleted:
            raise NotFound(f"session {session_id} not found")
        return {"session_id": session_id, "deleted_items": deleted}

    def _list_by_user(self, op: m.ListSessionsByUser) -> dict[str, Any]:
        page = self.store.list_by_user(op.user_id, now=self._now(), limit=op.limit, cursor=op.cursor)
        return {"sessions": [session_fields(r) for r in page.items], "cursor": page.cursor}

    def _list_all(self, op: m.ListAllSessions) -> dict[str, Any]:
        start, end = m.epoch_range(op.start, op.end)
        page = self.store.list_by_time(
            start=start,
            end=end,
            now=self._now(),
            limit=op.limit,
            cursor=op.cursor,
            has_feedback=op.has_feedback,
            has_review=op.has_review,
        )
        return {"sessions": [session_fields(r) for r in page.items], "cursor": page.cursor}

    def _retain(self, session_id: str, now: int) -> str | None:
        """Keep the session and its messages at least `review_retention_seconds` from now."""
        until = self._kept_until(now)
        self.store.retain(session_id, until=until, now=now)
        return iso(until)

    def _kept_until(self, now: int) -> int:
        return now + self.review_retention_seconds

    def _add_feedback(self, op: m.AddFeedback) -> dict[str, Any]:
        now = self._now()
        feedback = Feedback(rating=op.rating, comment=op.comment, at=now)
        if op.message_index is not None:
            if not self.store.set_message_feedback(op.session_id, op.message_index, feedback, now=now):
                raise NotFound(f"message {op.message_index} of session {op.session_id} not found")
        else:

            def rate(record: SessionRecord, now: int) -> tuple[SessionRecord, list[MessageRecord]]:
                record.feedback = feedback
                record.has_feedback = True
                record.expires_at = max(record.expires_at, self._kept_until(now))
                return record, []

            self._modify(op.session_id, rate)
        return {
            "session_id": op.session_id,
            "message_index": op.message_index,
            "feedback": _feedback(feedback),
            "retained_until": self._retain(op.session_id, now),
        }

    def _add_review(self, op: m.AddReview) -> dict[str, Any]:
        now = self._now()
        review = Review(reviewer=op.reviewer, verdict=op.verdict, notes=op.notes, at=now)

        def record_review(record: SessionRecord, now: int) -> tuple[SessionRecord, list[MessageRecord]]:
            record.review = review
            record.expires_at = max(record.expires_at, self._kept_until(now))
            return record, []

        self._modify(op.session_id, record_review)
        return {
            "session_id": op.session_id,
            "review": _review(review),
            "retained_until": self._retain(op.session_id, now),
        }


@contextmanager
def _store_errors() -> Iterator[None]:
    """Store exceptions as admin errors (typed, with safe messages)."""
    try:
        yield
    except AdminError:
        raise
    except InvalidCursor:
        raise InvalidInput(
            "invalid cursor: pass back the cursor of the previous page of the same listing",
            [{"loc": ["cursor"], "msg": "invalid cursor", "type": "invalid_cursor"}],
        ) from None
    except StoreUnavailable:
        raise Unavailable("the session store is unavailable; try again later") from None
