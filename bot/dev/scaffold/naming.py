"""Names for a scaffolded intent: Lex's naming rules, Python identifiers, the words a person says.

check_intent_name("ZipCode")       # raises ScaffoldError with the rule it breaks
snake("ZipCode") == "zip_code"     # the module (zip_code.py), the validator (validate_zip_code)
words("ZipCode") == "zip code"     # prompts, utterances, the hand-off ("the zip code")
utterances("ZipCode", first_slot)  # 8+ natural sample utterances
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

from bot.dev.vocab import normalize
from bot.forms import describe_slot

# Lex V2: intent and slot names are 1-100 characters, letters, digits, and _ or - between them.
LEX_NAME = re.compile(r"^([0-9a-zA-Z][_-]?){1,100}$")
LEX_NAME_LIMIT = 100
# The scaffold also wants CamelCase: it derives a module, a constant and spoken words from the name.
CAMEL_CASE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
SLOT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")

_WORD_BREAK = re.compile(r"(?<=[a-z])(?=[A-Z0-9])|(?<=[0-9])(?=[A-Za-z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_BIG_NUMBER = 1000
_HUNDRED = 100
_TWENTY = 20
_TEN = 10

# What a user asks the bot to do ("BookAppointment" -> "I want to book my appointment")...
USER_VERBS = frozenset(
    [
        "activate",
        "add",
        "apply",
        "block",
        "book",
        "buy",
        "cancel",
        "change",
        "check",
        "close",
        "confirm",
        "deactivate",
        "delete",
        "download",
        "find",
        "get",
        "list",
        "make",
        "open",
        "order",
        "pause",
        "pay",
        "redeem",
        "register",
        "remove",
        "renew",
        "replace",
        "report",
        "request",
        "reschedule",
        "reserve",
        "reset",
        "resume",
        "return",
        "schedule",
        "send",
        "set",
        "show",
        "sign",
        "start",
        "stop",
        "submit",
        "subscribe",
        "track",
        "transfer",
        "unblock",
        "unsubscribe",
        "update",
        "upgrade",
        "view",
    ]
)
# ... and what the bot does, which the user does not say ("CollectZipCode" -> "my zip code").
BOT_VERBS = frozenset({"collect", "capture", "gather", "ask", "elicit", "prompt"})


class ScaffoldError(ValueError):
    """A request the scaffold refuses, with what to do instead (exit code 2, no traceback)."""


def split_words(name: str) -> list[str]:
    """ "ZipCode" -> ["Zip", "Code"]; "CollectSSN" -> ["Collect", "SSN"]; "Line2" -> ["Line", "2"]."""
    spaced = _WORD_BREAK.sub(" ", name.replace("_", " ").replace("-", " "))
    return spaced.split()


def snake(name: str) -> str:
    """ "ZipCode" -> "zip_code", "CollectSSN" -> "collect_ssn": module and function names."""
    return "_".join(part.lower() for part in split_words(name))


def constant(name: str) -> str:
    """ "ZipCode" -> "ZIP_CODE": the `Ask` of a slot."""
    return snake(name).upper()


def number_words(number: int) -> str:
    """12 -> "twelve", 42 -> "forty two", 305 -> "three hundred five" (digits read badly in prompts)."""
    if number < _TWENTY:
        return _NUMBER_WORDS[number]
    if number < _HUNDRED:
        tens, units = divmod(number, _TEN)
        return _TENS_WORDS[tens - 2] + (f" {_NUMBER_WORDS[units]}" if units else "")
    if number < _BIG_NUMBER:
        hundreds, rest = divmod(number, _HUNDRED)
        return f"{_NUMBER_WORDS[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    return " ".join(_NUMBER_WORDS[int(d)] for d in str(number))


def words(name: str) -> str:
    """How a person says a name: "ZipCode" -> "zip code", "CollectSSN" -> "collect SSN",
    "AddressLine2" -> "address line two" (acronyms kept, digits as words: prompts are spoken)."""
    out = []
    for part in split_words(name):
        if part.isdigit():
            out.append(number_words(int(part)))
        elif len(part) > 1 and part.isupper():
            out.append(part)
        else:
            out.append(part.lower())
    return " ".join(out)


def article(phrase: str) -> str:
    """ "a zip code", "an email address" (by the first letter: close enough for generated text)."""
    return f"an {phrase}" if phrase[:1].lower() in "aeiou" else f"a {phrase}"


def sentence(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


def listing(items: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# -- the rules ---------------------------------------------------------------------------------


def check_intent_name(name: str) -> None:
    if not LEX_NAME.fullmatch(name) or len(name) > LEX_NAME_LIMIT:
        raise ScaffoldError(
            f"{name!r} is not a valid Lex intent name: 1 to {LEX_NAME_LIMIT} letters or digits, "
            "optionally with single _ or - between them (e.g. ZipCode)"
        )
    if not CAMEL_CASE.fullmatch(name):
        suggestion = "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\-\s]+", name) if part)
        example = suggestion if CAMEL_CASE.fullmatch(suggestion or "-") else "ZipCode"
        raise ScaffoldError(
            f"intent name {name!r}: write it in CamelCase (e.g. {example}), a capital letter then "
            "letters and digits; the scaffold derives the module name and the spoken words from it"
        )
    module = snake(name)
    if keyword.iskeyword(module) or keyword.issoftkeyword(module):
        raise ScaffoldError(f"intent name {name}: its module would be {module}.py, a Python keyword")


def check_slot_name(name: str) -> None:
    if not LEX_NAME.fullmatch(name) or len(name) > LEX_NAME_LIMIT:
        raise ScaffoldError(
            f"{name!r} is not a valid Lex slot name: 1 to {LEX_NAME_LIMIT} letters or digits, "
            "optionally with single _ or - between them (e.g. ZipCode)"
        )
    if not SLOT_NAME.fullmatch(name):
        raise ScaffoldError(
            f"slot name {name!r}: use letters and digits only, starting with a letter (e.g. ZipCode); "
            "the scaffold derives Python names from it"
        )


# -- sample utterances ------------------------------------------------------------------------


def _phrase(intent: str) -> tuple[str | None, str]:
    """(verb, object) of an intent name: "BookAppointment" -> ("book", "appointment"),
    "ZipCode" -> (None, "zip code"), "CollectZipCode" -> (None, "zip code")."""
    said = words(intent)
    first, _, rest = said.partition(" ")
    if first in BOT_VERBS and rest:
        return None, rest
    if first in USER_VERBS:
        return first, rest
    return None, said


def utterances(intent: str, slot: str | None, slot_phrase: str | None) -> list[str]:
    """Sample utterances for an intent, the natural ones first; `slot` (with how it is said) is
    carried by a few ("my zip code is {ZipCode}")."""
    verb, thing = _phrase(intent)
    if verb is None:
        found = [
            thing,
            f"my {thing}",
            f"I want to give my {thing}",
            f"I'd like to give you my {thing}",
            f"here is my {thing}",
            f"let me give you my {thing}",
            f"update my {thing}",
            f"change my {thing}",
            f"I need to update my {thing}",
            f"I want to tell you my {thing}",
        ]
    else:
        what = f"{verb} my {thing}" if thing else verb
        found = [
            f"{verb} {thing}".strip(),
            what,
            f"I want to {what}",
            f"I'd like to {what}",
            f"I need to {what}",
            f"can you {what}",
            f"please {what}",
            f"help me {what}",
            f"I would like to {what}",
            f"{what} please",
        ]
    if slot is not None and slot_phrase is not None:
        found += [f"my {slot_phrase} is {{{slot}}}", f"the {slot_phrase} is {{{slot}}}"]
        if verb is None and thing == slot_phrase:
            found.append(f"{thing} {{{slot}}}")
        elif verb is not None:
            found.append(f"{verb} {thing} {{{slot}}}".replace("  ", " "))
    return unique(found)


def unique(items: Iterable[str]) -> list[str]:
    """Without repeats, as the simulator's NLU compares utterances (case, apostrophes, punctuation)."""
    seen: set[str] = set()
    out = []
    for item in items:
        key = normalize(item)
        if key and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def hand_off_name(slot: str) -> str | None:
    """What `Ask(what=...)` must say when the framework's default (`describe_slot`) would differ."""
    said = words(slot)
    return None if said == describe_slot(slot) else said
