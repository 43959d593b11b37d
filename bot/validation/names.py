"""Cardholder name validators (first and last name), for names in any script.

The cleaned name is NFC-normalized, trimmed, and has every whitespace run collapsed to one
space. Casing is preserved exactly: no automatic rule gets McDonald, van der Berg, O'Neill
or d'Arcy right, and the gateway does not care about case.

A name slot must never capture a card number: digits in any script are refused, and so is a
spoken number. A name is a spoken number when two or more of its words (split at spaces, hyphens
and apostrophes, compared case- and width-insensitively) are number words: the spoken-digit
vocabulary of `bot.validation.spoken` (zero/oh/o, one..nine, ten..nineteen, twenty..ninety, double,
triple) plus hundred and thousand. One number word alone is kept ("Seven", "One", "O Neill"):
it cannot carry card data, and such names exist. Words that merely contain one ("Nina",
"Tennyson", "Fortune") are not number words.
"""

from __future__ import annotations

import re
import unicodedata

from bot.validation.result import Invalid, Valid, Validation
from bot.validation.spoken import _REPEATS, DIGIT_WORDS, TEEN_WORDS, TENS_WORDS

MAX_NAME_CHARS = 50
MAX_NUMBER_WORDS = 1  # more number words than this in one name: a spoken number, not a name
NUMBER_WORDS: frozenset[str] = frozenset(
    [*DIGIT_WORDS, *TEEN_WORDS, *TENS_WORDS, *_REPEATS, "hundred", "thousand"]
)
_PUNCTUATION = frozenset(" -'’")
_WORD_BREAK = re.compile(r"[ \-'’]+")


def _validate_name(raw: str, what: str) -> Validation[str]:
    if len(raw) > 20 * MAX_NAME_CHARS:  # don't normalize megabytes
        return Invalid(f"That's too long for a {what} — please say just your {what}.")
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        return Invalid(f"I didn't catch your {what} — please say it again.")
    if any(c.isdigit() or (c.isnumeric() and not c.isalpha()) for c in name):  # 二 in 二郎 is a letter
        return Invalid(
            f"A {what} can't contain numbers — please say or spell your {what} using letters only."
        )
    if _number_words(name) > MAX_NUMBER_WORDS:
        return Invalid(
            f"That sounds like a number, not a {what} — please say or spell your {what} using letters only."
        )
    if len(name) > MAX_NAME_CHARS:
        return Invalid(
            f"That's longer than {MAX_NAME_CHARS} characters — please say just your {what}, "
            "or a shorter form of it."
        )
    return _letters_only(name, what)


def _number_words(name: str) -> int:
    """How many words of `name` are number words ("four", "Triple", "ｔｗｏ")."""
    words = _WORD_BREAK.split(unicodedata.normalize("NFKC", name).casefold())
    return sum(word in NUMBER_WORDS for word in words)


def _letters_only(name: str, what: str) -> Validation[str]:
    previous = " "
    for c in name:
        if unicodedata.category(c).startswith("M"):
            if not (previous.isalpha() or unicodedata.category(previous).startswith("M")):
                return Invalid(_symbols(what))  # an accent on nothing
        elif not (c.isalpha() or c in _PUNCTUATION):
            return Invalid(_symbols(what))
        previous = c
    if not any(c.isalpha() for c in name):
        return Invalid(f"A {what} needs at least one letter — please say or spell your {what}.")
    return Valid(name)


def _symbols(what: str) -> str:
    return (
        f"A {what} can only have letters, spaces, hyphens and apostrophes — "
        f"please say or spell your {what} again."
    )


def validate_first_name(raw: str) -> Validation[str]:
    """A first name: letters (any script, with accents), spaces, hyphens, apostrophes; 1-50 characters."""
    return _validate_name(raw, "first name")


def validate_last_name(raw: str) -> Validation[str]:
    """A last name: letters (any script, with accents), spaces, hyphens, apostrophes; 1-50 characters."""
    return _validate_name(raw, "last name")
