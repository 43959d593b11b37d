"""EVM wallet address validator with EIP-55 mixed-case checksums.

keccak-256 comes from pycryptodome, imported on first use only (Lambda cold start).
"""

from __future__ import annotations

import re

from bot.language import Language, active
from bot.validation.result import Invalid, Valid, Validation

MAX_INPUT_CHARS = 1000

_ADDRESS = re.compile(r"(?<![0-9a-zA-Z])0[xX]([0-9a-fA-F]{40})(?![0-9a-zA-Z])")
_HEX_RUN = re.compile(r"(?<![0-9a-zA-Z])0[xX]([0-9a-fA-F]*)")
_BODY = re.compile(r"(?:0[xX])?([0-9a-fA-F]{40})")


def to_checksum_address(addr40hex: str) -> str:
    """The EIP-55 form ("0x" + mixed-case hex) of a 40-hex-digit address, with or without 0x.

    Raises:
        ValueError: `addr40hex` is not 40 hex digits, optionally prefixed by 0x/0X.
    """
    match = _BODY.fullmatch(addr40hex)
    if match is None:
        raise ValueError("expected 40 hexadecimal digits, optionally prefixed by 0x")
    from Crypto.Hash import keccak

    lower = match.group(1).lower()
    digest = keccak.new(digest_bits=256, data=lower.encode("ascii")).hexdigest()
    return "0x" + "".join(
        c.upper() if c.isalpha() and int(h, 16) >= 8 else c for c, h in zip(lower, digest, strict=False)
    )


def mask_wallet(addr: str) -> str:
    """A short form to read back: "0x5290…9EE7" (first and last four hex digits)."""
    body = addr[2:] if addr[:2] in ("0x", "0X") else addr
    return f"0x{body[:4]}…{body[-4:]}" if len(body) >= 8 else "0x…"


def validate_wallet_address(raw: str, language: Language | None = None) -> Validation[str]:
    """Find one EVM address (0x + 40 hex digits) in `raw`, possibly inside other text.

    All-lowercase and all-uppercase addresses carry no checksum and are accepted; a
    mixed-case one must match its EIP-55 checksum. The value is the EIP-55 checksum form.
    Reasons are in `language` (default: the turn's).
    """
    words = language or active()
    if len(raw) > MAX_INPUT_CHARS:
        return Invalid(words.reason("wallet.too_long"))
    bodies = _ADDRESS.findall(raw)
    if not bodies:
        runs = [run for run in _HEX_RUN.findall(raw) if run]
        if len(runs) == 1 and len(runs[0]) != 40:
            count = len(runs[0])
            return Invalid(words.reason("wallet.wrong_length", count=count))
        return Invalid(words.reason("wallet.none"))
    if len({body.lower() for body in bodies}) > 1:
        return Invalid(words.reason("wallet.several"))
    checksummed = [to_checksum_address(body) for body in bodies]
    for body, good in zip(bodies, checksummed, strict=True):
        if body not in (body.lower(), body.upper()) and body != good[2:]:
            return Invalid(words.reason("wallet.checksum"))
    return Valid(checksummed[0])
