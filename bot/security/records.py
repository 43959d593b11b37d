"""A MAC on the stored session record, so the store is not trusted blindly either.

Whoever can write the table (an operator's mistake, a compromised tool) must not be able to edit
a session's state (a payment method id, a card summary, an owner) and have the bot act on it. The
MAC covers what the bot writes and relies on: the session id, its state, its owner, its history
length, its server-side extras and the parts' server-side context. Store-owned bookkeeping
(version, created/updated times, expiry) and operator-owned fields (title, feedback, review) are
outside it: they change without the bot, and nothing the bot decides depends on them. It lives
in `extra["mac"]`.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.jsontext import encoder
from bot.security.hmacs import hmac_sha256

if TYPE_CHECKING:
    from bot.store.base import SessionRecord

MAC_KEY = "mac"
_VERSION = "r1"
_CANONICAL = encoder(ensure_ascii=True, sort_keys=True)


def _canonical(record: SessionRecord) -> bytes:
    extra = {k: v for k, v in record.extra.items() if k != MAC_KEY}
    body: list[object] = [
        _VERSION,
        record.session_id,
        record.state,
        record.owner or "",
        record.message_count,
        extra,
    ]
    if record.context:  # the parts' server-side state; absent from the MAC of records without it
        body.append(record.context)
    return _CANONICAL(body).encode()


def mac(key: bytes, record: SessionRecord) -> str:
    digest = hmac_sha256(key, _canonical(record))
    return f"{_VERSION}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def seal(key: bytes, record: SessionRecord) -> SessionRecord:
    """`record` with its MAC set (in place; returned for convenience)."""
    record.extra = {**{k: v for k, v in record.extra.items() if k != MAC_KEY}, MAC_KEY: mac(key, record)}
    return record


def is_authentic(keys: Sequence[bytes], record: SessionRecord) -> bool:
    given = record.extra.get(MAC_KEY)
    if not isinstance(given, str) or not given.startswith(f"{_VERSION}."):
        return False
    return any(hmac.compare_digest(mac(key, record), given) for key in keys)
