"""Last-line-of-defense redaction: mask anything that looks like a card number.

Applied to every log line and every outgoing message. Within any run of 13 or more digits
(optionally separated by single spaces, dashes or dots, and not glued to letters, so hex
wallet addresses and ids are left alone), every 13–19 digit window that passes the Luhn check
is replaced by "•••• 1234". Checking windows, not just whole runs, catches a card number that
is followed or preceded by other digits. The validators and dialog never put card data in text
in the first place; this catches mistakes.
"""

from __future__ import annotations

import re

_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9](?:[ \-.]?[0-9]){12,}(?![0-9A-Za-z])")
_DIGIT = re.compile(r"[0-9]")  # _RUN matches ASCII digits only: no ASCII digit, nothing to mask


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
    run = match.group(0)
    positions = [i for i, ch in enumerate(run) if ch.isdigit()]
    digits = "".join(run[i] for i in positions)
    spans: list[tuple[int, int, str]] = []
    start = 0
    while start + 13 <= len(digits):
        for length in range(min(19, len(digits) - start), 12, -1):
            window = digits[start : start + length]
            if window.strip("0") and luhn_ok(window):
                spans.append((positions[start], positions[start + length - 1] + 1, window[-4:]))
                start += length
                break
        else:
            start += 1
    for begin, end, last4 in reversed(spans):
        run = f"{run[:begin]}•••• {last4}{run[end:]}"
    return run


def redact(text: str) -> str:
    """`text` with every Luhn-valid 13–19 digit sequence masked."""
    if len(text) < 13 or _DIGIT.search(text) is None:
        return text
    return _RUN.sub(_mask, text)
