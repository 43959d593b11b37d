"""Card expiration date validator: month and year, typed, spoken, or as AMAZON.Date output."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.language import Language, active, fold, for_code
from bot.validation.result import Invalid, Valid, Validation
from bot.validation.types import Expiry

if TYPE_CHECKING:
    import datetime

MAX_INPUT_CHARS = 100
MAX_YEARS_AHEAD = 20

MONTH_NAMES: dict[str, int] = dict(for_code("en").months)
"""English month names and abbreviations; other languages: `bot.language`."""

_SEPARATORS = re.compile(r"[\s/\-.,'’]+")
_DIGITS = re.compile(r"[0-9]+")


def _unit(word: str, words: Language) -> int | None:
    digit = words.digits.get(word)
    return None if digit is None else int(digit)


def _spoken_below_100(tokens: list[str], words: Language) -> int | None:
    """0-99 from one or two words: "seven", "oh seven", "twelve", "twenty", "twenty seven",
    "veintisiete", "cero siete"."""
    match tokens:
        case [w] if (unit := _unit(w, words)) is not None:
            return unit
        case [w] if w in words.teens:
            return words.teens[w]
        case [w] if w in words.tens:
            return words.tens[w]
        case [w] if w in words.compounds:
            return words.compounds[w]
        case [z, w] if z in words.zero_lead and (unit := _unit(w, words)):
            return unit
        case [t, w] if t in words.tens and (unit := _unit(w, words)):
            return words.tens[t] + unit
    return None


def _four_digit_year(token: str) -> int | None:
    return int(token) if len(token) == 4 and _DIGITS.fullmatch(token) and token[0] in "12" else None


def _year(tokens: list[str], words: Language) -> int | None:
    """A year from "27", "2027", "twenty seven", "twenty twenty seven", "two thousand twenty seven",
    "veintisiete", "dos mil veintisiete"."""
    match tokens:
        case [t] if _DIGITS.fullmatch(t) and len(t) == 2:
            return 2000 + int(t)
        case [t] if len(t) == 4 and _DIGITS.fullmatch(t):
            return _four_digit_year(t)
        case [two, thousand, *rest] if _unit(two, words) == 2 and thousand == words.thousand:
            if not rest:
                return 2000
            below = _spoken_below_100(rest, words)
            return None if below is None else 2000 + below
    short = _spoken_below_100(tokens, words)
    if short is not None and not (len(tokens) == 1 and tokens[0] in words.digits):
        return 2000 + short  # "twenty seven", "oh five"; a bare "seven" is no year
    if (
        tokens[:1]
        and words.century.get(tokens[0]) == 20
        and (below := _spoken_below_100(tokens[1:], words)) is not None
    ):
        return 2000 + below
    return None


def _month(token: str, words: Language) -> int | None:
    if token in words.months:
        return words.months[token]
    if _DIGITS.fullmatch(token) and len(token) <= 2:
        return int(token)
    return _spoken_below_100([token], words)


def _candidates(tokens: list[str], words: Language) -> list[tuple[int, int]]:
    """Every (month, year) reading of `tokens`, months not yet range-checked."""
    if len(tokens) == 1 and _DIGITS.fullmatch(tokens[0]):
        return _compact(tokens[0])
    if len(tokens) >= 3 and all(t in words.digits or (len(t) == 1 and t.isdigit()) for t in tokens):
        # Digit by digit: "one two two seven", "1 2 2 7".
        return _compact("".join(words.digits.get(t, t) for t in tokens))
    # Year first: "2027-12", "2027-12-01" (AMAZON.Date).
    if len(tokens) in (2, 3) and all(_DIGITS.fullmatch(t) for t in tokens) and len(tokens[0]) == 4:
        year = _four_digit_year(tokens[0])
        day_ok = len(tokens) == 2 or (len(tokens[2]) <= 2 and 1 <= int(tokens[2]) <= 31)
        return [(int(tokens[1]), year)] if year is not None and len(tokens[1]) <= 2 and day_ok else []
    # Month first; a spoken month may take two words ("oh one").
    found = []
    month = _month(tokens[0], words)
    if month is not None and len(tokens) > 1 and (year := _year(tokens[1:], words)) is not None:
        found.append((month, year))
    if len(tokens) > 2 and tokens[0] in words.zero_lead:
        month = _spoken_below_100(tokens[:2], words)
        if month is not None and (year := _year(tokens[2:], words)) is not None:
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


def _clearly_a_date(tokens: list[str], raw: str, words: Language) -> bool:
    """A separator between month and year, or a month written as a word."""
    return bool(re.search(r"[0-9]\s*[/\-.]\s*[0-9]", raw.strip())) or any(
        t in words.months and not t.isdigit() for t in tokens
    )


def validate_expiration_date(
    raw: str, *, today: datetime.date, language: Language | None = None
) -> Validation[Expiry]:
    """Validate a card expiry; the card is valid through the last day of its month.

    Accepts "12/27", "12/2027", "1227", "12 27", "12-27", "December 2027", "Dec 27",
    "dec. 2027", "2027-12", "2027-12-01" (AMAZON.Date; the day is ignored) and spoken forms
    such as "twelve twenty seven" or "oh one twenty twenty eight" — in Spanish "diciembre de
    2027", "dic 27", "doce veintisiete", "diciembre dos mil veintisiete" (words and reasons are
    `language`'s, default the turn's). Two-digit years are 20YY. Rejects expired dates, months
    outside 1-12 and dates more than 20 years after `today`.
    """
    words = language or active()
    if len(raw) > MAX_INPUT_CHARS:
        return Invalid(words.reason("expiry.garbage"))
    folded = fold(raw)
    if not folded.isascii():
        return Invalid(words.reason("expiry.garbage"))
    tokens = [t for t in _SEPARATORS.split(folded) if t and t not in words.date_fillers]
    if not tokens:
        return Invalid(words.reason("expiry.garbage"))
    candidates = _candidates(tokens, words)
    valid = [(m, y) for m, y in candidates if 1 <= m <= 12]
    if not valid:
        year_alone = _year(tokens, words)
        if year_alone is not None and 2000 <= year_alone <= 2099 and (len(tokens) > 1 or len(tokens[0]) == 4):
            return Invalid(words.reason("expiry.year_only"))  # "2027", "twenty twenty seven"
        if candidates:
            return Invalid(words.reason("expiry.bad_month"))
        if len(tokens) == 1 and _month(tokens[0], words) in range(1, 13):
            return Invalid(words.reason("expiry.month_only"))
        return Invalid(words.reason("expiry.garbage"))
    month, year = valid[0]
    if (year, month) < (today.year, today.month):
        # Read back what was understood only when the answer was clearly a date: bare digits
        # ("817") may be a security code said at the wrong prompt, and must not be echoed.
        clear = _clearly_a_date(tokens, raw, words)
        heard = words.phrase("expired_in", expiry=_expiry_text(month, year)) if clear else ""
        return Invalid(words.reason("expiry.expired", heard=heard))
    if (year, month) > (today.year + MAX_YEARS_AHEAD, today.month):
        return Invalid(words.reason("expiry.too_far", years=MAX_YEARS_AHEAD))
    return Valid(Expiry(month, year))
