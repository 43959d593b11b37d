"""spoken_to_digits: typed, spoken and DTMF digits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.validation.spoken import DIGIT_WORDS, spoken_to_digits

WORD_FOR = {"0": "zero", "1": "one", "2": "two", "3": "three", "4": "four"}
WORD_FOR |= {"5": "five", "6": "six", "7": "seven", "8": "eight", "9": "nine"}


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("4242", "4242"),
        ("4242 4242", "42424242"),
        ("4242-4242-4242", "424242424242"),
        ("4242.4242", "42424242"),
        ("4242, 4242", "42424242"),
        ("  12  34  ", "1234"),
        ("four two", "42"),
        ("FOUR Two", "42"),
        ("zero oh o", "000"),
        ("Oh one", "01"),
        ("double four", "44"),
        ("triple seven", "777"),
        ("Double 4 two", "442"),
        ("one, two, three", "123"),
        ("four-two", "42"),
        ("1 two 3", "123"),
        ("1234#", "1234"),
        ("1234 #", "1234"),
        ("1234##", "1234"),
        ("", ""),
        ("   ", ""),
        ("#", ""),
        ("forty two forty two", "4242"),  # read in pairs
        ("twelve", "12"),
        ("four two, forty two", "4242"),
        ("twenty", "20"),
        ("12*", ""),  # the DTMF deletion key starts the entry over
        ("12*34#", "34"),
        ("4242*4242 4242#", "42424242"),
    ],
)
def test_accepts(text, digits):
    assert spoken_to_digits(text) == digits


@pytest.mark.parametrize(
    "text",
    [
        "４２４２",  # full-width digits
        "٤٢",  # Arabic-Indic digits
        "²",  # superscript two: isdigit() but not a digit we accept
        "12a4",
        "double forty",  # a repeat takes one digit
        "forty two and",
        "my number is 4242",
        "double",
        "four double",
        "double double four",
        "double 42",
        "12#34",
        "1_2",
        "one+two",
        "\u212aey",  # KELVIN SIGN lowercases to ASCII "k"
    ],
)
def test_rejects(text):
    assert spoken_to_digits(text) is None


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_never_raises_and_returns_ascii_digits(text):
    result = spoken_to_digits(text)
    assert result is None or (result == "" or (result.isascii() and result.isdigit()))


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="0123456789", min_size=1, max_size=25),
    st.data(),
)
def test_round_trips_through_words_and_separators(digits, data):
    parts = []
    for d in digits:
        style = data.draw(st.sampled_from(["digit", "word", "upper"]))
        token = d if style == "digit" else WORD_FOR[d]
        parts.append(token.upper() if style == "upper" else token)
    separators = data.draw(st.lists(st.sampled_from([" ", "-", ", ", " . ", "  "]), min_size=len(parts)))
    words = "".join(p + s for p, s in zip(parts, separators, strict=False)).strip(" -,.")
    assert spoken_to_digits(words) == digits


def test_digit_words_cover_every_digit():
    assert set(DIGIT_WORDS.values()) == set("0123456789")
