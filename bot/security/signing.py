"""HMAC-SHA256 over a canonical serialization of the session attributes, bound to the session.

The MAC covers the session id, every attribute (sorted, length-prefixed by JSON encoding) and a
*binding*: the store version the state belongs to, when it expires, and its owner (the verified
user id, when there is one). So attributes cannot be edited, added, removed, moved to another
session, kept past their expiry, or replayed by anyone but their owner undetected. The version
and expiry travel inside the signature (`v2.<version>.<expires_at>.<mac>`); the owner never
travels: the verifier supplies the one it expects (the stored record's, or the caller's).

Signed attributes are still only a hint: the store's copy always wins, and a session the store
no longer has (deleted, expired) starts over whatever the client sends (`bot.restore`).
"""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.jsontext import encoder
from bot.security.hmacs import hmac_sha256

SIGNATURE_KEY = "sig"
_VERSION = "v2"
_CANONICAL = encoder(ensure_ascii=True, sort_keys=True)
_FORMAT = re.compile(r"^v2\.([0-9]{1,12})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")
NO_EXPIRY = 10**12 - 1  # for states signed outside a turn (tools): no expiry of their own


@dataclass(frozen=True, slots=True)
class Binding:
    """What a signature binds the state to, besides the session id."""

    version: int = 0  # the store record version the state belongs to (0: never stored)
    expires_at: int = NO_EXPIRY  # epoch seconds; the state is void after it
    owner: str | None = None  # the verified user the session belongs to


def canonical(session_id: str, attributes: Mapping[str, str], binding: Binding) -> bytes:
    body = {k: v for k, v in attributes.items() if k != SIGNATURE_KEY}
    return _CANONICAL(
        [_VERSION, session_id, binding.version, binding.expires_at, binding.owner or "", body]
    ).encode()


def sign(key: bytes, session_id: str, attributes: Mapping[str, str], binding: Binding | None = None) -> str:
    bound = binding or Binding()
    mac = hmac_sha256(key, canonical(session_id, attributes, bound))
    text = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    return f"{_VERSION}.{bound.version}.{bound.expires_at}.{text}"


def verify(
    keys: tuple[bytes, ...],
    session_id: str,
    attributes: Mapping[str, str],
    *,
    owner: str | None = None,
    now: float | None = None,
) -> Binding | None:
    """The binding of a valid signature under any of `keys` for this `owner` (constant-time
    compare), or None: missing, malformed, forged, another session's or owner's, or expired."""
    given = attributes.get(SIGNATURE_KEY)
    if not isinstance(given, str):
        return None
    match = _FORMAT.match(given)
    if match is None:
        return None
    binding = Binding(version=int(match.group(1)), expires_at=int(match.group(2)), owner=owner)
    valid = any(hmac.compare_digest(sign(key, session_id, attributes, binding), given) for key in keys)
    if not valid:
        return None
    if now is not None and now > binding.expires_at:
        return None
    return binding


def reason(attributes: Mapping[str, str]) -> str:
    """Why attributes did not verify, for the security event (never their values)."""
    given = attributes.get(SIGNATURE_KEY)
    if given is None:
        return "missing signature"
    if not isinstance(given, str) or _FORMAT.match(given) is None:
        return "malformed signature"
    return "bad signature (forged, another session's or owner's, or expired)"
