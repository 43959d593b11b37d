"""Cardholder name validators (first and last name), for names in any script.

The cleaned name is NFC-normalized, trimmed, and has every whitespace run collapsed to one
space. Casing is preserved exactly: no automatic rule gets McDonald, van der Berg, O'Neill
or d'Arcy right, and the gateway does not care about case.

A name slot must never capture a card number: digits in any script are refused, and so is a
spoken number. A name is a spoken number when two or more of its words (split at spaces, hyphens
and apostrophes, compared case- and width-insensitively) are number words: the spoken-digit
vocabulary of every language in `bot.language` (zero/oh/o, one..nine, ten..nineteen, twenty..ninety,
double, triple, hundred, thousand; cero, uno..nueve, doble, mil...), whatever the turn's language.
One number word alone is kept ("Seven", "One", "O Neill"): it cannot carry card data, and such
names exist. Words that merely contain one ("Nina", "Tennyson", "Fortune") are not number words.
"""

from __future__ import annotations

import re
import unicodedata

from bot.language import Language, active, every_language, fold
from bot.validation.result import Invalid, Valid, Validation
from bot.validation.spoken import _REPEATS, DIGIT_WORDS, TEEN_WORDS, TENS_WORDS

MAX_NAME_CHARS = 50
MAX_NUMBER_WORDS = 1  # more number words than this in one name: a spoken number, not a name
NUMBER_WORDS: frozenset[str] = frozenset(
    [*DIGIT_WORDS, *TEEN_WORDS, *TENS_WORDS, *_REPEATS, "hundred", "thousand"]
)
# Number words of every language, whatever the turn's: a name slot never captures a card number.
_ANY_NUMBER_WORD: frozenset[str] = NUMBER_WORDS.union(
    *(language.number_words() for language in every_language())
)
_PUNCTUATION = frozenset(" -'’")
_WORD_BREAK = re.compile(r"[ \-'’]+")


def _validate_name(raw: str, part: str, words: Language) -> Validation[str]:
    what = words.phrase(part)
    if len(raw) > 20 * MAX_NAME_CHARS:  # don't normalize megabytes
        return Invalid(words.reason("name.too_long_input", what=what))
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        return Invalid(words.reason("name.empty", what=what))
    if any(c.isdigit() or (c.isnumeric() and not c.isalpha()) for c in name):  # 二 in 二郎 is a letter
        return Invalid(words.reason("name.digits", what=what))
    if _number_words(name) > MAX_NUMBER_WORDS:
        return Invalid(words.reason("name.number", what=what))
    if len(name) > MAX_NAME_CHARS:
        return Invalid(words.reason("name.too_long", what=what, max=MAX_NAME_CHARS))
    return _letters_only(name, what, words)


def _number_words(name: str) -> int:
    """How many words of `name` are number words ("four", "Triple", "ｔｗｏ")."""
    words = _WORD_BREAK.split(unicodedata.normalize("NFKC", name).casefold())
    return sum(fold(word) in _ANY_NUMBER_WORD for word in words)


def _letters_only(name: str, what: str, words: Language) -> Validation[str]:
    previous = " "
    for c in name:
        if unicodedata.category(c).startswith("M"):
            if not (previous.isalpha() or unicodedata.category(previous).startswith("M")):
                return Invalid(words.reason("name.symbols", what=what))  # an accent on nothing
        elif not (c.isalpha() or c in _PUNCTUATION):
            return Invalid(words.reason("name.symbols", what=what))
        previous = c
    if not any(c.isalpha() for c in name):
        return Invalid(words.reason("name.no_letters", what=what))
    return Valid(name)


def validate_first_name(raw: str, language: Language | None = None) -> Validation[str]:
    """A first name: letters (any script, with accents), spaces, hyphens, apostrophes; 1-50 characters."""
    return _validate_name(raw, "first_name", language or active())


def validate_last_name(raw: str, language: Language | None = None) -> Validation[str]:
    """A last name: letters (any script, with accents), spaces, hyphens, apostrophes; 1-50 characters."""
    return _validate_name(raw, "last_name", language or active())
