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
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from typing import Any

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
from bot.store.base import MessageRecord

__all__ = [
    "CARD_MASK",
    "CARD_NUMBER",
    "CODE_MASK",
    "SECURITY_CODE",
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
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode()


def sign(key: bytes, message: MessageRecord) -> str:
    mac = hmac.new(key, _canonical(message), hashlib.sha256).digest()
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
