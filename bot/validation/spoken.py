"""Turn typed, spoken or keyed (DTMF) digit sequences into a plain ASCII digit string."""

from __future__ import annotations

import re

DIGIT_WORDS: dict[str, str] = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
"""Words that stand for one digit ("oh"/"o" are the spoken zero)."""

TEEN_WORDS: dict[str, int] = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS_WORDS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}

_REPEATS = {"double": 2, "triple": 3}
_SEPARATORS = re.compile(r"[\s,.\-]+")
_ASCII_DIGITS = frozenset("0123456789")


def _is_ascii_digits(token: str) -> bool:
    return bool(token) and all(c in _ASCII_DIGITS for c in token)


def spoken_to_digits(text: str) -> str | None:
    """Normalize `text` to ASCII digits, or None if it holds anything but digits and digit words.

    Accepted: ASCII digits; spaces, commas, dashes and dots as separators; the words
    zero/oh/o and one..nine (any case); "double X"/"triple X" where X is one digit or digit
    word ("double four" -> "44"); one or more trailing `#` (the DTMF end key). Any other
    character - letters that are not digit words, full-width or other non-ASCII digits,
    `*` (the DTMF deletion key) - gives None. Blank input gives "" (callers decide
    whether empty is acceptable).
    """
    stripped = text.strip().rstrip("#")
    tokens = [t for t in _SEPARATORS.split(stripped) if t]
    out: list[str] = []
    repeat = 1
    for raw_token in tokens:
        if not raw_token.isascii():  # full-width or other Unicode digits, letters that fold to ASCII
            return None
        token = raw_token.lower()
        if token in _REPEATS:
            if repeat != 1:  # "double double"
                return None
            repeat = _REPEATS[token]
            continue
        if _is_ascii_digits(token):
            digits = token
        elif token in DIGIT_WORDS:
            digits = DIGIT_WORDS[token]
        else:
            return None
        if repeat != 1:
            if len(digits) != 1:  # "double 42" is ambiguous
                return None
            digits *= repeat
            repeat = 1
        out.append(digits)
    if repeat != 1:  # dangling "double"
        return None
    return "".join(out)
