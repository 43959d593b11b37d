"""Sealing of card slots between turns.

While a card is being collected over several turns, Lex keeps the slots it has so far and
returns them to the client on every turn. A card number there would be readable by the
client and anything that logs its responses. So the code hook never returns a card slot in
clear: it returns it sealed with AES-256-OCB (an AEAD, RFC 7253) under a key only the Lambda
holds, bound to the session id and slot name (the associated data). A sealed value that fails
to open (forged, or from another session or slot) is treated as absent. AES comes from
pycryptodome, imported only on turns that need it.

Formats, told apart by their prefix:

- `sealed.v2.` (written): AES-256-OCB, 12-byte random nonce, 16-byte tag. One cipher object per
  seal or unseal; AES-GCM, as pycryptodome builds it, costs three (AES, CTR and GHASH): a third of
  the time of a card turn's sealing.
- `sealed.v1.` (read only): AES-256-GCM, as written before. Sealed values live in Lex's slots for
  the length of a conversation (Lex's idle session timeout, at most 24 hours), so a conversation
  in progress across a deploy still carries them; they open as before.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

PREFIX = "sealed."  # every format
_V1 = "sealed.v1."  # AES-GCM: read only
_V2 = "sealed.v2."  # AES-OCB
_NONCE = 12
_TAG = 16
MAX_TOKEN = 512


def is_sealed(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(key: bytes, value: str, *, session_id: str, slot: str) -> str:
    from Crypto.Cipher import AES

    nonce = secrets.token_bytes(_NONCE)
    cipher = AES.new(key, AES.MODE_OCB, nonce=nonce, mac_len=_TAG)
    cipher.update(_aad(session_id, slot))
    ciphertext, tag = cipher.encrypt_and_digest(value.encode())
    return _V2 + base64.urlsafe_b64encode(nonce + ciphertext + tag).rstrip(b"=").decode()


def unseal(keys: tuple[bytes, ...], token: str, *, session_id: str, slot: str) -> str | None:
    """The sealed value, or None if it is malformed or was not sealed by us for this session/slot."""
    if not is_sealed(token) or len(token) > MAX_TOKEN:
        return None
    if token.startswith(_V2):
        mode, body = "ocb", token[len(_V2) :]
    elif token.startswith(_V1):
        mode, body = "gcm", token[len(_V1) :]
    else:
        return None
    from Crypto.Cipher import AES

    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        return None
    if len(raw) < _NONCE + _TAG + 1:
        return None
    nonce, ciphertext, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    aad = _aad(session_id, slot)
    for key in keys:
        cipher: Any = (
            AES.new(key, AES.MODE_OCB, nonce=nonce, mac_len=_TAG)
            if mode == "ocb"
            else AES.new(key, AES.MODE_GCM, nonce=nonce)
        )
        cipher.update(aad)
        try:
            opened: bytes = cipher.decrypt_and_verify(ciphertext, tag)
            return opened.decode()
        except (ValueError, UnicodeDecodeError):
            continue
    return None


def _aad(session_id: str, slot: str) -> bytes:
    return f"{session_id}\x00{slot}".encode()
