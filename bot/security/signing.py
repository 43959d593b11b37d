"""HMAC-SHA256 over a canonical serialization of the session attributes.

The MAC covers the session id and every attribute (sorted, length-prefixed by JSON encoding),
so attributes cannot be edited, added, removed, or moved to another session undetected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping

SIGNATURE_KEY = "sig"
_VERSION = "v1"


def canonical(session_id: str, attributes: Mapping[str, str]) -> bytes:
    body = {k: v for k, v in attributes.items() if k != SIGNATURE_KEY}
    return json.dumps(
        [_VERSION, session_id, body], sort_keys=True, separators=(",", ":"), ensure_ascii=True
    ).encode()


def sign(key: bytes, session_id: str, attributes: Mapping[str, str]) -> str:
    mac = hmac.new(key, canonical(session_id, attributes), hashlib.sha256).digest()
    return f"{_VERSION}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def verify(keys: tuple[bytes, ...], session_id: str, attributes: Mapping[str, str]) -> bool:
    """True if `attributes[sig]` is a valid signature under any of `keys` (constant-time compare)."""
    given = attributes.get(SIGNATURE_KEY)
    if not isinstance(given, str) or not given.startswith(f"{_VERSION}."):
        return False
    return any(hmac.compare_digest(sign(key, session_id, attributes), given) for key in keys)
