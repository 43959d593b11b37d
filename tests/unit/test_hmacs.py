"""`bot.security.hmacs.hmac_sha256` is HMAC-SHA256, byte for byte."""

from __future__ import annotations

import hmac

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.security.hmacs import hmac_sha256


@settings(max_examples=300, deadline=None)
@given(key=st.binary(min_size=0, max_size=200), data=st.binary(max_size=2000))
def test_it_is_the_standard_library_s_hmac(key: bytes, data: bytes) -> None:
    assert hmac_sha256(key, data) == hmac.digest(key, data, "sha256")


def test_rfc_4231_case_2() -> None:
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert hmac_sha256(b"Jefe", b"what do ya want for nothing?").hex() == expected


def test_the_cached_states_are_never_advanced() -> None:
    key = b"k" * 32
    first = hmac_sha256(key, b"one")
    hmac_sha256(key, b"two")
    assert hmac_sha256(key, b"one") == first
    assert hmac_sha256(bytes(bytearray(key)), b"one") == first  # an equal key, the same MAC
