"""Leak checks for conversation runs: card numbers and security codes a user gave must never come
back in a bot message or a session attribute."""

from __future__ import annotations

import re
import unicodedata

from bot.dev.simulator.api import SimResult
from bot.language import every_language
from bot.redact import luhn_ok
from bot.validation.spoken import spoken_to_digits

_LANGUAGES = every_language()

# --------------------------------------------------------------------------------------------
# Leak checks
# --------------------------------------------------------------------------------------------

_SEPARATOR = r"[\s.\-]"
_NUMBER_TOKEN = re.compile(r"[\s,]+")
_DIGIT_RUN = re.compile(rf"\d(?:{_SEPARATOR}{{0,3}}\d)*")
# A number the user gave stands on its own: digits inside a word or a hex string such as a wallet
# address ("0x5290840009852788...") are not a card number, even when a run of them passes Luhn.
_STANDALONE_RUN = re.compile(rf"(?<![0-9A-Za-z])\d(?:{_SEPARATOR}{{0,3}}\d)*(?![0-9A-Za-z])")
_REPEATS = frozenset(word for language in _LANGUAGES for word in language.repeats)
_CODE_LEAD = re.compile(
    r"^\s*(?:(?:it's|it is|that's|the|my|security|code|cvv2?|cvc|is|"
    r"es|el|mi|c[oó]digo|de|seguridad)\b[\s:,]*)+",
    re.IGNORECASE,
)
_NAMED_CODE = re.compile(
    r"\b(?:security code|cvv2?|cvc|code|c[oó]digo(?: de seguridad)?)\b\D{0,20}?(?<!\d)(\d{3,4})(?!\d)",
    re.IGNORECASE,
)


def _spoken(text: str) -> str | None:
    """`text` as digits in the first language whose words it is made of (None: in none)."""
    for language in _LANGUAGES:
        digits = spoken_to_digits(text, language)
        if digits is not None:
            return digits
    return None


def _ascii_digits(text: str) -> str:
    """`text` with every Unicode decimal digit (full-width, Arabic-Indic...) written in ASCII."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def _plausible_pan(digits: str) -> bool:
    return (
        13 <= len(digits) <= 19
        and digits.isascii()
        and digits.isdigit()
        and bool(digits.strip("0"))
        and luhn_ok(digits)
    )


def card_numbers_in(text: str) -> set[str]:
    """Card numbers in something a user typed or said: 13-19 digit Luhn-valid runs, written with
    or without spaces/dashes/dots, in any script's digits, or as spoken digit words."""
    found: set[str] = set()
    text = _ascii_digits(text)
    for match in _STANDALONE_RUN.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if _plausible_pan(digits):
            found.add(digits)
        for part in re.split(r"\s+", match.group()):  # "4242424242424242 1239": each run on its own
            if _plausible_pan(part_digits := re.sub(r"\D", "", part)):
                found.add(part_digits)
    group: list[str] = []
    for token in [*_NUMBER_TOKEN.split(text), ""]:  # spoken: "four two four two ..."
        word = token.lower().strip(".-#")
        if word and (word.isdigit() or word in _REPEATS or _spoken(word) not in (None, "")):
            group.append(word)
            continue
        spoken = _spoken(" ".join(group)) if group else None
        if spoken and _plausible_pan(spoken):
            found.add(spoken)
        group = []
    return found


def security_codes_in(text: str, *, asked: bool) -> set[str]:
    """Security codes in a user input: the whole answer to a sensitive slot's prompt (`asked`),
    or digits after "security code"/"CVV"/"CVC" anywhere. Only 3-4 digit codes count."""
    found = {m.group(1) for m in _NAMED_CODE.finditer(_ascii_digits(text))}
    if asked:
        digits = _spoken(_CODE_LEAD.sub("", _ascii_digits(text)))
        if digits and 3 <= len(digits) <= 4:
            found.add(digits)
    return found


def leaks(result: SimResult, cards: set[str], codes: set[str]) -> list[str]:
    """Card numbers or security codes from `cards`/`codes` found in what the bot returned."""
    places = [(f"bot message {i + 1}", m) for i, m in enumerate(result.messages)]
    places += [(f"session attribute {k}", v) for k, v in sorted(result.session_attributes.items())]
    failures = []
    for where, text in places:
        runs = {re.sub(r"\D", "", run) for run in _DIGIT_RUN.findall(_ascii_digits(text))}
        for card in sorted(cards):
            if card in text or any(card in run for run in runs):
                failures.append(f"LEAK: the card number ending {card[-4:]} appears in {where}")
        for code in sorted(codes):
            if re.search(rf"(?<![0-9A-Za-z]){code}(?![0-9A-Za-z])", _ascii_digits(text)):
                failures.append(f"LEAK: the security code the user gave appears in {where}")
    return failures
