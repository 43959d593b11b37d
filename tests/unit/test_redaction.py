"""Stored-text redaction (bot.redaction): every form of card number and security code the review
found stored in clear, as properties over open-ended inputs, plus what must stay readable."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.redact import luhn_ok
from bot.redaction import (
    CARD_MASK,
    CODE_MASK,
    has_card_number,
    redact_answer,
    redact_free_text,
    redact_stored,
    redact_utterance,
)

DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
# Unicode decimal digit sets (full-width, Arabic-Indic, Devanagari, Bengali, Thai...)
ZEROS = [0x30, 0xFF10, 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0x1040]
SEPARATORS = [" ", "  ", "-", " - ", ".", ", ", "/", "\u00a0", "\t", "\n", "\u2009", "\u3000"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]


def luhn_complete(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


pans = st.from_regex(r"\A[1-9][0-9]{11,17}\Z").map(luhn_complete)


def digits_of(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return "".join(str(unicodedata.decimal(c)) for c in folded if c.isdecimal())


def in_script(number: str, zero: int) -> str:
    return "".join(chr(zero + int(d)) for d in number)


def grouped(number: str, separator: str, size: int = 4) -> str:
    return separator.join(number[i : i + size] for i in range(0, len(number), size))


def no_pan_left(text: str, pan: str) -> bool:
    return pan not in digits_of(text) and pan[:-4] not in digits_of(text)


@settings(max_examples=300)
@given(
    pan=pans,
    zero=st.sampled_from(ZEROS),
    separator=st.sampled_from(SEPARATORS),
    invisible=st.sampled_from(["", *INVISIBLE]),
    size=st.sampled_from([3, 4, 5, 6, 19]),
    before=st.sampled_from(["", "sorry, it is ", "my card is ", "card: "]),
    after=st.sampled_from(["", " thanks", ".", " ok?"]),
)
def test_a_card_number_in_any_digits_and_grouping_keeps_at_most_its_last_four(
    pan: str, zero: int, separator: str, invisible: str, size: int, before: str, after: str
) -> None:
    typed = grouped(in_script(pan, zero), separator, size)
    if invisible:
        typed = typed[:5] + invisible + typed[5:]
    stored = redact_stored(before + typed + after)
    assert no_pan_left(stored, pan)
    assert f"{CARD_MASK} {pan[-4:]}" in stored
    assert stored.startswith(before)
    assert stored.endswith(after)


@settings(max_examples=150)
@given(pan=pans, multiplier=st.booleans())
def test_a_spoken_card_number_is_masked(pan: str, multiplier: bool) -> None:
    words = [DIGIT_WORDS[int(d)] for d in pan]
    if multiplier and pan[0] == pan[1]:
        words[:2] = ["double", words[0]]
    stored = redact_stored("the number is " + " ".join(words) + " please")
    assert no_pan_left(stored, pan)
    assert stored.startswith("the number is ")
    assert stored.endswith(" please")
    assert not any(word in stored for word in ("two four", "four two"))


@pytest.mark.parametrize(
    "said",
    [
        "my cvv is 389",
        "cvc: 389",
        "the security code is 389",
        "the code on the back is 389",
        "12/30 and the security code is 389",
        "12/30 389",
        "December 2030, 389",
        "cvv389",
        "my security code is three eight nine",
        "security code three eight nine",
        "٣٨٩ is my cvv? no: cvv ٣٨٩",
    ],
)
def test_a_security_code_where_one_is_plausible_is_masked(said: str) -> None:
    stored = redact_stored(said)
    assert "389" not in digits_of(stored)
    assert "three eight nine" not in stored
    assert CODE_MASK in stored


def test_card_number_expiry_and_code_in_one_answer() -> None:
    said = "4242 4242 4242 4242 12/30 817"
    assert redact_stored(said) == f"{CARD_MASK} 4242 12/30 {CODE_MASK}"
    assert redact_answer(said, "card_number") == f"{CARD_MASK} 4242"  # never the code as "last four"


def test_chunks_at_the_card_prompt_keep_no_digits() -> None:
    for chunk in ("4000", "0566", "5566", "5556", "four zero zero zero", "4000 0566"):
        assert redact_answer(chunk, "card_number") == CODE_MASK
    # after the card prompt (a hand-off, a fallback), chunks are still masked in card context
    assert redact_utterance("it's 5556", card_context=True) == f"it's {CODE_MASK}"
    assert redact_utterance("December 2027", card_context=True) == "December 2027"  # a year stays


@pytest.mark.parametrize(
    "text",
    [
        "expires 12/27, order 12345",
        "Visa ending 4242, expires 12/27, for John Smith. Shall I save it?",
        "my wallet is 0x52908400098527886E0F7030069857D2E4169EE7",
        "call me at +1 (555) 123-4567",
        "I was born in 1985, on 2026-03-14 at 10:30",
        "zip code 90210",
        "Last one: the 3-digit security code on the back of the card.",
        "room 101, flight BA 2490",
    ],
)
def test_dates_years_phone_and_order_numbers_stay_readable(text: str) -> None:
    assert redact_stored(text) == text


@given(st.text(max_size=300))
def test_redaction_is_idempotent_and_never_raises(text: str) -> None:
    once = redact_stored(text)
    assert redact_stored(once) == once
    assert redact_free_text(once, card_context=True) == redact_free_text(
        redact_free_text(once, card_context=True), card_context=True
    )


@given(pan=pans, noise=st.text(alphabet=st.characters(exclude_categories=["Nd", "Cs"]), max_size=30))
def test_masks_never_carry_more_than_four_digits_of_a_card(pan: str, noise: str) -> None:
    stored = redact_stored(f"{noise} {pan} {noise}")
    for match in re.finditer(re.escape(CARD_MASK) + r" ([0-9]+)", stored):
        assert len(match.group(1)) == 4
    assert pan not in digits_of(stored)


# --- every language's numbers -------------------------------------------------------------------

_ES_DIGITS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]


@pytest.mark.parametrize(
    "said",
    [
        " ".join(_ES_DIGITS[int(d)] for d in "4242424242424242"),
        ", ".join(["Cuatro", "dos"] * 8),
        " ".join(["cuarenta y dos"] * 8),
        " ".join(["doble cuatro dos"] * 5) + " cuatro dos",
        " ".join(["double four two"] * 5) + " four two",
        "mi tarjeta es " + " ".join(_ES_DIGITS[int(d)] for d in "4111111111111111"),
    ],
)
def test_a_card_number_spoken_in_any_language_is_masked(said: str) -> None:
    stored = redact_stored(said)
    assert "••••" in stored
    assert not has_card_number(stored)


def test_spanish_security_codes_are_masked_where_a_code_is_plausible() -> None:
    assert redact_stored("el código de seguridad es 123") == "el código de seguridad es •••"
    assert redact_stored("el código es uno dos tres") == "el código es •••"
    assert redact_stored("vence diciembre 2027 817") == "vence diciembre 2027 •••"
    assert redact_stored("817 es el código") == "••• es el código"
    assert redact_stored("tengo dos tarjetas y una billetera") == "tengo dos tarjetas y una billetera"
