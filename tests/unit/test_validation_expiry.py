"""validate_expiration_date: typed, spoken and AMAZON.Date forms, with an injected today."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.validation import Expiry, Invalid, Valid
from bot.validation.expiry import validate_expiration_date

TODAY = datetime.date(2025, 6, 15)
FAST = settings(max_examples=200, deadline=None)
MONTHS = ["January", "February", "March", "April", "May", "June", "July"]
MONTHS += ["August", "September", "October", "November", "December"]
UNDER_20 = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
UNDER_20 += [
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
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spoken(n):
    """0 < n < 100 in words."""
    if n < 20:
        return UNDER_20[n]
    return f"{TENS[n // 10]} {UNDER_20[n % 10]}".strip()


def check(text, today=TODAY):
    return validate_expiration_date(text, today=today)


def reason(result):
    assert isinstance(result, Invalid), result
    return result.reason


@pytest.mark.parametrize(
    "text",
    [
        "12/27",
        "12/2027",
        "1227",
        "122027",
        "12 27",
        "12-27",
        "12.27",
        "12 / 27",
        "  12/27  ",
        "12 /2027",
        "December 2027",
        "december 2027",
        "DECEMBER 27",
        "Dec 27",
        "dec. 2027",
        "Dec '27",
        "Dec, 2027",
        "December of 2027",
        "2027-12",
        "2027/12",
        "2027-12-01",
        "2027-12-31",
        "twelve twenty seven",
        "Twelve twenty twenty seven",
        "december twenty seven",
        "december twenty twenty seven",
        "december two thousand twenty seven",
        "december two thousand and twenty seven",
        "one two two seven",
        "1 2 2 7",
    ],
)
def test_accepted_formats(text):
    assert check(text) == Valid(Expiry(12, 2027))


@pytest.mark.parametrize(
    ("text", "month", "year"),
    [
        ("1/27", 1, 2027),
        ("01/27", 1, 2027),
        ("127", 1, 2027),
        ("12027", 1, 2027),
        ("oh one twenty seven", 1, 2027),
        ("zero one two seven", 1, 2027),
        ("sept 30", 9, 2030),
        ("Sep 2030", 9, 2030),
        ("may 2030", 5, 2030),
        ("six twenty six", 6, 2026),
        ("2030-02-28", 2, 2030),
    ],
)
def test_other_months(text, month, year):
    assert check(text) == Valid(Expiry(month, year))


def test_valid_through_the_last_day_of_the_month():
    assert check("06/25", today=datetime.date(2025, 6, 30)) == Valid(Expiry(6, 2025))
    assert check("06/25", today=datetime.date(2025, 6, 1)) == Valid(Expiry(6, 2025))
    assert "expired in 06/25" in reason(check("06/25", today=datetime.date(2025, 7, 1)))
    assert check("02/28", today=datetime.date(2028, 2, 29)) == Valid(Expiry(2, 2028))


@pytest.mark.parametrize(
    ("text", "shown"),
    [("11/24", "11/24"), ("05/2025", "05/25"), ("January 2020", "01/20"), ("12/1999", "12/1999")],
)
def test_expired(text, shown):
    assert reason(check(text)).startswith(f"That card expired in {shown}.")


@pytest.mark.parametrize(
    "text", ["0/27", "00/27", "13/27", "13/2027", "1327", "0027", "99/30", "thirteen twenty seven"]
)
def test_month_out_of_range(text):
    assert "Months run from 1 to 12" in reason(check(text))


def test_twenty_years_ahead_is_the_limit():
    assert check("06/45") == Valid(Expiry(6, 2045))
    assert "more than 20 years" in reason(check("07/45"))
    assert "more than 20 years" in reason(check("12/2099"))
    assert "more than 20 years" in reason(check("01/2999"))


@pytest.mark.parametrize("text", ["2027", "twenty twenty seven", "twenty seven", "two thousand twenty seven"])
def test_year_alone_asks_for_the_month(text):
    assert "I need the month" in reason(check(text))


@pytest.mark.parametrize("text", ["december", "Dec", "twelve", "12"])
def test_month_alone_asks_for_the_year(text):
    assert "I need the year" in reason(check(text))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "next year",
        "12/27/2027",
        "12/0027",
        "1/2/27",
        "12/7",
        "12/207",
        "１２/２７",  # full-width digits
        "12／27",  # full-width slash
        "2027-12-32",
        "2027-123",
        "12" * 60,
        "decembre 2027",
        "one two",
        "twelve seven",
        "4242424242424242",
    ],
)
def test_garbage(text):
    assert "like 12/27" in reason(check(text))


@FAST
@given(st.text())
def test_never_raises(text):
    assert isinstance(check(text), Valid | Invalid)


@FAST
@given(st.text(alphabet="0123456789 /-.,'", max_size=20))
def test_never_raises_on_date_like_text(text):
    result = check(text)
    if isinstance(result, Valid):
        assert 1 <= result.value.month <= 12
        assert TODAY.year <= result.value.year <= TODAY.year + 20


FORMATS = [
    lambda m, y: f"{m:02d}/{y % 100:02d}",
    lambda m, y: f"{m}/{y % 100:02d}",
    lambda m, y: f"{m:02d}/{y}",
    lambda m, y: f"{m:02d}{y % 100:02d}",
    lambda m, y: f"{m:02d} {y % 100:02d}",
    lambda m, y: f"{m:02d}-{y % 100:02d}",
    lambda m, y: f"{MONTHS[m - 1]} {y}",
    lambda m, y: f"{MONTHS[m - 1][:3]} {y % 100:02d}",
    lambda m, y: f"{MONTHS[m - 1][:3].lower()}. {y}",
    lambda m, y: f"{y}-{m:02d}",
    lambda m, y: f"{y}-{m:02d}-01",
    lambda m, y: f"{spoken(m)} {spoken(y % 100) if y % 100 >= 10 else 'oh ' + spoken(y % 100)}",
    lambda m, y: f"{MONTHS[m - 1]} twenty {spoken(y % 100)}" if y % 100 >= 10 else f"{m}/{y}",
]


@FAST
@given(
    st.dates(min_value=datetime.date(2010, 1, 1), max_value=datetime.date(2079, 12, 31)),
    st.integers(0, 20 * 12),
    st.sampled_from(FORMATS),
)
def test_round_trips_any_month_in_range(today, months_ahead, fmt):
    index = today.year * 12 + today.month - 1 + months_ahead
    year, month = divmod(index, 12)
    month += 1
    assert check(fmt(month, year), today=today) == Valid(Expiry(month, year))


@pytest.mark.parametrize("text", ["817", "0817", "eight one seven"])
def test_an_expired_reading_of_bare_digits_is_not_read_back(text):
    """Bare digits at the expiry prompt may be the security code said too early: the re-prompt says
    the card has expired without echoing what was heard (it would echo the code)."""
    result = check(text, today=datetime.date(2026, 12, 1))
    assert isinstance(result, Invalid)
    assert "That card expired." in result.reason
    assert not any(d in result.reason for d in ("817", "08/17", "8/17"))
