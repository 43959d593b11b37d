"""Turn typed, spoken or keyed (DTMF) digit sequences into a plain ASCII digit string."""

from __future__ import annotations

import re

from bot.language import ACCENTED, Language, active, fold, for_code

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
    """Normalize `text` to ASCII digits, or None if it holds anything but digits and number words.

    Accepted: ASCII digits; spaces, commas, dashes and dots as separators; the number words of
    `language` (default: the turn's, `bot.language.active`), any case, accents optional: digits
    (English zero/oh/o, one..nine; Spanish cero, uno..nueve), "double X"/"triple X" ("doble
    cuatro") where X is one digit ("double four" -> "44"), and two-digit numbers as people read
    a card in pairs ("forty two" -> "42", "twelve" -> "12", "cuarenta y dos", "veintidós"); one
    or more trailing `#` (the DTMF end key); `*`, the DTMF deletion key, starts the entry over
    ("4242*4111..." is "4111...", as Amazon Connect passes keys through when the slot sets no
    deletion character). Anything else - other words, full-width or other non-ASCII digits -
    gives None. Blank input gives "" (callers decide whether empty is acceptable).
    """
    words = language or active()
    stripped = text.strip().rstrip("#")
    if "*" in stripped:  # the keypad's start-over key: only what follows its last press counts
        stripped = stripped[stripped.rindex("*") + 1 :]
    out: list[str] = []
    repeat = 1
    tens: int | None = None  # "forty" waiting for its unit ("two"), maybe across "y"
    joined = False
    for raw_token in (t for t in _SEPARATORS.split(stripped) if t):
        if not all(c.isascii() or c in ACCENTED for c in raw_token):  # full-width digits, other scripts
            return None
        token = fold(raw_token)
        if tens is not None:
            unit = words.digits.get(token)
            if token == words.tens_joiner and words.tens_joiner and not joined:
                joined = True
                continue
            if unit is not None and unit != "0" and repeat == 1:
                out.append(str(tens + int(unit)))
                tens, joined = None, False
                continue
            if joined:  # "cuarenta y" with no unit
                return None
            out.append(str(tens))
            tens = None
        if token in words.repeats:
            if repeat != 1:  # "double double"
                return None
            repeat = words.repeats[token]
            continue
        if token in words.tens and repeat == 1:
            tens = words.tens[token]
            continue
        if _is_ascii_digits(token):
            digits = token
        elif token in words.digits:
            digits = words.digits[token]
        elif token in words.teens or token in words.compounds:
            digits = str(words.teens.get(token) or words.compounds[token])
        else:
            return None
        if repeat != 1:
            if len(digits) != 1:  # "double 42" is ambiguous
                return None
            digits *= repeat
            repeat = 1
        out.append(digits)
    if repeat != 1 or joined:  # a dangling "double" or "y"
        return None
    if tens is not None:
        out.append(str(tens))
    return "".join(out)
