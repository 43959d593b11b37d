"""Card expiration date validator: month and year, typed, spoken, or as AMAZON.Date output."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.validation.result import Invalid, Valid, Validation
from bot.validation.spoken import DIGIT_WORDS, TEEN_WORDS, TENS_WORDS
from bot.validation.types import Expiry

if TYPE_CHECKING:
    import datetime

MAX_INPUT_CHARS = 100
MAX_YEARS_AHEAD = 20

_EXAMPLE = "month and year, like 12/27"
_GARBAGE = f"I couldn't understand that date. Please say the expiration date on the card as {_EXAMPLE}."
_BAD_MONTH = f"Months run from 1 to 12. Please say the expiration date on the card as {_EXAMPLE}."
_YEAR_ONLY = f"I need the month too. Please say the expiration date on the card as {_EXAMPLE}."
_TOO_FAR = (
    f"That date is more than {MAX_YEARS_AHEAD} years away, which no card has. "
    f"Please check the expiration date on the card and say it as {_EXAMPLE}."
)

MONTH_NAMES: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

_UNITS = {word: int(digit) for word, digit in DIGIT_WORDS.items()}  # zero/oh/o .. nine
_TEENS = TEEN_WORDS
_TENS = TENS_WORDS
_ZEROES = ("zero", "oh", "o")
_FILLERS = frozenset({"of", "the", "and"})

_SEPARATORS = re.compile(r"[\s/\-.,'’]+")
_DIGITS = re.compile(r"[0-9]+")


def _spoken_below_100(words: list[str]) -> int | None:
    """0-99 from one or two words: "seven", "oh seven", "twelve", "twenty", "twenty seven"."""
    match words:
        case [w] if w in _UNITS and w not in _ZEROES[1:]:
            return _UNITS[w]
        case [w] if w in _TEENS:
            return _TEENS[w]
        case [w] if w in _TENS:
            return _TENS[w]
        case [z, w] if z in _ZEROES and w in _UNITS and w not in _ZEROES:
            return _UNITS[w]
        case [t, w] if t in _TENS and w in _UNITS and w not in _ZEROES:
            return _TENS[t] + _UNITS[w]
    return None


def _four_digit_year(token: str) -> int | None:
    return int(token) if len(token) == 4 and _DIGITS.fullmatch(token) and token[0] in "12" else None


def _year(tokens: list[str]) -> int | None:
    """A year from "27", "2027", "twenty seven", "twenty twenty seven", "two thousand twenty seven"."""
    match tokens:
        case [t] if _DIGITS.fullmatch(t) and len(t) == 2:
            return 2000 + int(t)
        case [t] if len(t) == 4 and _DIGITS.fullmatch(t):
            return _four_digit_year(t)
        case ["two", "thousand", *rest]:
            if not rest:
                return 2000
            below = _spoken_below_100(rest)
            return None if below is None else 2000 + below
    short = _spoken_below_100(tokens)
    if short is not None and not (len(tokens) == 1 and tokens[0] in _UNITS):
        return 2000 + short  # "twenty seven", "oh five"; a bare "seven" is no year
    if tokens[:1] == ["twenty"] and (below := _spoken_below_100(tokens[1:])) is not None:
        return 2000 + below
    return None


def _month(token: str) -> int | None:
    if token in MONTH_NAMES:
        return MONTH_NAMES[token]
    if _DIGITS.fullmatch(token) and len(token) <= 2:
        return int(token)
    return _spoken_below_100([token])


def _candidates(tokens: list[str]) -> list[tuple[int, int]]:
    """Every (month, year) reading of `tokens`, months not yet range-checked."""
    if len(tokens) == 1 and _DIGITS.fullmatch(tokens[0]):
        return _compact(tokens[0])
    if len(tokens) >= 3 and all(t in _UNITS or (len(t) == 1 and t.isdigit()) for t in tokens):
        # Digit by digit: "one two two seven", "1 2 2 7".
        return _compact("".join(str(_UNITS.get(t, t)) for t in tokens))
    # Year first: "2027-12", "2027-12-01" (AMAZON.Date).
    if len(tokens) in (2, 3) and all(_DIGITS.fullmatch(t) for t in tokens) and len(tokens[0]) == 4:
        year = _four_digit_year(tokens[0])
        day_ok = len(tokens) == 2 or (len(tokens[2]) <= 2 and 1 <= int(tokens[2]) <= 31)
        return [(int(tokens[1]), year)] if year is not None and len(tokens[1]) <= 2 and day_ok else []
    # Month first; a spoken month may take two words ("oh one").
    found = []
    month = _month(tokens[0])
    if month is not None and len(tokens) > 1 and (year := _year(tokens[1:])) is not None:
        found.append((month, year))
    if len(tokens) > 2 and tokens[0] in _ZEROES:
        month = _spoken_below_100(tokens[:2])
        if month is not None and (year := _year(tokens[2:])) is not None:
            found.append((month, year))
    return found


def _compact(digits: str) -> list[tuple[int, int]]:
    """ "127" (M YY), "1227" (MM YY), "12027" (M YYYY), "122027" (MM YYYY)."""
    month_len = {3: 1, 4: 2, 5: 1, 6: 2}.get(len(digits))
    if month_len is None:
        return []
    month, year_digits = int(digits[:month_len]), digits[month_len:]
    year = 2000 + int(year_digits) if len(year_digits) == 2 else _four_digit_year(year_digits)
    return [] if year is None else [(month, year)]


def _expiry_text(month: int, year: int) -> str:
    return f"{month:02d}/{year % 100:02d}" if year >= 2000 else f"{month:02d}/{year}"


def _clearly_a_date(raw: str) -> bool:
    """A separator between month and year, or a month written as a word."""
    text = raw.strip()
    months = r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
    return bool(re.search(r"[0-9]\s*[/\-.]\s*[0-9]", text) or re.search(months, text, re.IGNORECASE))


def validate_expiration_date(raw: str, *, today: datetime.date) -> Validation[Expiry]:
    """Validate a card expiry; the card is valid through the last day of its month.

    Accepts "12/27", "12/2027", "1227", "12 27", "12-27", "December 2027", "Dec 27",
    "dec. 2027", "2027-12", "2027-12-01" (AMAZON.Date; the day is ignored) and spoken forms
    such as "twelve twenty seven" or "oh one twenty twenty eight". Two-digit years are 20YY.
    Rejects expired dates, months outside 1-12 and dates more than 20 years after `today`.
    """
    if len(raw) > MAX_INPUT_CHARS or not raw.isascii():
        return Invalid(_GARBAGE)
    tokens = [t for t in _SEPARATORS.split(raw.lower()) if t and t not in _FILLERS]
    if not tokens:
        return Invalid(_GARBAGE)
    candidates = _candidates(tokens)
    valid = [(m, y) for m, y in candidates if 1 <= m <= 12]
    if not valid:
        year_alone = _year(tokens)
        if year_alone is not None and 2000 <= year_alone <= 2099 and (len(tokens) > 1 or len(tokens[0]) == 4):
            return Invalid(_YEAR_ONLY)  # "2027", "twenty twenty seven"
        if candidates:
            return Invalid(_BAD_MONTH)
        if len(tokens) == 1 and _month(tokens[0]) in range(1, 13):
            return Invalid(f"I need the year too. Please say the expiration date on the card as {_EXAMPLE}.")
        return Invalid(_GARBAGE)
    month, year = valid[0]
    if (year, month) < (today.year, today.month):
        # Read back what was understood only when the answer was clearly a date: bare digits
        # ("817") may be a security code said at the wrong prompt, and must not be echoed.
        heard = f" in {_expiry_text(month, year)}" if _clearly_a_date(raw) else ""
        return Invalid(
            f"That card expired{heard}. "
            "Please check the expiration date on the card, or use a different card."
        )
    if (year, month) > (today.year + MAX_YEARS_AHEAD, today.month):
        return Invalid(_TOO_FAR)
    return Valid(Expiry(month, year))
