"""The clinic's rules, as plain validators: `validate_date` and `validate_time` return
`Valid(value)` or `Invalid(reason)`; they never look at the clock (the caller passes today/now).

    validate_date("2024-12-03", today=date(2024, 12, 2))        -> Valid(date(2024, 12, 3))
    validate_time("3pm", day=date(2024, 12, 3), now=...)        -> Valid(time(15, 0))

Lex sends AMAZON.Date as an ISO date ("2024-12-03"), a month ("2024-12"), a week ("2024-W49")
or a weekend ("2024-W49-WE"), and AMAZON.Time as "15:00", a period ("MO", "AF", "EV", "NI"), or,
when the time is ambiguous ("10 o'clock"), no interpreted value: the words as said plus both
readings in resolvedValues. The words as said are understood too ("3 pm", "10:30", "noon"), so
the bot works with any front end that passes them through.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from appointments import messages as say
from bot.validation.result import Invalid, Valid, Validation
from bot.validation.spoken import DIGIT_WORDS, TEEN_WORDS, TENS_WORDS

OPENS = dt.time(9, 0)
CLOSES = dt.time(17, 0)
STEP_MINUTES = 15  # appointments start on the hour, or at quarter past, half past, quarter to
LAST_START = dt.time(16, 45)  # a 15-minute appointment ends by closing time
OPEN_DAYS = frozenset(range(5))  # Monday (0) to Friday (4)
BOOKING_HORIZON_DAYS = 90
HOLIDAYS = {(1, 1): "New Year's Day", (12, 25): "Christmas Day", (12, 26): "Boxing Day"}

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NOT_A_DAY = re.compile(r"\d{4}(?:-\d{2}|-W\d{2}(?:-WE)?|)", re.IGNORECASE)  # a month, week or year
_WEEKEND = re.compile(r"\d{4}-W\d{2}-WE", re.IGNORECASE)
_CLOCK = re.compile(r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?(?::\d{2})?\s*(?P<meridiem>am|pm)?")
_PERIODS = {
    "mo": "morning",
    "morning": "morning",
    "this morning": "morning",
    "af": "afternoon",
    "afternoon": "afternoon",
    "this afternoon": "afternoon",
    "ev": "evening",
    "evening": "evening",
    "this evening": "evening",
    "ni": "evening",
    "night": "evening",
    "tonight": "evening",
}
_NOON = frozenset({"noon", "midday", "12 noon", "twelve noon"})
_UNIT_WORDS = {word: int(digit) for word, digit in DIGIT_WORDS.items() if digit != "0"}
_HOUR_WORDS = _UNIT_WORDS | {word: n for word, n in TEEN_WORDS.items() if n <= 12}
_SPOKEN = re.compile(r"(?P<body>[a-z][a-z \-]*?)(?:\s+(?P<meridiem>am|pm))?")


# --- the day ----------------------------------------------------------------------------------


def validate_date(raw: str, *, today: dt.date) -> Validation[dt.date]:
    """A day the clinic can book: today or later, Monday to Friday, not a holiday, within the horizon."""
    text = raw.strip()
    if _WEEKEND.fullmatch(text):
        return Invalid(say.DATE_WEEKEND)
    if _NOT_A_DAY.fullmatch(text):
        return Invalid(say.DATE_NOT_A_DAY)
    day = _iso_date(text)
    if day is None:
        return Invalid(say.DATE_UNCLEAR)
    if day < today:
        return Invalid(say.DATE_PAST)
    if day.weekday() not in OPEN_DAYS:
        return Invalid(say.DATE_WEEKEND)
    holiday = HOLIDAYS.get((day.month, day.day))
    if holiday is not None:
        return Invalid(say.DATE_CLOSED.format(holiday=holiday))
    latest = last_bookable_day(today)
    if day > latest:
        return Invalid(say.DATE_TOO_FAR.format(days=BOOKING_HORIZON_DAYS, latest=spoken_date(latest, today)))
    return Valid(day)


def last_bookable_day(today: dt.date) -> dt.date:
    """The latest open day within the booking horizon."""
    day = today + dt.timedelta(days=BOOKING_HORIZON_DAYS)
    while day.weekday() not in OPEN_DAYS or (day.month, day.day) in HOLIDAYS:
        day -= dt.timedelta(days=1)
    return day


def _iso_date(text: str) -> dt.date | None:
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


# --- the time ---------------------------------------------------------------------------------


def validate_time(
    raw: str,
    *,
    day: dt.date | None,
    now: dt.datetime,
    resolved: Sequence[str] = (),
) -> Validation[dt.time]:
    """A start time within opening hours on a 15-minute boundary, later than now if `day` is today.

    `resolved` are Lex's readings of an ambiguous time ("10:00", "22:00"): used when the words
    themselves are not a time this function understands.
    """
    text = " ".join(raw.strip().lower().replace("a.m.", "am").replace("p.m.", "pm").split())
    text = re.sub(r"\s*o['’]?\s*clock$", "", text)
    period = _PERIODS.get(text.removeprefix("in the "))
    if period is not None:
        return Invalid(say.TIME_VAGUE.format(period=say.PERIODS[period]))
    candidates = _readings(_spoken_clock(text) or text)
    if not candidates:
        candidates = [t for value in resolved if (t := _explicit(value)) is not None]
    if not candidates:
        return Invalid(say.TIME_UNCLEAR)
    opening = [t for t in candidates if OPENS <= t <= LAST_START]
    if not opening:
        return Invalid(
            say.TIME_CLOSED.format(
                opens=spoken_time(OPENS), closes=spoken_time(CLOSES), last=spoken_time(LAST_START)
            )
        )
    chosen = opening[0]
    if chosen.minute % STEP_MINUTES:
        before = chosen.replace(minute=chosen.minute - chosen.minute % STEP_MINUTES)
        after = _plus_minutes(before, STEP_MINUTES)  # at most LAST_START: `chosen` is before it
        return Invalid(say.TIME_NOT_ON_QUARTER.format(before=spoken_time(before), after=spoken_time(after)))
    if day is not None and day == now.date() and chosen <= now.time():
        return Invalid(say.TIME_PASSED)
    return Valid(chosen)


def _readings(text: str) -> list[dt.time]:
    """What the words may mean: one time, or two for an hour without am/pm ("3" -> 03:00, 15:00)."""
    if text in _NOON:
        return [dt.time(12, 0)]
    match = _CLOCK.fullmatch(text)
    if match is None:
        return []
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    meridiem = match["meridiem"]
    if minute > 59:
        return []
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return []
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
        return [dt.time(hour, minute)]
    if hour > 23:
        return []
    if 1 <= hour <= 11 and not match["hour"].startswith("0"):  # "3" or "3:30": morning or afternoon
        return [dt.time(hour, minute), dt.time(hour + 12, minute)]
    return [dt.time(hour, minute)]


def _spoken_clock(text: str) -> str | None:
    """Words as digits: "half past three" -> "3:30", "quarter to four pm" -> "3:45 pm",
    "eleven fifteen" -> "11:15" (None: not a time in words)."""
    match = _SPOKEN.fullmatch(text)
    if match is None:
        return None
    words = match["body"].replace("-", " ").split()
    meridiem = f" {match['meridiem']}" if match["meridiem"] else ""
    if len(words) == 3 and words[1] in ("past", "to") and words[2] in _HOUR_WORDS:
        minutes = {"half": 30, "quarter": 15}.get(words[0])
        if minutes is None or (words[0], words[1]) == ("half", "to"):
            return None
        hour = _HOUR_WORDS[words[2]]
        if words[1] == "to":
            hour, minutes = (hour - 2) % 12 + 1, 60 - minutes  # quarter to one: 12:45
        return f"{hour}:{minutes:02d}{meridiem}"
    if words and words[0] in _HOUR_WORDS:
        minutes = _minute_words(words[1:])
        return None if minutes is None else f"{_HOUR_WORDS[words[0]]}:{minutes:02d}{meridiem}"
    return None


def _minute_words(words: list[str]) -> int | None:
    """ "" -> 0, "oh five" -> 5, "fifteen" -> 15, "forty five" -> 45."""
    if not words:
        return 0
    if len(words) == 2 and words[0] in ("oh", "o") and words[1] in _UNIT_WORDS:
        return _UNIT_WORDS[words[1]]
    if len(words) == 1 and words[0] in TEEN_WORDS:
        return TEEN_WORDS[words[0]]
    tens = TENS_WORDS.get(words[0])
    if tens is None or tens > 50 or len(words) > 2:
        return None
    if len(words) == 1:
        return tens
    unit = _UNIT_WORDS.get(words[1])
    return None if unit is None else tens + unit


def _explicit(value: str) -> dt.time | None:
    match = re.fullmatch(r"(\d{2}):(\d{2})", value.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return dt.time(int(match[1]), int(match[2]))


def _plus_minutes(value: dt.time, minutes: int) -> dt.time:
    moved = dt.datetime.combine(dt.date.min, value) + dt.timedelta(minutes=minutes)
    return moved.time()


# --- how the bot says days and times ------------------------------------------------------------


def clock(value: dt.time) -> str:
    """The time as Lex's AMAZON.Time value: "09:00", "15:00"."""
    return f"{value.hour:02d}:{value.minute:02d}"


def spoken_time(value: dt.time) -> str:
    """The time as the bot says it: "9:00", "15:00"."""
    return f"{value.hour}:{value.minute:02d}"


def spoken_date(day: dt.date, today: dt.date) -> str:
    """ "Tuesday 3 December" (with the year when it is not this year's)."""
    text = f"{day:%A} {day.day} {day:%B}"
    return text if day.year == today.year else f"{text} {day.year}"


def spoken_when(day: dt.date, start: dt.time, today: dt.date) -> str:
    """ "Tuesday 3 December at 15:00" """
    return f"{spoken_date(day, today)} at {spoken_time(start)}"
