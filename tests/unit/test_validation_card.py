"""Card number, brand detection and security code validators."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.validation import CardBrand, Invalid, Pan, SecurityCode, Valid
from bot.validation.card import (
    CARD_LENGTHS,
    LUHN_FAILURE,
    detect_brand,
    validate_card_number,
    validate_security_code,
)

STRIPE_TEST_CARDS = [  # Stripe test cards, plus two Luhn-valid Discover range samples
    ("4242424242424242", CardBrand.VISA),
    ("4000056655665556", CardBrand.VISA),
    ("4222222222222", CardBrand.VISA),  # 13 digits
    ("5555555555554444", CardBrand.MASTERCARD),
    ("2223003122003222", CardBrand.MASTERCARD),  # 2-series
    ("5200828282828210", CardBrand.MASTERCARD),
    ("378282246310005", CardBrand.AMEX),
    ("371449635398431", CardBrand.AMEX),
    ("6011111111111117", CardBrand.DISCOVER),
    ("6011000990139424", CardBrand.DISCOVER),
    ("6445644564456445", CardBrand.DISCOVER),  # not a Stripe card: Luhn-valid 644 sample
    ("6511111111111112", CardBrand.DISCOVER),  # not a Stripe card: Luhn-valid 65 sample
    ("3566002020360505", CardBrand.JCB),
    ("36227206271667", CardBrand.DINERS),  # 14 digits
    ("3056930009020004", CardBrand.DINERS),
    ("6200000000000005", CardBrand.UNIONPAY),
]

# Independent of the implementation's table: (brand, lowest prefix, highest prefix).
PREFIX_RANGES = [
    (CardBrand.VISA, 4, 4),
    (CardBrand.MASTERCARD, 51, 55),
    (CardBrand.MASTERCARD, 2221, 2720),
    (CardBrand.AMEX, 34, 34),
    (CardBrand.AMEX, 37, 37),
    (CardBrand.DISCOVER, 6011, 6011),
    (CardBrand.DISCOVER, 644, 649),
    (CardBrand.DISCOVER, 65, 65),
    (CardBrand.JCB, 3528, 3589),
    (CardBrand.DINERS, 300, 305),
    (CardBrand.DINERS, 36, 36),
    (CardBrand.DINERS, 38, 39),
    (CardBrand.UNIONPAY, 62, 62),
]
LENGTHS = {
    CardBrand.VISA: {13, 16, 19},
    CardBrand.MASTERCARD: {16},
    CardBrand.AMEX: {15},
    CardBrand.DISCOVER: {16, 17, 18, 19},
    CardBrand.JCB: {16, 17, 18, 19},
    CardBrand.DINERS: {14, 15, 16, 17, 18, 19},
    CardBrand.UNIONPAY: {16, 17, 18, 19},
}
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
FAST = settings(max_examples=200, deadline=None)


def luhn_check_digit(body: str) -> str:
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


@st.composite
def card_numbers(draw):
    """(digits, brand): a Luhn-valid number of a valid length for a brand's prefix."""
    brand, low, high = draw(st.sampled_from(PREFIX_RANGES))
    prefix = str(draw(st.integers(low, high)))
    length = draw(st.sampled_from(sorted(LENGTHS[brand])))
    middle = draw(
        st.text(alphabet="0123456789", min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1)
    )
    body = prefix + middle
    return body + luhn_check_digit(body), brand


def reason(result):
    assert isinstance(result, Invalid), result
    return result.reason


# --- detect_brand -----------------------------------------------------------------------


@pytest.mark.parametrize(("number", "brand"), STRIPE_TEST_CARDS)
def test_detect_brand_stripe_cards(number, brand):
    assert detect_brand(number) is brand


@pytest.mark.parametrize(
    ("prefix", "brand"),
    [
        ("4", CardBrand.VISA),
        ("51", CardBrand.MASTERCARD),
        ("55", CardBrand.MASTERCARD),
        ("2221", CardBrand.MASTERCARD),
        ("2720", CardBrand.MASTERCARD),
        ("34", CardBrand.AMEX),
        ("37", CardBrand.AMEX),
        ("6011", CardBrand.DISCOVER),
        ("644", CardBrand.DISCOVER),
        ("649", CardBrand.DISCOVER),
        ("65", CardBrand.DISCOVER),
        ("3528", CardBrand.JCB),
        ("3589", CardBrand.JCB),
        ("300", CardBrand.DINERS),
        ("305", CardBrand.DINERS),
        ("36", CardBrand.DINERS),
        ("38", CardBrand.DINERS),
        ("39", CardBrand.DINERS),
        ("62", CardBrand.UNIONPAY),
        ("622126", CardBrand.UNIONPAY),  # Discover co-brand range: reported as UnionPay
        ("622925", CardBrand.UNIONPAY),
        ("81", CardBrand.UNIONPAY),
    ],
)
def test_detect_brand_range_edges(prefix, brand):
    assert detect_brand(prefix) is brand
    assert detect_brand(prefix + "0000000000") is brand


@pytest.mark.parametrize(
    "digits",
    [
        "",
        "5",
        "50",
        "56",
        "2220",
        "2721",
        "3",
        "35",
        "3527",
        "3590",
        "306",
        "6010",
        "6012",
        "643",
        "1",
        "9",
        "0",
    ],
)
def test_detect_brand_unknown(digits):
    assert detect_brand(digits) is None


@pytest.mark.parametrize("text", ["４２４２", "4a", " 4", "-4", "\u0664"])
def test_detect_brand_non_ascii_digits(text):
    assert detect_brand(text) is None


# --- validate_card_number: accepted -----------------------------------------------------


@pytest.mark.parametrize(("number", "brand"), STRIPE_TEST_CARDS)
def test_stripe_test_cards_are_valid(number, brand):
    result = validate_card_number(number)
    assert result == Valid(Pan(number, brand))
    assert isinstance(result, Valid)
    assert result.value.brand is brand
    assert result.value.reveal() == number


@pytest.mark.parametrize(
    "text",
    [
        "4242 4242 4242 4242",
        "4242-4242-4242-4242",
        "4242.4242.4242.4242",
        "  4242424242424242  ",
        "4242424242424242#",
        "four two four two four two four two four two four two four two four two",
        "Four Two Four Two, 4242, four-two-four-two, 4 2 4 2",
    ],
)
def test_accepted_formats(text):
    assert validate_card_number(text) == Valid(Pan("4242424242424242", CardBrand.VISA))


def test_double_and_triple():
    # 5555 5555 5555 4444
    text = (
        "double five double five, double five double five, double five double five, double four double four"
    )
    assert validate_card_number(text) == Valid(Pan("5555555555554444", CardBrand.MASTERCARD))
    assert validate_card_number("triple five 5 " * 3 + "four triple four") == Valid(
        Pan("5555555555554444", CardBrand.MASTERCARD)
    )


def test_oh_is_zero():
    assert validate_card_number(
        "three seven eight two eight two two four six three one oh oh oh five"
    ) == Valid(Pan("378282246310005", CardBrand.AMEX))


# --- validate_card_number: rejected -----------------------------------------------------


def test_luhn_failure_has_the_exact_product_text():
    assert reason(validate_card_number("4242424242424241")) == (
        "That number doesn't look right — please check it and say it again."
    )
    assert LUHN_FAILURE == "That number doesn't look right — please check it and say it again."


@pytest.mark.parametrize("text", ["0000000000000000", "0000 0000 0000 0000", "0" * 19, "0", "oh oh oh"])
def test_all_zeros(text):
    assert reason(validate_card_number(text)) == LUHN_FAILURE


@pytest.mark.parametrize("text", ["", "   ", "#", "- -"])
def test_empty(text):
    assert "didn't catch" in reason(validate_card_number(text))


@pytest.mark.parametrize(
    "text",
    [
        "４２４２４２４２４２４２４２４２",  # full-width digits (luhn.verify would accept them)
        "4242 4242 4242 ４２４２",
        "\u0664\u0662\u0664\u0662" * 4,  # Arabic-Indic digits
        "abcd efgh ijkl mnop",
        "4242 4242 4242 424x",
        "my card is 4242424242424242",
        "42424242424242424242🙂",
    ],
)
def test_non_digits(text):
    assert "only digits" in reason(validate_card_number(text))


@pytest.mark.parametrize("length", [201, 1000, 100_000])
def test_huge_input_is_rejected_unread(length):
    assert "too long" in reason(validate_card_number("4" * length))
    assert "too long" in reason(validate_card_number(" " * length))


def test_long_but_capped_input_is_processed():
    padded = "  4242 4242 4242 4242  ".center(200)
    assert validate_card_number(padded) == Valid(Pan("4242424242424242", CardBrand.VISA))


@pytest.mark.parametrize(
    "text", ["1234567812345670", "9999999999999995", "7000000000000000", "5000000000000009"]
)
def test_unknown_brand(text):
    assert "don't recognize" in reason(validate_card_number(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("424242424242", "I heard 12 digits; a Visa card number has 13, 16 or 19."),
        ("4", "I heard 1 digit; a Visa card number has 13, 16 or 19."),
        ("55555555555544", "I heard 14 digits; a Mastercard number has 16."),
        ("3782822463100055", "I heard 16 digits; an American Express card number has 15."),
        ("60111111111111170000", "I heard 20 digits; a Discover card number has 16 to 19."),
        ("601111111111111", "I heard 15 digits; a Discover card number has 16 to 19."),
        ("3566 0020 2036 050", "I heard 15 digits; a JCB card number has 16 to 19."),
        ("3622720627166", "I heard 13 digits; a Diners Club card number has 14 to 19."),
        ("620000000000005", "I heard 15 digits; a UnionPay card number has 16 to 19."),
        ("42424242424242424242", "I heard 20 digits; a Visa card number has 13, 16 or 19."),
    ],
)
def test_wrong_length_says_heard_and_expected(text, expected):
    assert reason(validate_card_number(text)) == expected


# --- validate_card_number: properties ---------------------------------------------------


@FAST
@given(st.text())
def test_card_number_never_raises(text):
    result = validate_card_number(text)
    assert isinstance(result, Valid | Invalid)


@FAST
@given(st.text(alphabet="0123456789 -#*.,abcdefghijklmnopqrstuvwxyz４２", max_size=60))
def test_card_number_never_raises_on_digit_heavy_text(text):
    result = validate_card_number(text)
    if isinstance(result, Valid):
        assert result.value.reveal().isascii()
        assert result.value.reveal().isdigit()


def _format(digits, style, data):
    if style == "plain":
        return digits
    if style in (" ", "-"):
        return style.join(digits[i : i + 4] for i in range(0, len(digits), 4))
    words = [data.draw(st.sampled_from(["oh", "zero", "Oh"])) if d == "0" else WORDS[int(d)] for d in digits]
    return " ".join(words)


@FAST
@given(card_numbers(), st.sampled_from(["plain", " ", "-", "words"]), st.data())
def test_valid_numbers_round_trip_through_formatting(card, style, data):
    digits, brand = card
    result = validate_card_number(_format(digits, style, data))
    assert result == Valid(Pan(digits, brand))
    assert isinstance(result, Valid)
    assert result.value.brand is brand


@FAST
@given(card_numbers(), st.integers(0, 18), st.integers(1, 9))
def test_a_single_digit_change_is_caught(card, position, delta):
    digits, _ = card
    position %= len(digits)
    changed = digits[:position] + str((int(digits[position]) + delta) % 10) + digits[position + 1 :]
    result = validate_card_number(changed)
    assert isinstance(result, Invalid)


def _digit_run(text):
    return "".join(re.findall(r"[0-9]", text))


@FAST
@given(
    st.one_of(
        st.text(alphabet="0123456789", min_size=1, max_size=25),
        st.text(alphabet="0123456789 -", min_size=1, max_size=40),
        card_numbers().map(lambda card: card[0][:-1] + str((int(card[0][-1]) + 1) % 10)),
        card_numbers().map(lambda card: card[0][:-1]),
    )
)
def test_reason_never_contains_the_digits(text):
    run = _digit_run(text)
    assume(run)
    result = validate_card_number(text)
    if isinstance(result, Invalid):
        assert run not in result.reason
        assert text.strip() not in result.reason


def test_pan_never_renders_its_digits():
    result = validate_card_number("4242424242424242")
    assert isinstance(result, Valid)
    assert "42424242" not in repr(result)
    assert "42424242" not in str(result.value)
    assert "42424242" not in f"{result.value}"


def test_card_lengths_table_matches_spec():
    assert {brand: set(lengths) for brand, lengths in CARD_LENGTHS.items()} == LENGTHS


# --- validate_security_code -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "brand", "digits"),
    [
        ("123", CardBrand.VISA, "123"),
        ("000", CardBrand.MASTERCARD, "000"),
        ("1234", CardBrand.AMEX, "1234"),
        ("123", None, "123"),
        ("1234", None, "1234"),
        (" 1 2 3 ", CardBrand.DISCOVER, "123"),
        ("one two three", CardBrand.JCB, "123"),
        ("oh double seven", CardBrand.DINERS, "077"),
        ("four three two one", CardBrand.AMEX, "4321"),
        ("123#", CardBrand.UNIONPAY, "123"),
    ],
)
def test_security_code_accepted(text, brand, digits):
    assert validate_security_code(text, brand) == Valid(SecurityCode(digits))


@pytest.mark.parametrize(
    ("text", "brand", "fragment"),
    [
        ("12", CardBrand.VISA, "I heard two digits; the security code is the three digits on the back"),
        ("1234", CardBrand.VISA, "I heard four digits"),
        ("123", CardBrand.AMEX, "I heard three digits; the security code is the four digits"),
        ("12345", None, "three digits on the back of your card, or four on the front of an American Express"),
        ("1", None, "I heard one digit"),
        ("1" * 40, CardBrand.VISA, "I heard too many digits"),
        ("", CardBrand.VISA, "didn't catch"),
        ("12a", CardBrand.VISA, "only digits"),
        ("１２３", CardBrand.VISA, "only digits"),
        ("\u0661\u0662\u0663", None, "only digits"),
        ("1" * 201, CardBrand.AMEX, "too long"),
    ],
)
def test_security_code_rejected(text, brand, fragment):
    assert fragment in reason(validate_security_code(text, brand))


@FAST
@given(st.text(), st.sampled_from([None, *CardBrand]))
def test_security_code_never_raises(text, brand):
    assert isinstance(validate_security_code(text, brand), Valid | Invalid)


@FAST
@given(st.text(alphabet="0123456789 ", min_size=1, max_size=30), st.sampled_from([None, *CardBrand]))
def test_security_code_reasons_have_no_digits_at_all(text, brand):
    result = validate_security_code(text, brand)
    if isinstance(result, Invalid):
        assert not re.search(r"[0-9]", result.reason)


def test_security_code_never_renders_its_digits():
    result = validate_security_code("987", CardBrand.VISA)
    assert isinstance(result, Valid)
    assert "987" not in repr(result)
    assert "987" not in f"{result.value}"


def test_the_keypad_star_starts_the_card_number_over() -> None:
    assert validate_card_number("4000*4242424242424242#") == validate_card_number("4242424242424242")
    assert "I didn't catch a card number" in reason(validate_card_number("4242424242424242*"))
