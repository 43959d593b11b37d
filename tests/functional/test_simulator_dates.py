"""AMAZON.Date and AMAZON.Time in the simulator: resolution as Lex V2 documents it (en_US),
relative to a pinned day and instant (never the wall clock), and capture inside sample utterances
("book an appointment {Date} at {Time}") down to the code-hook event's slot shape."""

from __future__ import annotations

import calendar
import copy
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dev.simulator import InvalidLambdaResponse, LexSimulator, load_definition
from bot.dev.simulator.definition import BotDefinition, LocaleDefinition
from bot.dev.simulator.nlu import recognizer_for
from bot.dev.simulator.slots import (
    DATE,
    TIME,
    capture_pattern,
    example_value,
    parse_date,
    parse_time,
    resolve_slot,
)

ROOT = Path(__file__).resolve().parents[2]
APPOINTMENTS = ROOT / "examples" / "appointments" / "template.yaml"
MONDAY = date(2024, 12, 2)  # the README's reference day
TEN_AM = datetime(2024, 12, 2, 10, 0, tzinfo=UTC)
Event = dict[str, Any]


@pytest.fixture
def definition() -> BotDefinition:
    return load_definition(APPOINTMENTS)


@pytest.fixture
def locale(definition: BotDefinition) -> LocaleDefinition:
    return definition.locale("en_US")


# --- AMAZON.Date ----------------------------------------------------------------------------------

# Relative to Monday 2 December 2024.
DATES_FROM_MONDAY = [
    ("today", "2024-12-02"),
    ("Today", "2024-12-02"),
    ("now", "2024-12-02"),
    ("right now", "2024-12-02"),
    ("tonight", "2024-12-02"),
    ("this afternoon", "2024-12-02"),
    ("tomorrow", "2024-12-03"),
    ("Tomorrow.", "2024-12-03"),
    ("yesterday", "2024-12-01"),
    ("the day after tomorrow", "2024-12-04"),
    ("the day before yesterday", "2024-11-30"),
    # offsets
    ("in three days", "2024-12-05"),
    ("in 3 days", "2024-12-05"),
    ("in 2 days' time", "2024-12-04"),
    ("3 days from now", "2024-12-05"),
    ("in a week", "2024-12-09"),
    ("in two weeks", "2024-12-16"),
    ("in a fortnight", "2024-12-16"),
    ("a week from tomorrow", "2024-12-10"),
    ("two weeks ago", "2024-11-18"),
    ("in a month", "2025-01-02"),
    ("a month ago", "2024-11-02"),
    ("in a year", "2025-12-02"),
    ("the day after monday", "2024-12-03"),
    # weekdays: on or after today; "next": strictly after; "last": strictly before
    ("monday", "2024-12-02"),
    ("this monday", "2024-12-02"),
    ("on monday", "2024-12-02"),
    ("next monday", "2024-12-09"),
    ("last monday", "2024-11-25"),
    ("friday", "2024-12-06"),
    ("this friday", "2024-12-06"),
    ("this coming friday", "2024-12-06"),
    ("fri", "2024-12-06"),
    ("next friday", "2024-12-06"),
    ("last friday", "2024-11-29"),
    ("friday after next", "2024-12-13"),
    ("the friday after next", "2024-12-13"),
    ("sunday", "2024-12-08"),
    ("monday next week", "2024-12-09"),
    ("friday of next week", "2024-12-13"),
    ("next week friday", "2024-12-13"),
    ("next week on tuesday", "2024-12-10"),
    ("wednesday this week", "2024-12-04"),
    ("monday last week", "2024-11-25"),
    # month and day: on or after today
    ("december third", "2024-12-03"),
    ("December 3", "2024-12-03"),
    ("dec 3rd", "2024-12-03"),
    ("Dec. 3rd", "2024-12-03"),
    ("3 december", "2024-12-03"),
    ("3rd of December", "2024-12-03"),
    ("the third of december", "2024-12-03"),
    ("december the third", "2024-12-03"),
    ("tuesday december third", "2024-12-03"),
    ("december second", "2024-12-02"),  # today counts
    ("december first", "2025-12-01"),  # passed: next year's
    ("march 5", "2025-03-05"),
    ("the twenty first of december", "2024-12-21"),
    ("twenty-first of december", "2024-12-21"),
    ("december thirty first", "2024-12-31"),
    ("december twenty", "2024-12-20"),
    ("february 29", "2028-02-29"),  # the next 29 February
    ("february 30", None),
    ("december 32", None),
    # with a year
    ("december 3rd 2025", "2025-12-03"),
    ("December 3, 2025", "2025-12-03"),
    ("3 december 2025", "2025-12-03"),
    ("december third twenty twenty five", "2025-12-03"),
    ("the first of january two thousand and twenty six", "2026-01-01"),
    ("december 1 2024", "2024-12-01"),  # a past day, when the year says so
    # numeric: US order
    ("12/3", "2024-12-03"),
    ("12-03", "2024-12-03"),
    ("1/15", "2025-01-15"),
    ("12/3/2025", "2025-12-03"),
    ("12/3/25", "2025-12-03"),
    ("12-03-2025", "2025-12-03"),
    ("12.03.2025", "2025-12-03"),
    ("13/1/2025", None),
    ("2/30/2025", None),
    ("0/0", None),
    # ISO
    ("2025-12-03", "2025-12-03"),
    ("2025/12/03", "2025-12-03"),
    ("2099-01-03", "2099-01-03"),
    ("2024-13-01", None),
    ("2023-02-29", None),
    # a day of the month: this month if not passed, else the next month that has it
    ("the 5th", "2024-12-05"),
    ("the fifth", "2024-12-05"),
    ("5th", "2024-12-05"),
    ("on the 5th", "2024-12-05"),
    ("the 2nd", "2024-12-02"),
    ("the 1st", "2025-01-01"),
    ("the first", "2025-01-01"),
    ("monday the 9th", "2024-12-09"),
    ("the 32nd", None),
    ("5", None),  # a bare number is no date
    # weeks: the current or a past one -> its Monday; a future one -> the last day of the
    # current week (Lex V2's documented rule and example)
    ("this week", "2024-12-02"),
    ("last week", "2024-11-25"),
    ("next week", "2024-12-08"),
    ("the coming week", "2024-12-08"),
    # weekends (undocumented by Lex): the Saturday
    ("this weekend", "2024-12-07"),
    ("the weekend", "2024-12-07"),
    ("weekend", "2024-12-07"),
    ("next weekend", "2024-12-14"),
    ("last weekend", "2024-11-30"),
    # months: a future one -> its last day; the current or a past one -> its first day
    ("this month", "2024-12-01"),
    ("next month", "2025-01-31"),
    ("last month", "2024-11-01"),
    ("december", "2024-12-01"),
    ("in december", "2024-12-01"),
    ("january", "2025-01-31"),
    ("november", "2025-11-30"),  # passed this year: next year's
    ("february 2028", "2028-02-29"),
    ("december 2025", "2025-12-31"),
    ("december of 2025", "2025-12-31"),
    ("2025-12", "2025-12-31"),
    ("november 2024", "2024-11-01"),
    ("march next year", "2025-03-31"),
    ("december twenty twenty", "2020-12-01"),
    # years: a future one -> 31 December; the current or a past one -> 1 January
    ("this year", "2024-01-01"),
    ("next year", "2025-12-31"),
    ("last year", "2023-01-01"),
    ("2025", "2025-12-31"),
    ("2024", "2024-01-01"),
    ("2023", "2023-01-01"),
    ("twenty twenty five", "2025-12-31"),
    ("in 2026", "2026-12-31"),
    # a day with a time of day: the day
    ("tomorrow at 3pm", "2024-12-03"),
    ("tomorrow at half past three", "2024-12-03"),
    ("friday morning", "2024-12-06"),
    ("tomorrow night", "2024-12-03"),
    ("tomorrow at purple", None),
    ("tomorrow 3pm", "2024-12-03"),
    ("3pm tomorrow", "2024-12-03"),
    ("half past three on friday", "2024-12-06"),
    ("noon next monday", "2024-12-09"),
    # not dates: Lex re-prompts
    ("purple elephants", None),
    ("someday", None),
    ("whenever", None),
    ("next", None),
    ("the", None),
    ("in a bit", None),
    ("the week after next", None),
    ("", None),
    ("   ", None),
]


@pytest.mark.parametrize(("said", "expected"), DATES_FROM_MONDAY)
def test_dates_resolve_as_lex_documents(said: str, expected: str | None) -> None:
    assert parse_date(said, MONDAY) == expected


# Rollovers: the end of a month, of a year, leap days, and the day of the week itself.
ROLLOVERS = [
    (date(2024, 12, 31), "tomorrow", "2025-01-01"),
    (date(2024, 12, 31), "in 3 days", "2025-01-03"),
    (date(2024, 12, 31), "the 5th", "2025-01-05"),
    (date(2024, 12, 31), "the 31st", "2024-12-31"),
    (date(2024, 12, 31), "december 30", "2025-12-30"),
    (date(2024, 12, 31), "friday", "2025-01-03"),
    (date(2024, 12, 31), "next week", "2025-01-05"),  # Tuesday: the current week ends on 5 January
    (date(2024, 12, 31), "next month", "2025-01-31"),
    (date(2024, 12, 31), "next year", "2025-12-31"),
    (date(2024, 12, 31), "december", "2024-12-01"),
    (date(2025, 1, 1), "yesterday", "2024-12-31"),
    (date(2025, 1, 1), "last month", "2024-12-01"),
    (date(2025, 1, 1), "last week", "2024-12-23"),  # a Wednesday: the previous ISO week's Monday
    (date(2024, 1, 31), "tomorrow", "2024-02-01"),
    (date(2024, 1, 31), "the 30th", "2024-03-30"),  # February has none
    (date(2024, 1, 31), "in a month", "2024-02-29"),  # the month's last day when it lacks the 31st
    (date(2024, 1, 31), "next month", "2024-02-29"),
    (date(2023, 1, 31), "next month", "2023-02-28"),
    (date(2024, 4, 10), "the 31st", "2024-05-31"),
    # leap years
    (date(2024, 2, 28), "tomorrow", "2024-02-29"),
    (date(2024, 2, 28), "february 29", "2024-02-29"),
    (date(2024, 2, 28), "the 29th", "2024-02-29"),
    (date(2024, 2, 28), "2/29", "2024-02-29"),
    (date(2024, 2, 29), "today", "2024-02-29"),
    (date(2024, 2, 29), "in a year", "2025-02-28"),
    (date(2024, 2, 29), "a year ago", "2023-02-28"),
    (date(2024, 2, 29), "in 4 years", "2028-02-29"),
    (date(2025, 2, 28), "tomorrow", "2025-03-01"),
    (date(2025, 2, 28), "february 29", "2028-02-29"),
    (date(2025, 2, 28), "2/29/2025", None),
    (date(2025, 2, 28), "2/29/2028", "2028-02-29"),
    (date(2025, 2, 10), "the 29th", "2025-03-29"),
    (date(2097, 3, 1), "february 29", "2104-02-29"),  # 2100 is no leap year
    # the weekday itself, and Sunday (the last day of an ISO week)
    (date(2024, 12, 6), "friday", "2024-12-06"),
    (date(2024, 12, 6), "this friday", "2024-12-06"),
    (date(2024, 12, 6), "next friday", "2024-12-13"),
    (date(2024, 12, 6), "last friday", "2024-11-29"),
    (date(2024, 12, 6), "next monday", "2024-12-09"),
    (date(2024, 12, 8), "next week", "2024-12-08"),
    (date(2024, 12, 8), "this week", "2024-12-02"),
    (date(2024, 12, 8), "this weekend", "2024-12-07"),
    (date(2024, 12, 8), "monday", "2024-12-09"),
    # the documentation's own examples (today 2020-11-25)
    (date(2020, 11, 25), "november twenty-fifth", "2020-11-25"),
    (date(2020, 11, 25), "next week", "2020-11-29"),
    (date(2020, 11, 25), "last week", "2020-11-16"),
    (date(2020, 11, 25), "next month", "2020-12-31"),
    (date(2020, 11, 25), "this month", "2020-11-01"),
    (date(2020, 11, 25), "next year", "2021-12-31"),
    (date(2020, 11, 25), "last year", "2019-01-01"),
]


@pytest.mark.parametrize(("today", "said", "expected"), ROLLOVERS)
def test_dates_roll_over_months_years_and_leap_days(today: date, said: str, expected: str | None) -> None:
    assert parse_date(said, today) == expected


def test_the_day_is_the_utc_day_of_the_instant() -> None:
    late = datetime(2024, 12, 2, 23, 30, tzinfo=UTC)
    assert parse_date("tomorrow", late) == "2024-12-03"
    # 01:00 on the 3rd at UTC+5 is still the 2nd in UTC
    east = datetime(2024, 12, 3, 1, 0, tzinfo=timezone(timedelta(hours=5)))
    assert parse_date("today", east) == "2024-12-02"
    assert parse_date("today", datetime(2024, 12, 2, 23, 59)) == "2024-12-02"  # naive: taken as UTC


# --- AMAZON.Time ----------------------------------------------------------------------------------

Reading = tuple[str | None, list[str]]


def clear(value: str) -> Reading:
    return value, [value]


def ambiguous(*values: str) -> Reading:
    return None, list(values)


# Relative to 10:00 UTC.
TIMES_FROM_TEN = [
    ("3pm", clear("15:00")),
    ("3 pm", clear("15:00")),
    ("3 PM", clear("15:00")),
    ("3 p.m.", clear("15:00")),
    ("3:00 pm", clear("15:00")),
    ("3:30pm", clear("15:30")),
    ("three pm", clear("15:00")),
    ("three thirty pm", clear("15:30")),
    ("10 am", clear("10:00")),
    ("10 a.m.", clear("10:00")),
    ("10 in the morning", clear("10:00")),
    ("3 in the afternoon", clear("15:00")),
    ("7 in the evening", clear("19:00")),
    ("8 at night", clear("20:00")),
    ("8 tonight", clear("20:00")),
    ("12 at night", clear("00:00")),
    ("7 o'clock pm", clear("19:00")),
    ("12 pm", clear("12:00")),
    ("12 am", clear("00:00")),
    ("quarter past eleven pm", clear("23:15")),
    ("ten past six pm", clear("18:10")),
    ("quarter to one pm", clear("12:45")),
    # 24-hour notation
    ("15:45", clear("15:45")),
    ("15:45:30", clear("15:45")),
    ("1545", clear("15:45")),
    ("0930", clear("09:30")),
    ("09:30", clear("09:30")),  # a leading zero: 24-hour
    ("0:30", clear("00:30")),
    ("00:00", clear("00:00")),
    ("23:59", clear("23:59")),
    ("fifteen hundred", clear("15:00")),
    ("fifteen hundred hours", clear("15:00")),
    # named times
    ("noon", clear("12:00")),
    ("12 noon", clear("12:00")),
    ("twelve noon", clear("12:00")),
    ("midday", clear("12:00")),
    ("midnight", clear("00:00")),
    ("twenty to midnight", clear("23:40")),
    ("quarter past noon", clear("12:15")),
    # ambiguous: no interpretedValue, both readings (Lex's documented "10 o'clock" example)
    ("10 o'clock", ambiguous("10:00", "22:00")),
    ("ten o'clock", ambiguous("10:00", "22:00")),
    ("10", ambiguous("10:00", "22:00")),
    ("10:30", ambiguous("10:30", "22:30")),
    ("3:15", ambiguous("03:15", "15:15")),
    ("three thirty", ambiguous("03:30", "15:30")),
    ("eleven fifteen", ambiguous("11:15", "23:15")),
    ("three oh five", ambiguous("03:05", "15:05")),
    ("half past three", ambiguous("03:30", "15:30")),
    ("quarter to four", ambiguous("03:45", "15:45")),
    ("quarter past eleven", ambiguous("11:15", "23:15")),
    ("a quarter past 3", ambiguous("03:15", "15:15")),
    ("five after six", ambiguous("06:05", "18:05")),
    ("twenty five to seven", ambiguous("06:35", "18:35")),
    ("quarter to one", ambiguous("00:45", "12:45")),
    ("ten to twelve", ambiguous("11:50", "23:50")),
    ("12:30", ambiguous("00:30", "12:30")),
    ("at half past three", ambiguous("03:30", "15:30")),
    ("around 10", ambiguous("10:00", "22:00")),
    # parts of the day
    ("morning", clear("MO")),
    ("in the morning", clear("MO")),
    ("this morning", clear("MO")),
    ("afternoon", clear("AF")),
    ("in the afternoon", clear("AF")),
    ("evening", clear("EV")),
    ("this evening", clear("EV")),
    ("night", clear("NI")),
    ("at night", clear("NI")),
    ("tonight", clear("NI")),
    ("am", clear("AM")),
    ("pm", clear("PM")),
    # relative to now
    ("now", clear("10:00")),
    ("right now", clear("10:00")),
    ("in ten minutes", clear("10:10")),
    ("in 10 minutes", clear("10:10")),
    ("10 minutes from now", clear("10:10")),
    ("in an hour", clear("11:00")),
    ("in 2 hours", clear("12:00")),
    ("in half an hour", clear("10:30")),
    ("in an hour and a half", clear("11:30")),
    # with a day: the time (the day is a Date slot's business)
    ("tomorrow at 3pm", clear("15:00")),
    ("3pm tomorrow", clear("15:00")),
    ("3pm on friday", clear("15:00")),
    ("friday 10 am", clear("10:00")),
    ("next friday at half past three", ambiguous("03:30", "15:30")),
    ("december third at noon", clear("12:00")),
    ("monday morning", clear("MO")),
    ("december 3", None),  # a day without a time
    ("tomorrow", None),
    # not times
    ("25:00", None),
    ("24:00", None),
    ("10:60", None),
    ("15 pm", None),
    ("0 am", None),
    ("half to four", None),
    ("whenever suits you", None),
    ("purple", None),
    ("", None),
]


@pytest.mark.parametrize(("said", "expected"), TIMES_FROM_TEN)
def test_times_resolve_as_lex_documents(said: str, expected: Reading | None) -> None:
    assert parse_time(said, TEN_AM) == expected


def test_relative_times_roll_over_midnight_and_use_utc() -> None:
    late = datetime(2024, 12, 2, 23, 55, tzinfo=UTC)
    assert parse_time("in ten minutes", late) == clear("00:05")
    assert parse_time("in 2 hours", late) == clear("01:55")
    east = datetime(2024, 12, 3, 1, 0, tzinfo=timezone(timedelta(hours=5)))  # 20:00 UTC
    assert parse_time("now", east) == clear("20:00")


# --- the slot shape -----------------------------------------------------------------------------


def test_slot_shapes(locale: LocaleDefinition) -> None:
    assert resolve_slot("Tomorrow", DATE, locale, today=TEN_AM) == {
        "shape": "Scalar",
        "value": {
            "originalValue": "Tomorrow",
            "interpretedValue": "2024-12-03",
            "resolvedValues": ["2024-12-03"],
        },
    }
    assert resolve_slot("3pm", TIME, locale, today=TEN_AM) == {
        "shape": "Scalar",
        "value": {"originalValue": "3pm", "interpretedValue": "15:00", "resolvedValues": ["15:00"]},
    }
    # Lex's documented shape of an ambiguous time: interpretedValue null, both readings
    assert resolve_slot("10 o'clock", TIME, locale, today=TEN_AM) == {
        "shape": "Scalar",
        "value": {
            "originalValue": "10 o'clock",
            "interpretedValue": None,
            "resolvedValues": ["10:00", "22:00"],
        },
    }
    assert resolve_slot("morning", TIME, locale, today=TEN_AM) == {
        "shape": "Scalar",
        "value": {"originalValue": "morning", "interpretedValue": "MO", "resolvedValues": ["MO"]},
    }
    assert resolve_slot("purple elephants", DATE, locale, today=TEN_AM) is None
    assert resolve_slot("whenever suits you", TIME, locale, today=TEN_AM) is None


def test_a_plain_date_stands_for_noon_utc(locale: LocaleDefinition) -> None:
    now = resolve_slot("now", TIME, locale, today=MONDAY)
    assert now is not None
    assert now["value"]["interpretedValue"] == "12:00"
    day = resolve_slot("tomorrow", DATE, locale, today=MONDAY)
    assert day is not None
    assert day["value"]["interpretedValue"] == "2024-12-03"


def test_without_a_day_the_utc_clock_is_used(locale: LocaleDefinition) -> None:
    before = datetime.now(UTC).date()
    slot = resolve_slot("today", DATE, locale)
    after = datetime.now(UTC).date()
    assert slot is not None
    assert slot["value"]["interpretedValue"] in (before.isoformat(), after.isoformat())


def test_example_values_resolve_on_any_day(locale: LocaleDefinition) -> None:
    for today in (MONDAY, date(2031, 6, 15), date(2100, 2, 28)):
        assert resolve_slot(example_value(DATE, locale), DATE, locale, today=today) is not None
        time_slot = resolve_slot(example_value(TIME, locale), TIME, locale, today=today)
        assert time_slot is not None
        assert time_slot["value"]["interpretedValue"] is not None  # a clear time


def test_every_sample_utterance_resolves_its_date_and_time_with_example_values(
    locale: LocaleDefinition,
) -> None:
    recognizer = recognizer_for(locale)
    intent = locale.intents["BookAppointment"]
    values = {name: example_value(slot.type_name, locale) for name, slot in intent.slots.items()}
    for utterance in intent.sample_utterances:
        text = utterance
        for name, said in values.items():
            text = text.replace("{" + name + "}", said)
        top = recognizer.interpretations(text, today=TEN_AM)[0]
        assert top.intent == "BookAppointment", text
        for name in intent.slots:
            if "{" + name + "}" in utterance:
                assert top.slots[name] is not None, (text, name)


# --- capture inside utterances, through the simulator -------------------------------------------


class Recorder:
    """A code hook that records the events and delegates. Like a real bot it must settle an
    ambiguous time before answering (Lex refuses a slot without interpretedValue): it takes the
    reading between 9:00 and 17:00, else the first."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event, context: Any) -> Any:
        self.events.append(copy.deepcopy(event))
        state = event["sessionState"]
        intent = state["intent"]
        for slot in (intent.get("slots") or {}).values():
            value = (slot or {}).get("value") or {}
            if value and value.get("interpretedValue") is None and value.get("resolvedValues"):
                readings = value["resolvedValues"]
                value["interpretedValue"] = next(
                    (r for r in readings if "09:00" <= r <= "17:00"), readings[0]
                )
        if event["invocationSource"] == "FulfillmentCodeHook":
            return {
                "sessionState": {
                    "sessionAttributes": state["sessionAttributes"],
                    "dialogAction": {"type": "Close"},
                    "intent": {**intent, "state": "Fulfilled"},
                },
                "messages": [{"contentType": "PlainText", "content": "booked"}],
            }
        return {
            "sessionState": {
                "sessionAttributes": state["sessionAttributes"],
                "dialogAction": {"type": "Delegate"},
                "intent": intent,
            }
        }

    def slot(self, name: str, index: int = -1) -> Any:
        return self.events[index]["sessionState"]["intent"]["slots"][name]


def pinned(instant: datetime) -> Callable[[], float]:
    return instant.timestamp


@pytest.fixture
def hook() -> Recorder:
    return Recorder()


@pytest.fixture
def sim(definition: BotDefinition, hook: Recorder) -> LexSimulator:
    return LexSimulator(definition, hook, clock=pinned(TEN_AM))


def scalar(original: str, *resolved: str) -> dict[str, Any]:
    """The slot as Lex sends it: one resolved value is the interpretedValue; two (an ambiguous
    time) leave it null."""
    return {
        "shape": "Scalar",
        "value": {
            "originalValue": original,
            "interpretedValue": resolved[0] if len(resolved) == 1 else None,
            "resolvedValues": list(resolved),
        },
    }


def test_both_slots_fill_from_the_first_utterance(sim: LexSimulator, hook: Recorder) -> None:
    result = sim.say("book an appointment tomorrow at 3pm")
    assert result.nlu_intent == "BookAppointment"
    assert result.dialog_action == "ConfirmIntent"  # nothing left to elicit: the template's confirmation
    assert result.messages == ["Shall I book 2024-12-03 at 15:00?"]
    assert hook.slot("Date") == scalar("tomorrow", "2024-12-03")
    assert hook.slot("Time") == scalar("3pm", "15:00")
    resolved = hook.events[-1]["transcriptions"][0]["resolvedSlots"]
    assert resolved["Date"] == {
        "shape": "Scalar",
        "value": {"originalValue": "tomorrow", "resolvedValues": ["2024-12-03"]},
    }
    assert resolved["Time"]["value"]["resolvedValues"] == ["15:00"]


@pytest.mark.parametrize(
    ("said", "date_slot", "time_slot"),
    [
        (
            "book an appointment next friday at half past three",
            ("next friday", "2024-12-06"),
            ("half past three", None, "03:30", "15:30"),
        ),
        (
            "book an appointment on december third at 10 am",
            ("december third", "2024-12-03"),
            ("10 am", "10:00"),
        ),
        (
            "I'd like an appointment the 5th at quarter to four pm",
            ("the 5th", "2024-12-05"),
            ("quarter to four pm", "15:45"),
        ),
        ("can I come in in three days at noon", ("in three days", "2024-12-05"), ("noon", "12:00")),
        ("book an appointment 12/20/2024 at 15:45", ("12/20/2024", "2024-12-20"), ("15:45", "15:45")),
        (
            "Book an appointment Monday next week at 9:30 a.m.",
            ("Monday next week", "2024-12-09"),
            ("9:30 a.m.", "09:30"),
        ),
        ("book an appointment for the twenty first", ("the twenty first", "2024-12-21"), None),
        ("book an appointment at 10 o'clock", None, ("10 o'clock", None, "10:00", "22:00")),
    ],
)
def test_dates_and_times_are_captured_inside_utterances(
    sim: LexSimulator,
    hook: Recorder,
    said: str,
    date_slot: tuple[str, str] | None,
    time_slot: tuple[str, ...] | None,
) -> None:
    result = sim.say(said)
    assert result.nlu_intent == "BookAppointment", said
    event_slots = hook.events[0]["sessionState"]["intent"]["slots"]
    if date_slot is None:
        assert event_slots["Date"] is None
        assert result.slot_to_elicit == "Date"
    else:
        assert event_slots["Date"] == scalar(date_slot[0], date_slot[1])
    if time_slot is None:
        assert event_slots["Time"] is None
        assert result.slot_to_elicit == "Time"
    elif len(time_slot) == 2:
        assert event_slots["Time"] == scalar(time_slot[0], time_slot[1])
    else:
        assert event_slots["Time"] == scalar(time_slot[0], *time_slot[2:])


def test_elicited_dates_and_times_use_the_slot_utterances(sim: LexSimulator, hook: Recorder) -> None:
    assert sim.say("I'd like to book an appointment").slot_to_elicit == "Date"
    result = sim.say("how about monday next week")
    assert result.slot_to_elicit == "Time"
    assert hook.slot("Date") == scalar("monday next week", "2024-12-09")
    result = sim.say("around 3 pm")
    assert result.dialog_action == "ConfirmIntent"
    assert hook.slot("Time") == scalar("3 pm", "15:00")


def test_a_time_answered_with_its_day_fills_the_time(sim: LexSimulator, hook: Recorder) -> None:
    sim.say("book an appointment on friday")
    result = sim.say("friday at 10 am")
    assert result.dialog_action == "ConfirmIntent"
    assert hook.slot("Time") == scalar("friday at 10 am", "10:00")
    assert hook.slot("Date") == scalar("friday", "2024-12-06")


def test_an_unresolvable_answer_is_reprompted_by_lex(sim: LexSimulator, hook: Recorder) -> None:
    sim.say("book an appointment")
    calls = len(hook.events)
    result = sim.say("purple elephants")
    assert result.slot_to_elicit == "Date"
    assert result.messages == ["Which day would you like to come in? We're open Monday to Friday."]
    assert len(hook.events) == calls  # Lex re-prompts without the code hook
    sim.say("tomorrow")
    result = sim.say("whenever suits you")
    assert result.slot_to_elicit == "Time"
    assert result.messages == ["And at what time? We're open from 9:00 to 17:00."]


def test_an_ambiguous_time_echoed_back_unsettled_is_refused(definition: BotDefinition) -> None:
    """A code hook that returns the ambiguous slot as it came (interpretedValue null) gives a
    response Lex's shapes refuse: Value.interpretedValue is required (botocore's lexv2-runtime)."""

    def echo(event: Event, context: Any) -> Any:
        state = event["sessionState"]
        return {
            "sessionState": {
                "sessionAttributes": state["sessionAttributes"],
                "dialogAction": {"type": "Delegate"},
                "intent": state["intent"],
            }
        }

    sim = LexSimulator(definition, echo, clock=pinned(TEN_AM))
    with pytest.raises(InvalidLambdaResponse, match="interpretedValue"):
        sim.say("book an appointment at 10 o'clock")


def test_now_and_relative_times_follow_the_simulators_clock(
    definition: BotDefinition, hook: Recorder
) -> None:
    sim = LexSimulator(definition, hook, clock=pinned(datetime(2024, 12, 2, 14, 50, tzinfo=UTC)))
    sim.say("book an appointment tomorrow")
    sim.say("in ten minutes")
    assert hook.slot("Time") == scalar("in ten minutes", "15:00")


@pytest.fixture
def far_east_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's local time zone at UTC+14 (POSIX TZ syntax: no tz database needed)."""
    monkeypatch.setenv("TZ", "KIRI-14")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("far_east_local_time")
def test_today_is_the_utc_day_whatever_the_machines_time_zone(
    definition: BotDefinition, hook: Recorder
) -> None:
    assert (
        datetime.fromtimestamp(datetime(2024, 12, 2, 12, 0, tzinfo=UTC).timestamp()).day == 3
    )  # local: the 3rd
    sim = LexSimulator(definition, hook, clock=pinned(datetime(2024, 12, 2, 12, 0, tzinfo=UTC)))
    sim.say("book an appointment tomorrow")
    assert hook.slot("Date") == scalar("tomorrow", "2024-12-03")  # the bot's turn.today + 1
    sim.say("now")
    assert hook.slot("Time") == scalar("now", "12:00")


def test_capture_patterns_are_shaped(locale: LocaleDefinition) -> None:
    date_capture = re.compile(capture_pattern(DATE, locale), re.IGNORECASE)
    time_capture = re.compile(capture_pattern(TIME, locale), re.IGNORECASE)
    for said in ("next friday", "December 3rd, 2025", "12/05/2027", "the twenty-first", "in three days"):
        assert date_capture.fullmatch(said), said
    for said in ("3pm", "3:30 p.m.", "half past three", "10 o'clock", "quarter to four", "noon", "1545"):
        assert time_capture.fullmatch(said), said
    assert not date_capture.fullmatch("tomorrow at 3pm")  # "at" belongs to the utterance
    assert not time_capture.fullmatch("purple elephants")


# --- properties -----------------------------------------------------------------------------------

_ORDINALS = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth", "twentieth",
]  # fmt: skip
_ORDINALS += [f"twenty {o}" for o in _ORDINALS[:9]] + ["thirtieth", "thirty first"]
_MONTH_NAMES = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
]  # fmt: skip

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))


@given(today=days, offset=st.integers(min_value=-731, max_value=731))
def test_an_iso_date_within_two_years_resolves_to_itself(today: date, offset: int) -> None:
    day = today + timedelta(days=offset)
    assert parse_date(day.isoformat(), today) == day.isoformat()
    assert parse_date(f"{day.month}/{day.day}/{day.year}", today) == day.isoformat()
    assert parse_date(f"{_MONTH_NAMES[day.month - 1]} {day.day}, {day.year}", today) == day.isoformat()
    said = f"the {_ORDINALS[day.day - 1]} of {_MONTH_NAMES[day.month - 1]} {day.year}"
    assert parse_date(said, today) == day.isoformat()


@given(today=days, weekday=st.integers(min_value=0, max_value=6))
def test_weekdays_land_where_the_rules_say(today: date, weekday: int) -> None:
    name = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][weekday]

    def resolved(said: str) -> date:
        found = parse_date(said, today)
        assert found is not None, said
        day = date.fromisoformat(found)
        assert day.weekday() == weekday, said
        return day

    assert 0 <= (resolved(name) - today).days <= 6
    assert 1 <= (resolved(f"next {name}") - today).days <= 7
    assert 1 <= (today - resolved(f"last {name}")).days <= 7
    assert (resolved(f"{name} after next") - resolved(f"next {name}")).days == 7


@given(today=days, n=st.integers(min_value=0, max_value=400))
def test_day_offsets_add_up(today: date, n: int) -> None:
    assert parse_date(f"in {n} days", today) == (today + timedelta(days=n)).isoformat()
    assert parse_date(f"{n} days ago", today) == (today - timedelta(days=n)).isoformat()


@given(today=days, month=st.integers(min_value=1, max_value=12), day=st.integers(min_value=1, max_value=31))
def test_a_month_and_day_is_on_or_after_today(today: date, month: int, day: int) -> None:
    found = parse_date(f"{_MONTH_NAMES[month - 1]} {day}", today)
    if found is None:
        assert day > calendar.monthrange(2024, month)[1]  # no such day in any year
        return
    resolved = date.fromisoformat(found)
    assert (resolved.month, resolved.day) == (month, day)
    assert 0 <= (resolved - today).days <= (366 if (month, day) != (2, 29) else 366 * 8)


@given(hour=st.integers(min_value=0, max_value=23), minute=st.integers(min_value=0, max_value=59))
def test_clock_times_resolve_to_their_readings(hour: int, minute: int) -> None:
    clock = f"{hour:02d}:{minute:02d}"
    if hour < 10 or hour > 12:  # a leading zero, 0 or 13-23: 24-hour notation
        assert parse_time(clock, TEN_AM) == clear(clock)
    else:  # 10:00-12:59 as typed could be either
        assert parse_time(clock, TEN_AM) == ambiguous(
            *sorted({clock, f"{(hour + 12) % 24:02d}:{minute:02d}"})
        )
    twelve = hour % 12 or 12
    meridiem = "am" if hour < 12 else "pm"
    assert parse_time(f"{twelve}:{minute:02d} {meridiem}", TEN_AM) == clear(clock)
    readings = parse_time(f"{twelve}:{minute:02d}", TEN_AM)
    assert readings is not None
    assert readings[0] is None
    assert clock in readings[1]
    assert len(readings[1]) == 2


@settings(max_examples=300)
@given(text=st.text(max_size=80), instant=st.datetimes(timezones=st.just(UTC)))
def test_resolution_never_raises(text: str, instant: datetime) -> None:
    found = parse_date(text, instant)
    assert found is None or date.fromisoformat(found)
    reading = parse_time(text, instant)
    assert reading is None or isinstance(reading[1], list)


_PIECES = st.sampled_from(
    [
        "next", "last", "this", "the", "of", "in", "a", "at", "friday", "december", "may", "week",
        "weekend", "month", "year", "days", "ago", "from", "after", "before", "tomorrow", "twenty",
        "first", "thirty", "one", "2024", "12/05", "5th", "31", "0", "99999999", "9999", "half",
        "quarter", "past", "to", "pm", "am", "o'clock", "noon", "3:30", "25:00", "morning", "night",
    ]
)  # fmt: skip


@settings(max_examples=300)
@given(words=st.lists(_PIECES, max_size=8), instant=st.datetimes(timezones=st.just(UTC)))
def test_date_like_word_salad_never_raises(words: list[str], instant: datetime) -> None:
    text = " ".join(words)
    parse_date(text, instant)
    parse_time(text, instant)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=60))
def test_recognition_never_raises_on_arbitrary_text(text: str) -> None:
    locale = load_definition(APPOINTMENTS).locale("en_US")
    recognizer_for(locale).interpretations(text, today=TEN_AM)
