"""EVM wallet addresses and their EIP-55 checksums."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.validation import Invalid, Valid
from bot.validation.wallet import mask_wallet, to_checksum_address, validate_wallet_address

FAST = settings(max_examples=200, deadline=None)

EIP55_VECTORS = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",  # checksum happens to be all upper case
    "0xde709f2102306220921060314715629080e2fb77",  # ... and all lower case
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
]


def reason(result):
    assert isinstance(result, Invalid), result
    return result.reason


@pytest.mark.parametrize("address", EIP55_VECTORS)
def test_checksum_vectors(address):
    body = address[2:]
    assert to_checksum_address(address) == address
    assert to_checksum_address(body.lower()) == address
    assert to_checksum_address(body.upper()) == address
    assert to_checksum_address("0X" + body.lower()) == address


@pytest.mark.parametrize("address", EIP55_VECTORS)
def test_validate_accepts_checksummed_lower_and_upper(address):
    body = address[2:]
    for raw in (address, "0x" + body.lower(), "0x" + body.upper(), "0X" + body.upper(), "0X" + body):
        assert validate_wallet_address(raw) == Valid(address)


@pytest.mark.parametrize(
    "template",
    [
        "my wallet is {}",
        "{}.",
        "  {}  ",
        "send it to {}, thanks",
        "address: {}\n",
        "({})",
        "{} and again {}",  # the same address twice is fine
    ],
)
def test_address_embedded_in_text(template):
    address = EIP55_VECTORS[0]
    assert validate_wallet_address(template.format(address, address.lower())) == Valid(address)


def test_bad_checksum_is_rejected():
    address = EIP55_VECTORS[0]
    flipped = address[:-1] + address[-1].swapcase()
    assert "checksum" in reason(validate_wallet_address(flipped))


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "couldn't find a wallet address"),
        ("my wallet", "couldn't find a wallet address"),
        ("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "couldn't find a wallet address"),  # no 0x
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA", "that one has 38"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00", "that one has 42"),
        ("0x", "couldn't find a wallet address"),
        ("0xg", "couldn't find a wallet address"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", "that one has 39"),
        ("x0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "couldn't find a wallet address"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedz", "couldn't find a wallet address"),
        ("0ｘ5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "couldn't find a wallet address"),
        (EIP55_VECTORS[0] + " or " + EIP55_VECTORS[1], "more than one wallet address"),
        ("0x" + "a" * 2000, "too long"),
    ],
)
def test_rejected(raw, fragment):
    assert fragment in reason(validate_wallet_address(raw))


def test_mask_wallet():
    assert mask_wallet("0x52908400098527886E0F7030069857D2E4169EE7") == "0x5290…9EE7"
    assert mask_wallet("52908400098527886E0F7030069857D2E4169EE7") == "0x5290…9EE7"
    assert mask_wallet("0x12") == "0x…"


@pytest.mark.parametrize("bad", ["", "0x", "0x123", "g" * 40, "0x" + "a" * 41, " 0x" + "a" * 40])
def test_to_checksum_address_rejects_non_addresses(bad):
    with pytest.raises(ValueError, match="40 hexadecimal digits"):
        to_checksum_address(bad)


def test_keccak_is_imported_lazily():
    # Importing the validators must not pay for pycryptodome at cold start.
    code = "import sys, bot.validation; assert 'Crypto.Hash.keccak' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


addresses = st.binary(min_size=20, max_size=20).map(bytes.hex)


@FAST
@given(addresses)
def test_checksum_round_trips_from_lower_and_upper(body):
    checksummed = to_checksum_address(body)
    assert checksummed.lower() == "0x" + body
    assert to_checksum_address(checksummed) == checksummed
    assert validate_wallet_address("0x" + body) == Valid(checksummed)
    assert validate_wallet_address("0x" + body.upper()) == Valid(checksummed)
    assert validate_wallet_address(f"my wallet is {checksummed}!") == Valid(checksummed)


@FAST
@given(addresses, st.integers(0, 39))
def test_one_flipped_letter_fails_the_checksum(body, position):
    checksummed = to_checksum_address(body)[2:]
    letters = [i for i, c in enumerate(checksummed) if c.isalpha()]
    assume(len(letters) >= 2)
    i = letters[position % len(letters)]
    flipped = checksummed[:i] + checksummed[i].swapcase() + checksummed[i + 1 :]
    assume(flipped not in (flipped.lower(), flipped.upper()))
    assert isinstance(validate_wallet_address("0x" + flipped), Invalid)


@FAST
@given(st.text())
def test_never_raises(text):
    assert isinstance(validate_wallet_address(text), Valid | Invalid)
