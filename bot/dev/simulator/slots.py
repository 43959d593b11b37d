"""Slot value resolution, as Lex V2 does it for the built-in types this bot uses and for custom
slot types (values and synonyms, ParentSlotTypeSignature, RegexFilter, ResolutionStrategy).

`resolve_slot` turns what the user said into Lex's slot shape, or None when Lex would not fill
the slot (and would re-prompt):

    {"shape": "Scalar", "value": {"originalValue": ..., "interpretedValue": ..., "resolvedValues": [...]}}

Deliberately modest: names are name-like words, numbers understand digits and number words,
AlphaNumeric values with a regex filter are checked with Python's `re.fullmatch` (Lex's regex
syntax is a subset), and in Speech mode spelled digits and letters are joined ("four two" -> "42").

AMAZON.Date and AMAZON.Time follow Lex V2's documentation (built-in-slot-date.html and
built-in-slot-time.html, en_US), relative to the turn's instant in UTC — the clock the
framework's `turn.now`/`turn.today` use, so "tomorrow" is the same day for the simulator and the
bot on any machine (real Lex uses the x-amz-lex:time-zone request attribute, else a default
of the bot's region). Number words count ("december third", "the twenty first", "twenty twenty
five", "half past three"). With today Monday 2024-12-02 and now 10:00 UTC:

    AMAZON.Date (interpretedValue, the one resolvedValue)
      today, now, tonight, this morning         2024-12-02
      tomorrow / yesterday                      2024-12-03 / 2024-12-01
      the day after tomorrow                    2024-12-04
      in three days, 3 days from now            2024-12-05
      a week from tomorrow                      2024-12-10
      two weeks ago / in a month                2024-11-18 / 2025-01-02
      monday, this monday / friday              2024-12-02 / 2024-12-06  (on or after today)
      next monday / next friday                 2024-12-09 / 2024-12-06  (first strictly after today)
      last friday / friday after next           2024-11-29 / 2024-12-13
      monday next week / next week friday       2024-12-09 / 2024-12-13
      december third, dec 3rd, 3 december,
        the third of december, 12/3, 12-03      2024-12-03
      march 5 (passed this year) / february 29  2025-03-05 / 2028-02-29
      december 3rd 2025, 12/3/2025, 12/3/25,
        2025-12-03, 2025/12/03                  2025-12-03
      the 5th, the fifth, 5th                   2024-12-05
      the 1st (passed: next month's)            2025-01-01
      this week / last week                     2024-12-02 / 2024-11-25  (the Monday)
      next week                                 2024-12-08  (last day of the *current* week, as documented)
      this weekend, the weekend                 2024-12-07  (next / last weekend: 2024-12-14 / 2024-11-30)
      this month / last month                   2024-12-01 / 2024-11-01  (the first day)
      next month                                2025-01-31  (a future month: its last day)
      december (this month) / january           2024-12-01 / 2025-01-31
      december 2025, 2025-12                    2025-12-31
      this year / last year / next year         2024-01-01 / 2023-01-01 / 2025-12-31
      2024 / 2023 / 2025                        2024-01-01 / 2023-01-01 / 2025-12-31
      tomorrow at 3pm, 3pm tomorrow, friday morning   the day (the time is an AMAZON.Time slot's business)

    AMAZON.Time (interpretedValue; resolvedValues)
      3pm, 3 p.m., 3:00 pm, three pm            15:00
      15:45, 1545 / fifteen hundred             15:45 / 15:00
      10 am, 10 in the morning                  10:00
      09:30 (a leading zero: 24-hour)           09:30
      noon, midday / midnight                   12:00 / 00:00
      8 at night, 8 tonight                     20:00
      quarter past eleven pm                    23:15
      10 o'clock, 10                            null; ["10:00", "22:00"]
      10:30 / three thirty                      null; ["10:30", "22:30"] / ["03:30", "15:30"]
      12:30                                     null; ["00:30", "12:30"]
      half past three / quarter to four         null; ["03:30", "15:30"] / ["03:45", "15:45"]
      morning / afternoon / evening / night     MO / AF / EV / NI  ("tonight": NI; "am"/"pm" alone: AM/PM)
      now, right now                            10:00
      in ten minutes / in an hour / in half an hour   10:10 / 11:00 / 10:30
      tomorrow at 3pm, 3pm on friday            15:00 (the day is an AMAZON.Date slot's business)

A specific day defaults to one on or after today; the readings of "next <weekday>", weekends
and numeric "M/D" (US order) are this simulator's (Lex does not document them). Words that are
no date or time leave the slot empty: Lex re-prompts. A code hook must settle an ambiguous time
before it returns the slot: a slot without interpretedValue is an invalid Lambda response.
"""

from __future__ import annotations

import calendar
import difflib
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.dev.simulator.definition import LocaleDefinition, SlotTypeDefinition
from bot.validation.expiry import MONTH_NAMES
from bot.validation.spoken import DIGIT_WORDS, TEEN_WORDS, TENS_WORDS

ALPHANUMERIC = "AMAZON.AlphaNumeric"
FIRST_NAME = "AMAZON.FirstName"
LAST_NAME = "AMAZON.LastName"
NUMBER = "AMAZON.Number"
DATE = "AMAZON.Date"
TIME = "AMAZON.Time"
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


def slot_value(original: str, interpreted: str | None, resolved: list[str] | None = None) -> dict[str, Any]:
    """Lex's Scalar slot shape. interpretedValue None is how Lex sends an ambiguous value (an
    AMAZON.Time hour without am/pm): null, with the candidates in resolvedValues."""
    if resolved is None:
        resolved = [interpreted] if interpreted is not None else []
    return {
        "shape": "Scalar",
        "value": {
            "originalValue": original,
            "interpretedValue": interpreted,
            "resolvedValues": list(resolved),
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
    """The slot value Lex would resolve from `text` for a slot of `type_name`, or None.

    `today` is the turn's instant: the simulator passes an aware datetime (UTC), whose day is
    "today" for AMAZON.Date and whose time is "now" for AMAZON.Time. A plain date stands for noon
    UTC that day; None for the current time (UTC, never the machine's local time)."""
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
        parsed = parse_date(original, _instant(today))
        return slot_value(original, parsed) if parsed is not None else None
    if base == TIME:
        reading = parse_time(original, _instant(today))
        return slot_value(original, reading[0], reading[1]) if reading is not None else None
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


# --- AMAZON.Date and AMAZON.Time ---------------------------------------------------------------
#
# What is said is lowercased, number words become digits ("december third" -> "december 3th",
# "twenty twenty five" -> "2025"; an ordinal keeps a "th" mark), then matched against the phrase
# rules below, first match wins. The rules follow the Lex V2 documentation (built-in-slot-date
# and built-in-slot-time, en_US); where it is silent the choice is written down at the rule.

_WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "weds": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
_ORDINAL_WORDS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
_ONE_TO_NINE = {w: int(d) for w, d in DIGIT_WORDS.items() if d != "0"}
_CENTURY_WORDS = {"nineteen": 19, "twenty": 20}  # "twenty twenty five" -> 2025

_CURRENT = frozenset({"this", "current"})
_FUTURE = frozenset({"next", "coming", "this coming", "upcoming", "following"})
_PAST = frozenset({"last", "past", "previous"})
_WHICH = "|".join(sorted(_CURRENT | _FUTURE | _PAST, key=len, reverse=True))

_DAY_OFFSETS = {
    "today": 0,
    "now": 0,
    "right now": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "tomorrow": 1,
    "the day after tomorrow": 2,
    "day after tomorrow": 2,
    "yesterday": -1,
    "the day before yesterday": -2,
    "day before yesterday": -2,
}
_MAX_OFFSET = 100_000  # days, weeks, months or years: larger counts are not dates Lex resolves
_MAX_DEPTH = 4  # "a week from the day after tomorrow"


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(sorted({re.escape(w) for w in words}, key=len, reverse=True))


_MONTH_RE = _alternatives(_MONTHS)
_WEEKDAY_RE = _alternatives(_WEEKDAYS)
_COUNT_RE = r"\d{1,6}|an?"
_UNIT_RE = r"days?|weeks?|fortnights?|months?|years?"


def _day_of(today: date) -> date:
    """The calendar day of `today` (a datetime is taken in UTC, as the framework's turn.now)."""
    if isinstance(today, datetime):
        moment = today if today.tzinfo is None else today.astimezone(UTC)
        return moment.date()
    return today


def _instant(today: date | None) -> datetime:
    """The turn's instant in UTC: a datetime as given (naive = UTC), a plain date as noon UTC
    that day (what a conversation file's `today:` pins), None as the current time."""
    if today is None:
        return datetime.now(UTC)
    if isinstance(today, datetime):
        return today.replace(tzinfo=UTC) if today.tzinfo is None else today.astimezone(UTC)
    return datetime.combine(today, time(12), UTC)


def _date_words(text: str) -> list[str]:
    cleaned = text.strip().lower().replace("’", "'").replace("'", "")
    cleaned = re.sub(r"\b([ap])\s?\.\s?m\b\.?", r"\1m", cleaned)  # "3 p.m." (a time after the day)
    cleaned = re.sub(r"(?<=[a-z])\.", " ", cleaned)  # "dec." "sept."
    cleaned = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", cleaned)  # "twenty-first"
    cleaned = re.sub(r"(?<=\d)(?:st|nd|rd|th)\b", "th", cleaned)  # one ordinal mark: "3rd" -> "3th"
    cleaned = re.sub(r"[,;!?]+|\.+$|\.(?=\s)", " ", cleaned)
    return cleaned.split()


def _spoken_year(words: list[str], i: int) -> tuple[str, int] | None:
    """ "two thousand (and) five", "twenty twenty five", "nineteen ninety nine", "twenty oh five"."""
    word = words[i]
    following = [*words[i + 1 : i + 4], "", "", ""]
    if word == "two" and following[0] == "thousand":
        j = i + 2 + (following[1] == "and")
        rest = _spoken_small(words, j) if j < len(words) else None
        if rest is None or rest[0].endswith("th"):
            return "2000", i + 2
        return str(2000 + int(rest[0])), rest[1]
    century = _CENTURY_WORDS.get(word)
    if century is None:
        return None
    nxt, after = following[0], following[1]
    if nxt == "hundred":
        return f"{century}00", i + 2
    if nxt in ("oh", "o") and after in _ONE_TO_NINE:
        return f"{century}0{_ONE_TO_NINE[after]}", i + 3
    if nxt in TEEN_WORDS:
        return f"{century}{TEEN_WORDS[nxt]}", i + 2
    if nxt in TENS_WORDS:
        if after in _ONE_TO_NINE:
            return f"{century}{TENS_WORDS[nxt] + _ONE_TO_NINE[after]}", i + 3
        return f"{century}{TENS_WORDS[nxt]}", i + 2
    return None


def _spoken_small(words: list[str], i: int) -> tuple[str, int] | None:
    """A number below 100 in words: "21" for "twenty one", "21th" for "twenty first"."""
    word = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if word in _ORDINAL_WORDS:
        return f"{_ORDINAL_WORDS[word]}th", i + 1
    if word in TENS_WORDS:
        tens = TENS_WORDS[word]
        if nxt in _ORDINAL_WORDS and _ORDINAL_WORDS[nxt] < 10:
            return f"{tens + _ORDINAL_WORDS[nxt]}th", i + 2
        if nxt in _ONE_TO_NINE:
            return str(tens + _ONE_TO_NINE[nxt]), i + 2
        return str(tens), i + 1
    if word in TEEN_WORDS:
        return str(TEEN_WORDS[word]), i + 1
    if word in _ONE_TO_NINE:
        return str(_ONE_TO_NINE[word]), i + 1
    return None


def _spoken_numbers(words: list[str], *, years_first: bool) -> str:
    """The words with numbers said in words as digits. Right after a month a day is read first
    ("december twenty twenty" -> "december 20 20") unless `years_first` ("december 2020")."""
    out: list[str] = []
    i = 0
    while i < len(words):
        after_month = bool(out) and (
            out[-1] in _MONTHS or (out[-1] == "the" and len(out) > 1 and out[-2] in _MONTHS)
        )
        found = _spoken_year(words, i) if years_first or not after_month else None
        if found is None:
            found = _spoken_small(words, i)
        if found is None:
            out.append(words[i])
            i += 1
        else:
            out.append(found[0])
            i = found[1]
    return " ".join(out)


def parse_date(text: str, today: date) -> str | None:
    """AMAZON.Date as Lex V2 resolves it (en_US), relative to `today` (a datetime: its UTC day):
    an ISO date "YYYY-MM-DD", or None when the words are no date Lex knows (it re-prompts).

    A specific day is on or after today unless the words say otherwise ("yesterday", "last
    friday", a year); a week, month or year resolves to one day of it as Lex documents: a future
    one to its last day ("next month" -> the last day of next month; "next week" -> the last day
    of the *current* week, Sunday, as the documentation's example has it), the current or a past
    one to its first day ("this week" -> Monday, "this month" -> the 1st, "last year" -> 1 January).
    The module docstring has the full table. Never raises."""
    return _parse_date(text, today, with_time=True)


def _parse_date(text: str, today: date, *, with_time: bool) -> str | None:
    day = _day_of(today)
    words = _date_words(text)
    tried: set[str] = set()
    for years_first in (False, True):
        said = _spoken_numbers(words, years_first=years_first)
        if not said or said in tried:
            continue
        tried.add(said)
        try:
            found = _date_phrase(said, day, 0 if with_time else _MAX_DEPTH)
        except (ValueError, OverflowError):  # a year out of range, a count too large
            found = None
        if found is not None:
            return found.isoformat()
    return None


def _date_phrase(said: str, today: date, depth: int) -> date | None:
    said = re.sub(r"^(?:on|for) (?=.)|(?: please)+$", "", said)
    if depth > _MAX_DEPTH:
        return None
    for pattern, rule in _DATE_RULES:
        match = pattern.fullmatch(said)
        if match is not None:
            found = rule(match, today, depth)
            if found is not None:
                return found
    return _day_and_time(said, today, depth) if depth < _MAX_DEPTH else None


_MAX_SPLIT_WORDS = 12
_BARE_NUMBERS = re.compile(r"[\d\s]+")  # "december 20 20" is no day and a time


def _day_and_time(said: str, today: date, depth: int) -> date | None:
    """ "3pm tomorrow", "half past three on friday", "tomorrow 10 am": the day; the time is an
    AMAZON.Time slot's business (a bare number is no time here)."""
    words = said.split()
    if not 1 < len(words) <= _MAX_SPLIT_WORDS:
        return None
    now = _instant(today)
    for i in range(1, len(words)):
        head, tail = " ".join(words[:i]), " ".join(words[i:])
        for day, clock in ((tail, head), (head, tail)):
            if (
                _BARE_NUMBERS.fullmatch(clock)
                or _time_phrase(_time_words(clock), now, with_day=False) is None
            ):
                continue
            found = _date_phrase(day, today, _MAX_DEPTH)
            if found is not None:
                return found
    return None


def _fixed(match: re.Match[str], today: date, depth: int) -> date | None:
    return today + timedelta(days=_DAY_OFFSETS[match[0]])


def _with_time_of_day(match: re.Match[str], today: date, depth: int) -> date | None:
    """ "tomorrow at 3pm", "friday morning": the day; the time of day is another slot's business."""
    if match["time"] is not None and parse_time(match["time"], _instant(today)) is None:
        return None
    return _date_phrase(match["day"], today, depth + 1)


def _exact(match: re.Match[str], today: date, depth: int) -> date | None:
    year = int(match["y"])
    if len(match["y"]) == 2:  # "12/5/27": this century
        year += 2000
    return date(year, int(match["m"]), int(match["d"]))


def _month_number(match: re.Match[str]) -> int:
    month = match["month"]
    return _MONTHS[month] if month in _MONTHS else int(month)


def _month_day(match: re.Match[str], today: date, depth: int) -> date | None:
    """A month and a day: that year's if a year is said, else the first on or after today
    ("february 29" in 2025 -> 2028-02-29)."""
    month, day = _month_number(match), int(match["d"])
    if match["y"]:
        return date(int(match["y"]), month, day)
    return _on_or_after(today, month, day)


def _on_or_after(today: date, month: int, day: int) -> date | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    for year in range(today.year, today.year + 9):  # a 29 February can be 8 years away (2096 -> 2104)
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found >= today:
            return found
    return None


def _day_of_month(match: re.Match[str], today: date, depth: int) -> date | None:
    """ "the 5th": this month's if it has not passed, else the next month that has that day
    ("the 31st" on 10 April -> 31 May)."""
    day = int(match["d"])
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(13):
        try:
            found = date(year, month, day)
        except ValueError:
            found = None
        if found is not None and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _monday(today: date) -> date:
    return today - timedelta(days=today.weekday())


def _weekday_of_week(match: re.Match[str], today: date, depth: int) -> date | None:
    """ "monday next week", "this week's friday": that day of the (ISO, Monday-first) week."""
    which = match["which"].removeprefix("the ")
    weeks = 0 if which in _CURRENT else 1 if which in _FUTURE else -1
    return _monday(today) + timedelta(days=7 * weeks + _WEEKDAYS[match["wd"]])


def _weekday(match: re.Match[str], today: date, depth: int) -> date | None:
    """ "friday", "this friday": the first on or after today (today, said on a Friday); "next
    friday": the first strictly after today (a week away, said on a Friday; said on a Monday, the
    coming Friday); "last friday": the last strictly before today; "friday after next": a week
    after "next friday". Lex documents only "on or after the current date" for a specific day:
    the "next"/"last" readings are this simulator's."""
    wanted = _WEEKDAYS[match["wd"]]
    ahead = (wanted - today.weekday()) % 7
    which = match["which"]
    if which in _PAST:
        return today - timedelta(days=(today.weekday() - wanted) % 7 or 7)
    if which == "next" or match["after"] is not None:
        ahead = ahead or 7
    if match["after"] is not None:
        if which is not None:
            return None
        ahead += 7
    return today + timedelta(days=ahead)


def _week(match: re.Match[str], today: date, depth: int) -> date | None:
    """A week (ISO weeks start on Monday): the current or a past one -> its Monday; a future one
    -> the last day of the current week, as Lex V2's documentation says ("next week" on
    2020-11-25 -> 2020-11-29)."""
    which = match["which"]
    if which in _FUTURE:
        return _monday(today) + timedelta(days=6)
    return _monday(today) - timedelta(days=0 if which in _CURRENT else 7)


def _weekend(match: re.Match[str], today: date, depth: int) -> date | None:
    """A weekend -> its Saturday: this week's ("this weekend", "the weekend"), next week's ("next
    weekend") or last week's. Lex V2 does not document weekends: this is the simulator's choice."""
    which = match["which"]
    weeks = 1 if which in ("next", "following") else -1 if which in _PAST else 0
    return _monday(today) + timedelta(days=7 * weeks + 5)


def _month_value(year: int, month: int, today: date) -> date:
    """A month as Lex V2 resolves it: a future month -> its last day, the current or a past one
    -> its first day."""
    if (year, month) > (today.year, today.month):
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, 1)


def _relative_month(match: re.Match[str], today: date, depth: int) -> date | None:
    which = match["which"]
    months = 0 if which in _CURRENT else 1 if which in _FUTURE else -1
    first = _add_months(today.replace(day=1), months)
    return _month_value(first.year, first.month, today)


def _named_month(match: re.Match[str], today: date, depth: int) -> date | None:
    """ "december": the next one that has not ended (this month -> its 1st, a later month this
    year, an earlier one next year -> its last day); "december 2027", "2027-12", "december next
    year": that month."""
    month = _month_number(match)
    if not 1 <= month <= 12:
        return None
    which = match["which"] if "which" in match.re.groupindex else None
    if match["y"]:
        year = int(match["y"])
    elif which is not None:
        year = today.year + (0 if which in _CURRENT else 1 if which in _FUTURE else -1)
    else:
        year = today.year if month >= today.month else today.year + 1
    return _month_value(year, month, today)


def _year_value(year: int, today: date) -> date:
    """A year as Lex V2 resolves it: a future year -> 31 December, the current or a past one ->
    1 January."""
    return date(year, 12, 31) if year > today.year else date(year, 1, 1)


def _named_year(match: re.Match[str], today: date, depth: int) -> date | None:
    return _year_value(int(match["y"]), today)


def _relative_year(match: re.Match[str], today: date, depth: int) -> date | None:
    which = match["which"]
    return _year_value(today.year + (0 if which in _CURRENT else 1 if which in _FUTURE else -1), today)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _shifted(day: date, count: str, unit: str, sign: int) -> date | None:
    n = 1 if count in ("a", "an") else int(count)
    if n > _MAX_OFFSET:
        return None
    n *= sign
    unit = unit.rstrip("s")
    if unit == "day":
        return day + timedelta(days=n)
    if unit in ("week", "fortnight"):
        return day + timedelta(days=n * (14 if unit == "fortnight" else 7))
    return _add_months(day, n * (12 if unit == "year" else 1))  # 31 January + 1 month -> 28/29 February


def _offset(match: re.Match[str], today: date, depth: int) -> date | None:
    """ "in three days", "two weeks from now", "a month ago" (a day of month that the target month
    lacks becomes its last day)."""
    return _shifted(today, match["n"], match["unit"], -1 if match["ago"] else 1)


def _offset_from(match: re.Match[str], today: date, depth: int) -> date | None:
    """ "a week from tomorrow", "two days after christmas eve" (the base must resolve to a day)."""
    base = _date_phrase(match["base"], today, depth + 1)
    if base is None:
        return None
    count, unit = match["n"] or "1", match["unit"] or "day"
    return _shifted(base, count, unit, -1 if match["dir"] == "before" else 1)


_Rule = Callable[[re.Match[str], date, int], date | None]
_PART_OF_DAY = r"(?:in the |this )?(?:morning|afternoon|evening)|(?:at |in the )?night"
_DATE_RULES: list[tuple[re.Pattern[str], _Rule]] = [
    (re.compile(_alternatives(_DAY_OFFSETS)), _fixed),
    (
        re.compile(rf"(?P<day>.+?) (?:(?:at|around|about|by) (?P<time>.+)|(?:{_PART_OF_DAY}))"),
        _with_time_of_day,
    ),
    (re.compile(r"(?P<y>\d{4})([-/.])(?P<m>\d{1,2})\2(?P<d>\d{1,2})"), _exact),
    (re.compile(r"(?P<y>\d{4})[-/](?P<month>\d{1,2})"), _named_month),
    (re.compile(r"(?P<m>\d{1,2})([-/.])(?P<d>\d{1,2})\2(?P<y>\d{4}|\d{2})"), _exact),
    (re.compile(r"(?P<month>\d{1,2})[-/](?P<d>\d{1,2})(?P<y>)"), _month_day),
    (
        re.compile(
            rf"(?:(?:{_WEEKDAY_RE}) )?(?:the )?(?P<month>{_MONTH_RE}) (?:the )?(?P<d>\d{{1,2}})(?:th)?"
            rf"(?: (?:of )?(?P<y>\d{{4}}))?"
        ),
        _month_day,
    ),
    (
        re.compile(
            rf"(?:(?:{_WEEKDAY_RE}) )?(?:the )?(?P<d>\d{{1,2}})(?:th)?(?: of)? (?P<month>{_MONTH_RE})"
            rf"(?: (?P<y>\d{{4}}))?"
        ),
        _month_day,
    ),
    (re.compile(rf"(?:(?:{_WEEKDAY_RE}) )?(?:the (?P<d>\d{{1,2}})(?:th)?)"), _day_of_month),
    (re.compile(rf"(?:(?:{_WEEKDAY_RE}) )?(?P<d>\d{{1,2}})th"), _day_of_month),
    (
        re.compile(rf"(?:the )?(?P<wd>{_WEEKDAY_RE}) (?:of )?(?P<which>(?:the )?(?:{_WHICH})) week"),
        _weekday_of_week,
    ),
    (re.compile(rf"(?P<which>{_WHICH}) week(?:s)? (?:on )?(?P<wd>{_WEEKDAY_RE})"), _weekday_of_week),
    (
        re.compile(rf"(?:the |on )?(?:(?P<which>{_WHICH}) )?(?P<wd>{_WEEKDAY_RE})(?P<after> after next)?"),
        _weekday,
    ),
    (re.compile(rf"(?:the )?(?P<which>{_WHICH}) week"), _week),
    (re.compile(rf"(?:the )?(?:(?P<which>{_WHICH}) )?weekend"), _weekend),
    (re.compile(rf"(?:the )?(?P<which>{_WHICH}) month"), _relative_month),
    (re.compile(rf"(?:in )?(?P<month>{_MONTH_RE})(?: (?:of )?(?P<y>\d{{4}}))?"), _named_month),
    (re.compile(rf"(?:in )?(?P<month>{_MONTH_RE})(?P<y>) (?P<which>{_WHICH}) year"), _named_month),
    (re.compile(r"(?:in )?(?P<y>\d{4})"), _named_year),
    (re.compile(rf"(?:the )?(?P<which>{_WHICH}) year"), _relative_year),
    (
        re.compile(
            rf"(?:in (?P<n>{_COUNT_RE}) (?P<unit>{_UNIT_RE})(?: time)?"
            rf"|(?P<n2>{_COUNT_RE}) (?P<unit2>{_UNIT_RE}) (?:from now|from today|later|hence))"
        ),
        lambda m, today, depth: _shifted(today, m["n"] or m["n2"], m["unit"] or m["unit2"], 1),
    ),
    (re.compile(rf"(?P<n>{_COUNT_RE}) (?P<unit>{_UNIT_RE}) (?P<ago>ago|back)"), _offset),
    (
        re.compile(
            rf"(?:(?P<n>{_COUNT_RE}) (?P<unit>{_UNIT_RE})|the day) (?P<dir>from|after|before) (?P<base>.+)"
        ),
        _offset_from,
    ),
]


# AMAZON.Time ------------------------------------------------------------------------------------

_PERIODS: dict[str, str] = {
    **dict.fromkeys(["morning", "the morning", "in the morning", "this morning"], "MO"),
    **dict.fromkeys(["afternoon", "the afternoon", "in the afternoon", "this afternoon"], "AF"),
    **dict.fromkeys(["evening", "the evening", "in the evening", "this evening"], "EV"),
    **dict.fromkeys(["night", "the night", "at night", "in the night", "tonight"], "NI"),
    **dict.fromkeys(["am", "in the am"], "AM"),
    **dict.fromkeys(["pm", "in the pm"], "PM"),
}
_NOON = frozenset({"noon", "midday", "12 noon", "noontime", "12 midday"})
_MIDNIGHT = frozenset({"midnight", "12 midnight"})
_NOW = frozenset({"now", "right now", "right away", "immediately"})
_DAY_PART = (
    r"(?P<part>in the morning|this morning|in the afternoon|this afternoon|in the evening|this evening"
    r"|at night|tonight)"
)
_TIME_TAIL = rf"(?: oclock)?(?: (?P<mer>am|pm))?(?: {_DAY_PART})?"
_CLOCK = re.compile(rf"(?P<h>\d{{1,2}})(?:(?:[:.](?P<m>\d{{2}})(?::\d{{2}})?)| (?P<m2>\d{{2}}))?{_TIME_TAIL}")
_MILITARY = re.compile(r"(?P<h>\d{2})(?P<m>\d{2})(?: hours)?|(?P<h2>\d{1,2}) hundred(?: hours)?")
_RELATIVE_CLOCK = re.compile(
    rf"(?:(?P<q>half|quarter|a quarter)|(?P<n>\d{{1,2}})(?: minutes?| mins?)?) "
    rf"(?P<dir>past|after|to|till|til|before|of) (?P<h>\d{{1,2}}|noon|midnight){_TIME_TAIL}"
)
_FROM_NOW = re.compile(
    r"(?:in (?P<n>\d{1,4}|an?|one) (?P<unit>minutes?|mins?|hours?|hrs?)"
    r"|(?P<n2>\d{1,4}|an?|one) (?P<unit2>minutes?|mins?|hours?|hrs?) from now)"
)
_HALF_HOURS = {
    "in half an hour": 30,
    "in a half hour": 30,
    "in half hour": 30,
    "in a quarter of an hour": 15,
    "in a quarter hour": 15,
    "in an hour and a half": 90,
    "in one and a half hours": 90,
    "in 1 and a half hours": 90,
}


def _time_words(text: str) -> str:
    cleaned = text.strip().lower().replace("’", "'")
    cleaned = re.sub(r"\b([ap])\s?\.\s?m\b\.?", r"\1m", cleaned)  # "a.m." "p. m." -> am, pm
    cleaned = re.sub(r"\bo\s?'?\s?clock\b", " oclock", cleaned)
    cleaned = re.sub(r"(?<=\d)(?=[ap]m\b)", " ", cleaned)  # "3pm" -> "3 pm"
    cleaned = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", cleaned)
    cleaned = re.sub(r"[,;!?]+|\.+$|\.(?=\s)", " ", cleaned)
    words = cleaned.split()
    if len(words) > 1 and words[0] in ("at", "around", "about", "approximately", "roughly"):
        words = words[1:]
    out: list[str] = []
    i = 0
    while i < len(words):
        word, nxt = words[i], words[i + 1] if i + 1 < len(words) else ""
        if word in ("oh", "o") and nxt in _ONE_TO_NINE and out:  # "three oh five" -> "3 05"
            out.append(f"0{_ONE_TO_NINE[nxt]}")
            i += 2
            continue
        small = _spoken_small(words, i) if word not in _ORDINAL_WORDS else None
        if small is not None and not small[0].endswith("th"):
            out.append(small[0])
            i = small[1]
            continue
        out.append("0" if word == "zero" else word)
        i += 1
    return " ".join(out)


def parse_time(text: str, now: datetime) -> tuple[str | None, list[str]] | None:
    """AMAZON.Time as Lex V2 resolves it (en_US): (interpretedValue, resolvedValues), or None when
    the words are no time (Lex re-prompts).

    A clear time is "HH:MM" (24-hour) in both; an hour that could be morning or evening ("10
    o'clock", "3:15", "half past three") has no interpretedValue (None) and both readings in
    resolvedValues ("10:00", "22:00"), as Lex documents; a part of the day is a period code
    (MO, AF, EV, NI; "am"/"pm" alone: AM, PM). "now" and "in ten minutes" are relative to `now`
    (UTC). Never raises."""
    try:
        return _time_phrase(_time_words(text), now, with_day=True)
    except (ValueError, OverflowError):
        return None


def _time_phrase(said: str, now: datetime, *, with_day: bool) -> tuple[str | None, list[str]] | None:
    if said in _PERIODS:
        return _PERIODS[said], [_PERIODS[said]]
    if said in _NOON:
        return "12:00", ["12:00"]
    if said in _MIDNIGHT:
        return "00:00", ["00:00"]
    moment = now.astimezone(UTC) if now.tzinfo is not None else now
    if said in _NOW:
        return _readings([moment.hour * 60 + moment.minute])
    if said in _HALF_HOURS:
        return _later(moment, _HALF_HOURS[said])
    if match := _FROM_NOW.fullmatch(said):
        count, unit = match["n"] or match["n2"], match["unit"] or match["unit2"]
        n = 1 if count in ("a", "an", "one") else int(count)
        return _later(moment, n * (60 if unit.startswith("h") else 1))
    if match := _MILITARY.fullmatch(said):
        hour = int(match["h"] or match["h2"])
        minute = int(match["m"] or 0)
        if hour > 23 or minute > 59:
            return None
        return _readings([hour * 60 + minute])
    if match := _CLOCK.fullmatch(said):
        minute = int(match["m"] or match["m2"] or 0)
        hours = _hours(match["h"], match["mer"], match["part"])
        if hours is None or minute > 59:
            return None
        return _readings([h * 60 + minute for h in hours])
    if match := _RELATIVE_CLOCK.fullmatch(said):
        return _relative_clock(match)
    return _time_with_day(said, now) if with_day else None


def _time_with_day(said: str, now: datetime) -> tuple[str | None, list[str]] | None:
    """ "tomorrow at 3pm", "friday 10 am", "3pm tomorrow": the time; the day is an AMAZON.Date
    slot's business. Without "at", the day is one said in words ("tomorrow", "next friday"), so
    "december 3" is no time."""
    words = said.split()
    if not 1 < len(words) <= _MAX_SPLIT_WORDS:
        return None
    for i in range(1, len(words)):
        before, after = " ".join(words[:i]), words[i:]
        if after[0] in ("at", "around", "about", "by") and len(after) > 1:
            if _parse_date(before, now, with_time=False) is not None:
                return _time_phrase(" ".join(after[1:]), now, with_day=False)
            continue
        for day, clock in ((before, " ".join(after)), (" ".join(after), before)):
            if re.search(r"\d", day) or day in _MONTHS or _parse_date(day, now, with_time=False) is None:
                continue
            found = _time_phrase(clock, now, with_day=False)
            if found is not None:
                return found
    return None


def _relative_clock(match: re.Match[str]) -> tuple[str | None, list[str]] | None:
    """ "half past three", "quarter to four", "ten past six pm", "twenty to midnight"."""
    quarter = match["q"]
    minutes = int(match["n"]) if quarter is None else 30 if quarter == "half" else 15
    before = match["dir"] not in ("past", "after")
    if not 1 <= minutes <= 59 or (quarter == "half" and before):
        return None
    named = match["h"]
    if named in ("noon", "midnight"):
        if match["mer"] is not None:
            return None
        hours = [12 if named == "noon" else 0]
    else:
        found = _hours(named, match["mer"], match["part"])
        if found is None or not 1 <= int(named) <= 12:
            return None
        hours = found
    return _readings([(h * 60 + (-minutes if before else minutes)) % 1440 for h in hours])


def _hours(said: str, meridiem: str | None, part: str | None) -> list[int] | None:
    """The hours an hour as said can be: one with am/pm or a part of the day ("in the afternoon"),
    one in 24-hour notation (0, 13-23, or written with a leading zero: "09:30"), else both the
    morning and the evening reading (1-12)."""
    hour = int(said)
    if meridiem is None and part is not None:
        if part.endswith("morning"):
            meridiem = "am"
        elif part == "at night":
            meridiem = "am" if hour == 12 or hour < 5 else "pm"
        else:
            meridiem = "pm"
        if 13 <= hour <= 23:  # "15:00 in the afternoon"
            return [hour] if meridiem == "pm" else None
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        return [hour % 12 + (12 if meridiem == "pm" else 0)]
    if hour > 23:
        return None
    if hour == 0 or hour > 12 or (len(said) == 2 and said.startswith("0")):
        return [hour]
    return sorted({hour % 12, hour % 12 + 12})


def _readings(minutes: list[int]) -> tuple[str | None, list[str]]:
    values = sorted({f"{m // 60:02d}:{m % 60:02d}" for m in minutes})
    return (values[0] if len(values) == 1 else None), values


def _later(now: datetime, minutes: int) -> tuple[str | None, list[str]] | None:
    if minutes > 10_000 * 60:
        return None
    moment = now + timedelta(minutes=minutes)
    return _readings([moment.hour * 60 + moment.minute])


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


def _token_run(words: Iterable[str], *patterns: str) -> str:
    """Tokens (the words, hyphen-joined ones, an abbreviation's dot, and `patterns`) separated by
    spaces or commas. Each text splits into tokens one way only, so a failed match backtracks
    linearly."""
    word = rf"(?:{_alternatives(words)})(?:-(?:{_alternatives(words)}))*\.?"
    token = "(?:" + "|".join([*patterns, word]) + ")"
    return rf"{token}(?:[\s,]+{token})*"


def _split(words: str) -> list[str]:
    return words.split()


_NUMBER_WORDS = [*DIGIT_WORDS, *TEEN_WORDS, *TENS_WORDS, "hundred", "thousand"]
_DATE_VOCABULARY = [
    *_MONTHS,
    *_WEEKDAYS,
    *_NUMBER_WORDS,
    *_ORDINAL_WORDS,
    *(w for phrase in (*_DAY_OFFSETS, _WHICH.replace("|", " ")) for w in phrase.split()),
    *_split("the of in a an and after before from ago back later hence time"),
    *_split("day days week weeks weekend fortnight month months year years"),
    *_split("morning afternoon evening night"),
]
_TIME_VOCABULARY = [
    *_NUMBER_WORDS,
    *_split("am pm oclock half quarter past to after before till til of minute minutes min mins"),
    *_split("hour hours hrs an a in the this at noon midday midnight morning afternoon evening"),
    *_split("night tonight now right from and"),
]
# What an utterance's {Date} / {Time} captures: date or time words, digits ("12/05/2027", "5th",
# "3:30pm", "1545"), "a.m."/"o'clock" spellings. Not "at" in a date, nor "on": "book an
# appointment on {Date} at {Time}" splits at the utterance's own words.
DATE_CAPTURE = _token_run(_DATE_VOCABULARY, r"\d{1,4}(?:[/\-.]\d{1,4}){0,2}(?:st|nd|rd|th)?")
TIME_CAPTURE = _token_run(
    _TIME_VOCABULARY,
    r"\d{1,4}(?:[:.]\d{2}){0,2}(?:[ap]\.?m\b\.?)?",
    r"[ap]\.\s?m\b\.?",
    r"o['’]?\s?clock",
)


def capture_pattern(type_name: str, locale: LocaleDefinition) -> str:
    """A regex fragment matching what a user might say for a slot of this type inside an utterance."""
    custom = locale.slot_types.get(type_name)
    base = base_type(type_name, locale)
    if base in (FIRST_NAME, LAST_NAME):
        return NAME_CAPTURE
    if base == NUMBER:
        return NUMBER_CAPTURE
    if base == DATE:
        return DATE_CAPTURE
    if base == TIME:
        return TIME_CAPTURE
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
        return "2030-12-02"  # an ISO date resolves to itself on any day, and is a Monday
    if base == TIME:
        return "3 pm"
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
