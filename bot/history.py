"""Conversation history: what a recorded turn holds, how it is redacted, signed and verified.

Each turn becomes one `MessageRecord` (a separate store item). Before it is stored:

- the user's utterance is redacted with the dialog in mind (`bot.redaction`): an answer to
  "what's the card number?" keeps at most the last four digits of a valid number ("•••• 4242"),
  an answer to the security-code prompt is "•••", a card number or code given out of turn is
  masked wherever it appears, chunks of a card number entered in pieces are masked, and every
  text (the bot's messages too) goes through the stored-text redaction;
- it is HMAC-signed over its session id, its index and its content, so an entry edited in the
  store, moved to another position or copied from another session fails verification and is
  dropped (and logged) on load. The index comes from the item's key, never from its body.

Feedback that operators attach later is not part of the signature.

A turn pays only for what it reads: `Window` holds the entries loaded with the session and
verifies them on first use, newest first and only as far back as something reads (the save reads
the last few; a feature that reads the whole window verifies all of it, once). An entry that fails
is dropped and logged when verification reaches it, exactly as `verified` does for all of them.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

from bot.jsontext import encoder
from bot.logs import security_event
from bot.redaction import (
    CARD_MASK,
    CARD_NUMBER,
    CODE_MASK,
    SECURITY_CODE,
    redact_stored,
    redact_utterance,
    stored_utterance,
)
from bot.security.hmacs import hmac_sha256
from bot.store.base import MessageRecord

__all__ = [
    "CARD_MASK",
    "CARD_NUMBER",
    "CODE_MASK",
    "SECURITY_CODE",
    "Window",
    "formatted",
    "is_authentic",
    "new_entry",
    "redact_bot_text",
    "redact_text",
    "redact_utterance",
    "sign",
    "stored_utterance",
    "verified",
]

_VERSION = "h1"
_ENCODE = encoder(ensure_ascii=True)
MAX_TEXT = 1024  # Lex caps input at 1024 characters; a history entry never stores more per text


def redact_text(text: str) -> str:
    """Free text as it may be stored (the store applies the same function to everything it writes)."""
    return redact_stored(text)


def redact_bot_text(text: str) -> str:
    return redact_stored(text[:MAX_TEXT])


def _canonical(message: MessageRecord) -> bytes:
    body = [
        _VERSION,
        message.session_id,
        message.index,
        message.at_ms,
        message.user,
        list(message.bot),
        message.intent,
        message.source,
        message.slot,
    ]
    return _ENCODE(body).encode()


def sign(key: bytes, message: MessageRecord) -> str:
    mac = hmac_sha256(key, _canonical(message))
    return f"{_VERSION}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def is_authentic(keys: Sequence[bytes], message: MessageRecord) -> bool:
    given = message.signature
    if not isinstance(given, str) or not given.startswith(f"{_VERSION}."):
        return False
    return any(hmac.compare_digest(sign(key, message), given) for key in keys)


def verified(
    keys: Sequence[bytes], session_id: str, messages: Iterable[MessageRecord]
) -> list[MessageRecord]:
    """The authentic entries, in index order; every other one is dropped and logged."""
    kept: list[MessageRecord] = []
    seen: set[int] = set()
    for message in sorted(messages, key=lambda m: m.index):
        if message.session_id != session_id or message.index in seen or not is_authentic(keys, message):
            security_event("forged_history_entry", session_id, index=message.index)
            continue
        seen.add(message.index)
        kept.append(message)
    return kept


class Window(Sequence[MessageRecord]):
    """The verified entries of a loaded window, oldest first, verified lazily from the newest.

    Reads from the end (`window[-1]`, `window[-4:]`, `bool(window)`) verify only the entries they
    reach; `between(first, stop)` only the entries of those indexes; anything else (`len`,
    iteration, a positive index, `list(window)`) verifies the rest. Each index is verified at most
    once; the same entries are kept and dropped (and logged) as `verified(keys, session_id,
    messages)` would.
    """

    __slots__ = ("_checked", "_cursor", "_groups", "_indexes", "_kept", "_keys", "_session_id")

    def __init__(self, keys: Sequence[bytes], session_id: str, messages: Iterable[MessageRecord]) -> None:
        self._keys = keys
        self._session_id = session_id
        # The entries of each index in load order (as `verified`'s stable sort has them).
        self._groups: dict[int, list[MessageRecord]] = {}
        for message in messages:
            self._groups.setdefault(message.index, []).append(message)
        self._indexes = sorted(self._groups)  # oldest first
        self._checked: dict[int, MessageRecord | None] = {}  # index -> its authentic entry (None: none)
        self._cursor = len(self._indexes)  # the walk from the newest: indexes[_cursor:] are walked
        self._kept: list[MessageRecord] = []  # the walk's authentic entries, newest first

    def _check(self, index: int) -> MessageRecord | None:
        """The first authentic entry of an index (verified once); every other one is dropped and logged."""
        if index in self._checked:
            return self._checked[index]
        kept = None
        for message in self._groups[index]:
            ours = message.session_id == self._session_id
            if kept is None and ours and is_authentic(self._keys, message):
                kept = message
                continue
            security_event("forged_history_entry", self._session_id, index=message.index)
        self._checked[index] = kept
        return kept

    def _more(self) -> bool:
        """Walk to the next newest authentic entry; False when there is nothing left."""
        while self._cursor > 0:
            self._cursor -= 1
            kept = self._check(self._indexes[self._cursor])
            if kept is not None:
                self._kept.append(kept)
                return True
        return False

    def _newest(self, count: int) -> None:
        while len(self._kept) < count and self._more():
            pass

    def _all(self) -> list[MessageRecord]:
        while self._more():
            pass
        return self._kept

    def between(self, first: int, stop: int) -> list[MessageRecord]:
        """The authentic entries whose index is in [first, stop), oldest first: only those are verified."""
        return [m for i in self._indexes if first <= i < stop and (m := self._check(i)) is not None]

    def __bool__(self) -> bool:
        self._newest(1)
        return bool(self._kept)

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[MessageRecord]:
        return reversed(self._all())

    @overload
    def __getitem__(self, item: int) -> MessageRecord: ...
    @overload
    def __getitem__(self, item: slice) -> list[MessageRecord]: ...
    def __getitem__(self, item: int | slice) -> MessageRecord | list[MessageRecord]:
        if isinstance(item, slice):
            start, stop = item.start, item.stop
            if item.step in (None, 1) and start is not None and start < 0 and (stop is None or stop < 0):
                self._newest(-start)  # a tail reads only the entries it can reach
                tail = self._kept[:-start][::-1]
                return tail if stop is None else tail[:stop]
            return list(reversed(self._all()))[item]
        if item < 0:
            self._newest(-item)
            if -item > len(self._kept):
                raise IndexError("history index out of range")
            return self._kept[-item - 1]
        return list(reversed(self._all()))[item]

    def __repr__(self) -> str:
        return f"Window({list(self)!r})"


def new_entry(
    key: bytes,
    *,
    session_id: str,
    index: int,
    at_ms: int,
    user: str,
    bot: Sequence[str],
    intent: str | None,
    source: str | None,
    slot: str | None,
    expires_at: int,
) -> MessageRecord:
    """A signed entry. `user` must already be redacted with what the dialog knows (see
    `redact_utterance`); every text then goes through the stored-text redaction before it is
    signed (the store applies it again, which changes nothing: it is idempotent)."""
    message = MessageRecord(
        session_id=session_id,
        index=index,
        at_ms=at_ms,
        user=redact_stored(user[:MAX_TEXT]),
        bot=[redact_bot_text(text) for text in bot],
        intent=intent or None,
        source=source or None,
        slot=slot or None,
        expires_at=expires_at,
    )
    message.signature = sign(key, message)
    return message


def formatted(messages: Iterable[MessageRecord]) -> list[dict[str, Any]]:
    """The chat history as a flat list of {role, content, at, index} messages, oldest first."""
    from datetime import UTC, datetime

    out: list[dict[str, Any]] = []
    for message in messages:
        at = datetime.fromtimestamp(message.at_ms / 1000, UTC).isoformat(timespec="milliseconds")
        if message.user:
            out.append({"role": "user", "content": message.user, "at": at, "index": message.index})
        for text in message.bot:
            out.append({"role": "bot", "content": text, "at": at, "index": message.index})
    return out
