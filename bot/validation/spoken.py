"""Turn typed, spoken or keyed (DTMF) digit sequences into a plain ASCII digit string."""

from __future__ import annotations

import re

from bot.language import Language, active, for_code

_EN = for_code("en")
DIGIT_WORDS: dict[str, str] = dict(_EN.digits)
"""English words that stand for one digit ("oh"/"o" are the spoken zero); other languages:
`bot.language`."""
TEEN_WORDS: dict[str, int] = dict(_EN.teens)
TENS_WORDS: dict[str, int] = dict(_EN.tens)

_REPEATS = dict(_EN.repeats)
_SEPARATORS = re.compile(r"[\s,.\-]+")
_ASCII_DIGITS = frozenset("0123456789")


def _is_ascii_digits(token: str) -> bool:
    return bool(token) and all(c in _ASCII_DIGITS for c in token)


def spoken_to_digits(text: str, language: Language | None = None) -> str | None:
    """Normalize `text` to ASCII digits, or None if it holds anything but digits and digit words.

    Accepted: ASCII digits; spaces, commas, dashes and dots as separators; the digit words of
    `language` (default: the turn's, `bot.language.active`; English: zero/oh/o and one..nine,
    Spanish: cero, uno..nueve, any case); "double X"/"triple X" ("doble cuatro") where X is one
    digit or digit word ("double four" -> "44"); one or more trailing `#` (the DTMF end key). Any other
    character - letters that are not digit words, full-width or other non-ASCII digits,
    `*` (the DTMF deletion key) - gives None. Blank input gives "" (callers decide
    whether empty is acceptable).
    """
    words = language or active()
    stripped = text.strip().rstrip("#")
    if "*" in stripped:  # the keypad's start-over key: only what follows its last press counts
        stripped = stripped[stripped.rindex("*") + 1 :]
    tokens = [t for t in _SEPARATORS.split(stripped) if t]
    out: list[str] = []
    repeat = 1
    for raw_token in tokens:
        if not raw_token.isascii():  # full-width or other Unicode digits, letters that fold to ASCII
            return None
        token = raw_token.lower()
        if token in words.repeats:
            if repeat != 1:  # "double double"
                return None
            repeat = words.repeats[token]
            continue
        if _is_ascii_digits(token):
            digits = token
        elif token in words.digits:
            digits = words.digits[token]
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
