"""First and last name validators."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.validation import Invalid, Valid
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
    if len(expected) <= 50:
        assert result == Valid(expected)
    else:
        assert isinstance(result, Invalid)
