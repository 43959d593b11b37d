"""Slot value resolution, as Lex V2 does it for the built-in types this bot uses and for custom
slot types (values and synonyms, ParentSlotTypeSignature, RegexFilter, ResolutionStrategy).

`resolve_slot` turns what the user said into Lex's slot shape, or None when Lex would not fill
the slot (and would re-prompt):

    {"shape": "Scalar", "value": {"originalValue": ..., "interpretedValue": ..., "resolvedValues": [...]}}

Deliberately modest: names are name-like words, numbers and dates understand common forms,
AlphaNumeric values with a regex filter are checked with Python's `re.fullmatch` (Lex's regex
syntax is a subset), and in Speech mode spelled digits and letters are joined ("four two" -> "42").
"""

from __future__ import annotations

import difflib
import re
from datetime import date, timedelta
from typing import Any

from bot.dev.simulator.definition import LocaleDefinition, SlotTypeDefinition
from bot.validation.expiry import MONTH_NAMES
from bot.validation.spoken import DIGIT_WORDS, TEEN_WORDS, TENS_WORDS

ALPHANUMERIC = "AMAZON.AlphaNumeric"
FIRST_NAME = "AMAZON.FirstName"
LAST_NAME = "AMAZON.LastName"
NUMBER = "AMAZON.Number"
DATE = "AMAZON.Date"
FREE_FORM = "AMAZON.FreeFormInput"
REGEX_VALUE_LIMIT = 30  # Lex caps a regex-filtered AlphaNumeric value at 30 characters

_UNITS = {w: int(d) for w, d in DIGIT_WORDS.items() if w not in ("oh", "o")} | TEEN_WORDS
_TENS = TENS_WORDS
_MONTHS = MONTH_NAMES
_REPEATS = {"double": 2, "triple": 3}
_SPELL_SEPARATORS = re.compile(r"[\s,.\-]+")
_NAME_WORD = r"[^\W\d_](?:[^\W\d_]|['’\-.])*"  # what an utterance's {FirstName} captures
MAX_NAME_WORDS = 3

# Regex fragments the NLU uses to capture a slot's text inside a sample utterance.
_DIGIT_TOKEN = r"(?:\d+|zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple)"  # noqa: S105
DIGITS_CAPTURE = rf"{_DIGIT_TOKEN}(?:[\s\-.,]*{_DIGIT_TOKEN})*"
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred", "thousand", "million"], key=len, reverse=True))
NUMBER_CAPTURE = rf"(?:-?\d[\d,]*(?:\.\d+)?|(?:(?:{_NUMBER_WORD}|and)[\s\-]*)+)"
NAME_CAPTURE = _NAME_WORD
ALNUM_CAPTURE = r"[0-9A-Za-z](?:[0-9A-Za-z\s\-]*[0-9A-Za-z])?"
FREE_TEXT_CAPTURE = r".+?"


def slot_value(original: str, interpreted: str, resolved: list[str] | None = None) -> dict[str, Any]:
    """Lex's Scalar slot shape."""
    return {
        "shape": "Scalar",
        "value": {
            "originalValue": original,
            "interpretedValue": interpreted,
            "resolvedValues": list(resolved if resolved is not None else [interpreted]),
        },
    }


def base_type(type_name: str, locale: LocaleDefinition) -> str | None:
    """The built-in type a slot type behaves as (None for a custom type of values only)."""
    if type_name.startswith("AMAZON."):
        return type_name
    custom = locale.slot_types.get(type_name)
    if custom is None:
        return FREE_FORM  # unknown type: take the text as said
    return custom.parent


def resolve_slot(
    text: str,
    type_name: str,
    locale: LocaleDefinition,
    *,
    input_mode: str = "Text",
    today: date | None = None,
) -> dict[str, Any] | None:
    """The slot value Lex would resolve from `text` for a slot of `type_name`, or None."""
    original = text.strip()
    if input_mode == "DTMF":
        original = original.rstrip("#").strip()
    if not original:
        return None
    custom = locale.slot_types.get(type_name)
    base = base_type(type_name, locale)
    if base in (FIRST_NAME, LAST_NAME):
        return _name(original, input_mode)
    if base == ALPHANUMERIC:
        return _alphanumeric(original, custom, input_mode)
    if base == NUMBER:
        number = parse_number(original)
        return slot_value(original, number) if number is not None else None
    if base == DATE:
        parsed = parse_date(original, today or date.today())
        return slot_value(original, parsed) if parsed is not None else None
    if custom is not None and custom.values:
        return _custom(original, custom)
    return slot_value(original, original)


def _name(text: str, input_mode: str) -> dict[str, Any] | None:
    """A name-like answer: one to three words with letters in them. Lex's name types take names
    they do not know, so this stays permissive (the code hook's validator decides); input with
    no letter at all ("123", "!!") does not resolve."""
    words = text.strip(" ,.!?").split()
    if input_mode == "Speech" and len(words) > 1 and all(len(w) == 1 and w.isalpha() for w in words):
        spelled = "".join(words).capitalize()  # spelled letter by letter: "J O H N" -> "John"
        return slot_value(text, spelled)
    if not 1 <= len(words) <= MAX_NAME_WORDS or not any(c.isalpha() for c in text):
        return None
    return slot_value(text, " ".join(words))


def _alphanumeric(text: str, custom: SlotTypeDefinition | None, input_mode: str) -> dict[str, Any] | None:
    candidate = text
    if input_mode in ("Speech", "DTMF"):
        candidate = spelled_to_text(text) or text
    regex = custom.regex if custom is not None else None
    if regex is None:
        return slot_value(text, candidate)
    compact = re.sub(r"[\s\-]+", "", candidate)  # separators between spoken/typed groups
    if len(compact) > REGEX_VALUE_LIMIT or not _fullmatch(regex, compact):
        return None
    return slot_value(text, compact)


def _fullmatch(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return False


def _custom(text: str, custom: SlotTypeDefinition) -> dict[str, Any] | None:
    wanted = _fold(text)
    choices: dict[str, str] = {}
    for item in custom.values:
        for said in (item.value, *item.synonyms):
            choices.setdefault(_fold(said), item.value)
    match = choices.get(wanted)
    if match is None:
        close = difflib.get_close_matches(wanted, list(choices), n=1, cutoff=0.8)
        match = choices[close[0]] if close else None
    if custom.resolution_strategy == "TOP_RESOLUTION":
        return slot_value(text, match) if match is not None else None
    # ORIGINAL_VALUE ("expand values"): the words as said, with what they resolve to if anything
    return slot_value(text, text, [match] if match is not None else [])


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def spelled_to_text(text: str) -> str | None:
    """Join a spoken spelling: digit words, digits and single letters ("zero x four two" -> "0x42").

    None when any word is something else (then the text is taken as said)."""
    out: list[str] = []
    repeat = 1
    for raw in _SPELL_SEPARATORS.split(text.strip().rstrip("#")):
        if not raw:
            continue
        token = raw.lower()
        if token in _REPEATS and repeat == 1:
            repeat = _REPEATS[token]
            continue
        if token in DIGIT_WORDS:
            piece = DIGIT_WORDS[token]
        elif raw.isascii() and (raw.isdigit() or (len(raw) == 1 and raw.isalpha())):
            piece = raw
        else:
            return None
        out.append(piece * repeat if len(piece) == 1 else piece)
        repeat = 1
    return "".join(out) if out and repeat == 1 else None


def parse_number(text: str) -> str | None:
    """AMAZON.Number: digits ("1,200" -> "1200") or number words ("forty two" -> "42")."""
    cleaned = text.strip().lower().replace(",", "")
    if re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return cleaned
    spelled = spelled_to_text(cleaned)
    if spelled is not None and spelled.isdigit():
        return spelled
    total = current = 0
    seen = False
    for word in re.split(r"[\s\-]+", cleaned):
        if word in ("", "and"):
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in ("thousand", "million"):
            total += max(current, 1) * (1000 if word == "thousand" else 1_000_000)
            current = 0
        else:
            return None
        seen = True
    return str(total + current) if seen else None


def parse_date(text: str, today: date) -> str | None:
    """AMAZON.Date, modestly: ISO dates and months, "December 2027" -> "2027-12",
    "December 5[, 2027]", "12/05/2027" (US order), today/tomorrow/yesterday."""
    cleaned = " ".join(re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", text.strip().lower().rstrip(".")).split())
    relative = {"today": 0, "tomorrow": 1, "yesterday": -1}
    if cleaned in relative:
        return (today + timedelta(days=relative[cleaned])).isoformat()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", cleaned):
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", cleaned):
        return f"{int(m[1]):04d}-{int(m[2]):02d}" if 1 <= int(m[2]) <= 12 else None
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", cleaned):
        return _iso(int(m[3]), int(m[1]), int(m[2]))
    if m := re.fullmatch(r"([a-z]+),? (\d{4})", cleaned):
        month = _MONTHS.get(m[1])
        return f"{int(m[2]):04d}-{month:02d}" if month else None
    if m := re.fullmatch(r"([a-z]+) (\d{1,2})(?:,? (\d{4}))?", cleaned):
        month = _MONTHS.get(m[1])
        if month is None:
            return None
        if m[3]:
            return _iso(int(m[3]), month, int(m[2]))
        found = _iso(today.year, month, int(m[2]))
        if found is not None and found < today.isoformat():
            found = _iso(today.year + 1, month, int(m[2]))
        return found
    return None


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


# --- what the NLU captures, and plausible values ---------------------------------------------------


def _digits_only(pattern: str) -> bool:
    """A regex filter that only ever accepts digits (such as "[0-9]{13,19}")."""
    stripped = re.sub(r"\\d", "", pattern)
    return not re.search(r"[A-Za-z]|\\u", stripped) and _fullmatch(pattern, "".join(_example_digits(pattern)))


def _example_digits(pattern: str) -> str:
    for length in range(1, REGEX_VALUE_LIMIT + 1):
        candidate = ("4242424242424242" * 2)[:length]
        if _fullmatch(pattern, candidate):
            return candidate
    return "0"


def capture_pattern(type_name: str, locale: LocaleDefinition) -> str:
    """A regex fragment matching what a user might say for a slot of this type inside an utterance."""
    custom = locale.slot_types.get(type_name)
    base = base_type(type_name, locale)
    if base in (FIRST_NAME, LAST_NAME):
        return NAME_CAPTURE
    if base == NUMBER:
        return NUMBER_CAPTURE
    if base == ALPHANUMERIC and custom is not None and custom.regex:
        return DIGITS_CAPTURE if _digits_only(custom.regex) else ALNUM_CAPTURE
    if custom is not None and custom.values and custom.resolution_strategy == "TOP_RESOLUTION":
        said = {s for item in custom.values for s in (item.value, *item.synonyms)}
        return "(?:" + "|".join(re.escape(s) for s in sorted(said, key=len, reverse=True)) + ")"
    return FREE_TEXT_CAPTURE


EXAMPLE_CANDIDATES = ("4242424242424242", "123", "1234", "42", "ABC123", "A1", "1")


def example_value(type_name: str, locale: LocaleDefinition) -> str:
    """A plausible value for a slot of this type (for filling `{Slot}` in sample utterances)."""
    custom = locale.slot_types.get(type_name)
    base = base_type(type_name, locale)
    if base == FIRST_NAME:
        return "John"
    if base == LAST_NAME:
        return "Smith"
    if base == NUMBER:
        return "42"
    if base == DATE:
        return "2030-12-01"
    if custom is not None and custom.values:
        return custom.values[0].value
    if base == ALPHANUMERIC and custom is not None and custom.regex:
        for candidate in EXAMPLE_CANDIDATES:
            if _fullmatch(custom.regex, candidate):
                return candidate
        return _example_digits(custom.regex)
    if base == ALPHANUMERIC:
        return "ABC123"
    return "something"
