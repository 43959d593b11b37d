"""Sealing of card slots between turns.

While a card is being collected over several turns, Lex keeps the slots it has so far and
returns them to the client on every turn. A card number there would be readable by the
client and anything that logs its responses. So the code hook never returns a card slot in
clear: it returns it sealed with AES-256-GCM under a key only the Lambda holds, bound to the
session id and slot name. A sealed value that fails to open (forged, or from another session)
is treated as absent. AES comes from pycryptodome, imported only on turns that need it.
"""

from __future__ import annotations

import base64
import secrets

PREFIX = "sealed.v1."


def is_sealed(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(key: bytes, value: str, *, session_id: str, slot: str) -> str:
    from Crypto.Cipher import AES

    nonce = secrets.token_bytes(12)
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce)
    cipher.update(_aad(session_id, slot))
    ciphertext, tag = cipher.encrypt_and_digest(value.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + ciphertext + tag).rstrip(b"=").decode()


def unseal(keys: tuple[bytes, ...], token: str, *, session_id: str, slot: str) -> str | None:
    """The sealed value, or None if it is malformed or was not sealed by us for this session/slot."""
    if not is_sealed(token) or len(token) > 512:
        return None
    from Crypto.Cipher import AES

    body = token[len(PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        return None
    if len(raw) < 12 + 16 + 1:
        return None
    nonce, ciphertext, tag = raw[:12], raw[12:-16], raw[-16:]
    for key in keys:
        cipher = AES.new(key, AES.MODE_GCM, nonce=nonce)
        cipher.update(_aad(session_id, slot))
        try:
            return cipher.decrypt_and_verify(ciphertext, tag).decode()
        except (ValueError, UnicodeDecodeError):
            continue
    return None


def _aad(session_id: str, slot: str) -> bytes:
    return f"{session_id}\x00{slot}".encode()
