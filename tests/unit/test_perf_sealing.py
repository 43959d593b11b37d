"""Sealing with AES-OCB (`sealed.v2.`), and values sealed the old way (AES-GCM, `sealed.v1.`) by a
conversation in progress across a deploy still open, bound to the same session and slot."""

from __future__ import annotations

import base64
import secrets

import pytest
from Crypto.Cipher import AES

from bot.security import sealing

KEY = b"s" * 32
OLD = b"o" * 32


def sealed_v1(key: bytes, value: str, *, session_id: str, slot: str) -> str:
    """A value as the previous release sealed it (AES-256-GCM, 12-byte nonce, 16-byte tag)."""
    nonce = secrets.token_bytes(12)
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce)
    cipher.update(f"{session_id}\x00{slot}".encode())
    ciphertext, tag = cipher.encrypt_and_digest(value.encode())
    return "sealed.v1." + base64.urlsafe_b64encode(nonce + ciphertext + tag).rstrip(b"=").decode()


def test_new_values_are_sealed_with_ocb_and_open() -> None:
    token = sealing.seal(KEY, "4242424242424242", session_id="s-1", slot="CardNumber")
    assert token.startswith("sealed.v2.")
    assert "4242" not in token
    assert sealing.is_sealed(token)
    assert sealing.unseal((KEY,), token, session_id="s-1", slot="CardNumber") == "4242424242424242"
    assert sealing.unseal((OLD, KEY), token, session_id="s-1", slot="CardNumber") == "4242424242424242"


@pytest.mark.parametrize("make", [sealing.seal, sealed_v1], ids=["v2-ocb", "v1-gcm"])
def test_either_format_is_bound_to_key_session_and_slot(make: object) -> None:
    token = make(KEY, "123", session_id="s-1", slot="SecurityCode")  # type: ignore[operator]
    assert sealing.unseal((KEY,), token, session_id="s-1", slot="SecurityCode") == "123"
    assert sealing.unseal((KEY,), token, session_id="s-2", slot="SecurityCode") is None
    assert sealing.unseal((KEY,), token, session_id="s-1", slot="CardNumber") is None
    assert sealing.unseal((OLD,), token, session_id="s-1", slot="SecurityCode") is None
    for i in range(len(sealing.PREFIX) + 3, len(token)):
        flipped = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        assert sealing.unseal((KEY,), flipped, session_id="s-1", slot="SecurityCode") in (None, "123")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert sealing.unseal((KEY,), tampered, session_id="s-1", slot="SecurityCode") is None


def test_a_v1_body_is_not_read_as_v2_or_the_other_way() -> None:
    v2 = sealing.seal(KEY, "123", session_id="s", slot="c")
    v1 = sealed_v1(KEY, "123", session_id="s", slot="c")
    assert sealing.unseal((KEY,), "sealed.v1." + v2[len("sealed.v2.") :], session_id="s", slot="c") is None
    assert sealing.unseal((KEY,), "sealed.v2." + v1[len("sealed.v1.") :], session_id="s", slot="c") is None
    assert sealing.unseal((KEY,), "sealed.v9." + v2[len("sealed.v2.") :], session_id="s", slot="c") is None
    assert sealing.unseal((KEY,), "sealed.v2.", session_id="s", slot="c") is None
    assert sealing.unseal((KEY,), "sealed.v2.!!!", session_id="s", slot="c") is None
