"""Last-line-of-defense redaction: mask anything that looks like a card number.

Applied to every log line and every outgoing message. A run of 13–19 digits (optionally
separated by single spaces, dashes or dots) that passes the Luhn check becomes "•••• 1234".
The validators and dialog never put card data in text in the first place; this catches mistakes.
"""

from __future__ import annotations

import re

_RUN = re.compile(r"(?<![0-9A-Za-z])(?:[0-9][ \-.]?){12,18}[0-9](?![0-9A-Za-z])")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _mask(match: re.Match[str]) -> str:
    digits = re.sub(r"[^0-9]", "", match.group(0))
    if 13 <= len(digits) <= 19 and luhn_ok(digits) and digits.strip("0"):
        return f"•••• {digits[-4:]}"
    return match.group(0)


def redact(text: str) -> str:
    """`text` with every Luhn-valid 13–19 digit run masked."""
    if len(text) < 13 or not any(c.isdigit() for c in text):
        return text
    return _RUN.sub(_mask, text)
