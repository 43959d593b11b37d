"""First and last name validators."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.validation import Invalid, Valid, names
from bot.validation.names import validate_first_name, validate_last_name

FAST = settings(max_examples=200, deadline=None)
VALIDATORS = [validate_first_name, validate_last_name]


def reason(result):
    assert isinstance(result, Invalid), result
    return result.reason


@pytest.mark.parametrize("validate", VALIDATORS)
@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Mary", "Mary"),
        ("  Mary  ", "Mary"),
        ("Mary   Jane", "Mary Jane"),
        ("Mary\t\nJane", "Mary Jane"),
        ("Mary\u00a0Jane", "Mary Jane"),  # no-break space
        ("Mary\u3000Jane", "Mary Jane"),  # ideographic space
        ("mary jane", "mary jane"),  # casing is preserved
        ("MCDONALD", "MCDONALD"),
        ("McDonald", "McDonald"),
        ("van der Berg", "van der Berg"),
        ("O'Brien", "O'Brien"),
        ("d’Arcy", "d’Arcy"),
        ("Jean-Luc", "Jean-Luc"),
        ("José", "José"),
        ("Jose\u0301", "José"),  # combining acute, NFC-composed
        ("Zoë", "Zoë"),
        ("Łukasz", "Łukasz"),
        ("Ægir", "Ægir"),
        ("Straße", "Straße"),
        ("Дмитрий", "Дмитрий"),
        ("Νίκος", "Νίκος"),
        ("李", "李"),  # one character is enough
        ("山田 太郎", "山田 太郎"),
        ("محمد", "محمد"),
        ("דוד", "דוד"),
        ("देवनागरी", "देवनागरी"),  # Devanagari vowel signs are combining marks
        ("Nguyễn", "Nguyễn"),
        ("A", "A"),
        ("x" * 50, "x" * 50),
        ("  " + "x" * 50 + "  ", "x" * 50),
    ],
)
def test_accepted(validate, raw, clean):
    assert validate(raw) == Valid(clean)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "didn't catch your first name"),
        ("   \t ", "didn't catch your first name"),
        ("x" * 51, "longer than 50 characters"),
        ("a " * 26, "longer than 50 characters"),
        ("x" * 10_000, "too long"),
        ("J0hn", "can't contain numbers"),
        ("John 3rd", "can't contain numbers"),
        ("４２", "can't contain numbers"),
        ("Ⅳ", "can't contain numbers"),
        ("John.", "only have letters, spaces, hyphens and apostrophes"),
        ("John!", "only have letters, spaces, hyphens and apostrophes"),
        ("John_Smith", "only have letters, spaces, hyphens and apostrophes"),
        ("John@example.com", "only have letters, spaces, hyphens and apostrophes"),
        ("Jo\u200bhn", "only have letters, spaces, hyphens and apostrophes"),  # zero-width space
        ("🙂", "only have letters, spaces, hyphens and apostrophes"),
        ("\u0301a", "only have letters, spaces, hyphens and apostrophes"),  # accent on nothing
        ("- \u0301", "only have letters, spaces, hyphens and apostrophes"),
        ("-", "at least one letter"),
        ("' - ’", "at least one letter"),
    ],
)
def test_rejected(raw, fragment):
    assert fragment in reason(validate_first_name(raw))


def test_last_name_reasons_say_last_name():
    assert "last name" in reason(validate_last_name(""))
    assert "last name" in reason(validate_last_name("Sm1th"))
    assert "first name" not in reason(validate_last_name("Sm1th"))


@pytest.mark.parametrize("raw", ["J0hn", "Smith42", "x" * 51, "a@b"])
def test_reasons_never_echo_the_input(raw):
    assert raw not in reason(validate_first_name(raw))


@FAST
@given(st.text())
def test_never_raises(text):
    for validate in VALIDATORS:
        result = validate(text)
        assert isinstance(result, Valid | Invalid)
        if isinstance(result, Valid):
            assert result.value == result.value.strip()
            assert "  " not in result.value
            assert 1 <= len(result.value) <= 50


letters = st.characters(categories=["Lu", "Ll", "Lt", "Lo"])
whitespace = st.text(alphabet=" \t\n\r\u00a0\u2003\u3000", min_size=1, max_size=4)


@FAST
@given(
    st.lists(st.text(alphabet=letters, min_size=1, max_size=8), min_size=1, max_size=5),
    st.data(),
)
def test_whitespace_runs_collapse(parts, data):
    gaps = [data.draw(whitespace) for _ in parts]
    lead, trail = (
        data.draw(st.text(alphabet=" \t", max_size=3)),
        data.draw(st.text(alphabet=" \n", max_size=3)),
    )
    raw = lead + "".join(part + gap for part, gap in zip(parts, gaps, strict=True)) + trail
    expected = unicodedata.normalize("NFC", " ".join(parts))
    result = validate_last_name(raw)
    if names._number_words(expected) >= 2:  # "TEN TEN" is a number (tested on its own below)
        assert "sounds like a number" in reason(result)
    elif len(expected) <= 50:
        assert result == Valid(expected)
    else:
        assert isinstance(result, Invalid)


# --- spoken numbers are not names ----------------------------------------------------------------

NUMBER_WORDS = [
    *("zero", "oh", "o", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty"),
    *("ninety", "hundred", "thousand", "double", "triple"),
]
SPOKEN_CARD = "four triple two triple two four two four two four two four two four two"


@pytest.mark.parametrize("validate", VALIDATORS)
@pytest.mark.parametrize(
    "raw",
    [
        SPOKEN_CARD,
        "four triple two",
        "Four Two",  # two number words are enough
        "FOUR TWO FOUR TWO",
        "four-two-four-two",
        "oh oh seven",
        "double four",
        "twenty twenty",
        "one hundred",
        "five thousand",
        "Mary four two",
        "Four Mary Two",
        "ｆｏｕｒ ｔｗｏ",  # full-width letters fold to the same words
    ],
)
def test_spoken_numbers_are_refused(validate, raw):
    what = "first name" if validate is validate_first_name else "last name"
    message = reason(validate(raw))
    assert "sounds like a number" in message
    assert what in message
    assert "letters" in message
    for word in ("four", "two", "triple", "twenty", "hundred"):
        assert word not in message.lower()  # never echoes what was heard


@pytest.mark.parametrize(
    "raw",
    ["٤٢", "४२", "٤", "Jo٣n", "John ４", "𝟒𝟐", "Mary ⁴"],  # Arabic-Indic, Devanagari, full-width, maths
)
def test_digits_of_any_script_are_refused(raw):
    assert "can't contain numbers" in reason(validate_first_name(raw))


@pytest.mark.parametrize(
    "raw",
    [
        "Nina",  # not "nine"
        "Tennyson",  # "ten" inside a word is not a number word
        "Seven",  # one number word alone is a (rare) name: kept
        "One",
        "O'Neill",
        "O Neill",  # the spoken zero "o" once, with a real name
        "Oh Mei",
        "Twain",
        "Fortune",
        "Tennessee Williams",
        "Ottoline",
        "二郎",  # a CJK numeral inside a name is a letter
        "Nineveh",
        "Jean-Ten",
    ],
)
def test_names_with_a_number_word_at_most_once_are_kept(raw):
    assert validate_first_name(raw) == Valid(raw)


number_word = st.sampled_from(NUMBER_WORDS).flatmap(
    lambda word: st.sampled_from([word, word.upper(), word.capitalize()])
)
separator = st.sampled_from([" ", "  ", "-", " - ", "\t", "\u00a0"])


@FAST
@given(st.lists(number_word, min_size=3, max_size=19), st.data())
def test_any_sequence_of_three_or_more_number_words_is_refused(words, data):
    gaps = [data.draw(separator) for _ in words[1:]]
    raw = words[0] + "".join(gap + word for gap, word in zip(gaps, words[1:], strict=True))
    for validate in VALIDATORS:
        result = validate(raw)
        assert isinstance(result, Invalid), raw
        for word in words:
            assert word.lower() not in result.reason.lower().split()


@FAST
@given(st.lists(number_word, min_size=2, max_size=6), st.lists(st.sampled_from(["Mary", "Jo", "Lee"])))
def test_number_words_mixed_with_a_name_are_refused(words, names):
    raw = " ".join(words + names)
    if len(raw) <= 50:
        assert "sounds like a number" in reason(validate_last_name(raw))


def test_the_number_words_are_the_spoken_digit_vocabulary():
    from bot.validation import spoken

    assert set(spoken.DIGIT_WORDS) <= names.NUMBER_WORDS
    assert set(spoken.TEEN_WORDS) | set(spoken.TENS_WORDS) <= names.NUMBER_WORDS
    assert set(NUMBER_WORDS) == names.NUMBER_WORDS
