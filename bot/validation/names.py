"""Cardholder name validators (first and last name), for names in any script.

The cleaned name is NFC-normalized, trimmed, and has every whitespace run collapsed to one
space. Casing is preserved exactly: no automatic rule gets McDonald, van der Berg, O'Neill
or d'Arcy right, and the gateway does not care about case.
"""

from __future__ import annotations

import unicodedata

from bot.validation.result import Invalid, Valid, Validation

MAX_NAME_CHARS = 50
_PUNCTUATION = frozenset(" -'’")


def _validate_name(raw: str, what: str) -> Validation[str]:
    if len(raw) > 20 * MAX_NAME_CHARS:  # don't normalize megabytes
        return Invalid(f"That's too long for a {what} — please say just your {what}.")
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        return Invalid(f"I didn't catch your {what} — please say it again.")
    if len(name) > MAX_NAME_CHARS:
        return Invalid(
            f"That's longer than {MAX_NAME_CHARS} characters — please say just your {what}, "
            "or a shorter form of it."
        )
    if any(c.isdigit() or (c.isnumeric() and not c.isalpha()) for c in name):  # 二 in 二郎 is a letter
        return Invalid(
            f"A {what} can't contain numbers — please say or spell your {what} using letters only."
        )
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
