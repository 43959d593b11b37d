"""Conversation history: what a recorded turn holds, how it is redacted, signed and verified.

Each turn becomes one `MessageRecord` (a separate store item). Before it is stored:

- the user's utterance is redacted with the dialog in mind: an answer to "what's the card
  number?" becomes "•••• 4242", an answer to the security-code prompt "•••", a card number or
  code given out of turn is masked wherever it appears, and the generic filter (`bot.redact`)
  plus a guard for long digit runs, typed or spoken, catch the rest;
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
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.logs import security_event
from bot.redact import redact
from bot.store.base import MessageRecord
from bot.validation.spoken import DIGIT_WORDS, spoken_to_digits

_VERSION = "h1"
CARD_MASK = "••••"
CODE_MASK = "•••"
# What a sensitive slot holds (a part's `sensitive_slots` maps slot names to these): the history
# redacts by role, so it knows no bot's slot names.
CARD_NUMBER = "card_number"
SECURITY_CODE = "security_code"
MAX_TEXT = 1024  # Lex caps input at 1024 characters; a history entry never stores more per text

# Runs of 12+ digits (any separators, even glued to letters: "card4242...") or of 6+ spoken digit
# words: too long to be anything the bot asks for except a card number, so they never reach the
# history even when Luhn fails. Wallet addresses (0x + 40 hex) are kept as they are.
_DIGIT_RUN = re.compile(r"[0-9](?:[ \-.]?[0-9]){11,}")
_WALLET = re.compile(r"0[xX][0-9a-fA-F]{40}(?![0-9a-zA-Z])")
_WORDS = "|".join(sorted((re.escape(w) for w in (*DIGIT_WORDS, "double", "triple")), key=len, reverse=True))
_SPOKEN_RUN = re.compile(rf"\b(?:(?:{_WORDS}|[0-9]+)[\s,.\-]+){{5,}}(?:{_WORDS}|[0-9]+)\b", re.IGNORECASE)


def _digits(text: str) -> str:
    spoken = spoken_to_digits(text)
    return spoken if spoken is not None else "".join(c for c in text if c.isascii() and c.isdigit())


def mask_card(text: str) -> str:
    """ "•••• 4242" (the last four digits of what was said), or "••••" if fewer than four."""
    digits = _digits(text)
    return f"{CARD_MASK} {digits[-4:]}" if len(digits) >= 4 else CARD_MASK


def redact_utterance(
    text: str, *, eliciting: str | None = None, sensitive_values: Mapping[str, str | None] | None = None
) -> str:
    """The user's utterance as it may be stored.

    `eliciting` is what the slot the bot had asked for holds, if it is sensitive ("card_number" or
    "security_code": the whole answer is the value); `sensitive_values` maps those roles to the
    raw slot texts of this turn, masked wherever they appear in the utterance.
    """
    text = text[:MAX_TEXT]
    if eliciting == CARD_NUMBER:
        return mask_card(text)
    if eliciting == SECURITY_CODE:
        return CODE_MASK
    for role, value in (sensitive_values or {}).items():
        if value and value.strip() and value in text:
            text = text.replace(value, mask_card(value) if role == CARD_NUMBER else CODE_MASK)
    return redact_text(text)


def redact_text(text: str) -> str:
    """Free text as it may be stored (any length): digit runs of card length, typed (even glued to
    letters) or spoken, become "•••• 1234"; wallet addresses are left whole; then the generic
    Luhn filter (`bot.redact`)."""
    pieces: list[str] = []
    last = 0
    for wallet in _WALLET.finditer(text):
        pieces.append(_mask_runs(text[last : wallet.start()]))
        pieces.append(wallet.group(0))
        last = wallet.end()
    pieces.append(_mask_runs(text[last:]))
    return redact("".join(pieces))


def _mask_runs(text: str) -> str:
    text = _DIGIT_RUN.sub(lambda m: mask_card(m.group(0)), text)
    return _SPOKEN_RUN.sub(lambda m: mask_card(m.group(0)), text)


def redact_bot_text(text: str) -> str:
    return redact(text[:MAX_TEXT])


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
    bot_redacted: bool = False,
) -> MessageRecord:
    """A signed entry. `user` must already be redacted (see `redact_utterance`); `bot` is passed
    through `bot.redact` unless `bot_redacted` says it already was (the rendered response)."""
    message = MessageRecord(
        session_id=session_id,
        index=index,
        at_ms=at_ms,
        user=user[:MAX_TEXT],
        bot=[text[:MAX_TEXT] if bot_redacted else redact_bot_text(text) for text in bot],
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
