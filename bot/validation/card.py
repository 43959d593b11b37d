"""Card number and security code validators.

Reasons never contain the input or any of its digits; a card number or security code is
never echoed back to the user.
"""

from __future__ import annotations

import luhn

from bot.language import Language, active, for_code
from bot.validation.result import Invalid, Valid, Validation
from bot.validation.spoken import spoken_to_digits
from bot.validation.types import CardBrand, Pan, SecurityCode

MAX_INPUT_CHARS = 200
"""Longer input is rejected unread (a spoken 19-digit number with separators fits easily)."""

# (brand, lowest prefix, highest prefix), both ends inclusive; the prefix length is the
# length of the bounds. The ranges do not overlap, so their order does not matter.
# UnionPay's 622126-622925 is also accepted on the Discover network (co-brand); those
# cards are UnionPay-issued, so the whole 62 range is reported as UnionPay (as Stripe does).
_IIN_RANGES: tuple[tuple[CardBrand, str, str], ...] = (
    (CardBrand.VISA, "4", "4"),
    (CardBrand.MASTERCARD, "51", "55"),
    (CardBrand.MASTERCARD, "2221", "2720"),
    (CardBrand.AMEX, "34", "34"),
    (CardBrand.AMEX, "37", "37"),
    (CardBrand.DISCOVER, "6011", "6011"),
    (CardBrand.DISCOVER, "644", "649"),
    (CardBrand.DISCOVER, "65", "65"),
    (CardBrand.JCB, "3528", "3589"),
    (CardBrand.DINERS, "300", "305"),
    (CardBrand.DINERS, "36", "36"),
    (CardBrand.DINERS, "38", "39"),
    (CardBrand.UNIONPAY, "62", "62"),
    (CardBrand.UNIONPAY, "81", "81"),
)

CARD_LENGTHS: dict[CardBrand, tuple[int, ...]] = {
    CardBrand.VISA: (13, 16, 19),
    CardBrand.MASTERCARD: (16,),
    CardBrand.AMEX: (15,),
    CardBrand.DISCOVER: (16, 17, 18, 19),
    CardBrand.JCB: (16, 17, 18, 19),
    CardBrand.DINERS: (14, 15, 16, 17, 18, 19),
    CardBrand.UNIONPAY: (16, 17, 18, 19),
}
"""Valid card number lengths per brand."""

_MIN_PAN, _MAX_PAN = 13, 19

LUHN_FAILURE = for_code("en").reason("card.luhn")  # the English reason (tests compare with it)


def _is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def detect_brand(digits: str) -> CardBrand | None:
    """The card brand for the leading digits of `digits` (IIN ranges), or None.

    Works on a prefix too: "4" is already Visa, "2221" Mastercard. Anything that is not
    ASCII digits gives None.
    """
    if not _is_ascii_digits(digits):
        return None
    for brand, low, high in _IIN_RANGES:
        prefix = digits[: len(low)]
        if len(prefix) == len(low) and low <= prefix <= high:
            return brand
    return None


def _lengths_phrase(lengths: tuple[int, ...], words: Language) -> str:
    if len(lengths) == 1:
        return str(lengths[0])
    if list(lengths) == list(range(lengths[0], lengths[-1] + 1)):
        return words.phrase("range", low=lengths[0], high=lengths[-1])
    return words.phrase("alternatives", most=", ".join(str(n) for n in lengths[:-1]), last=lengths[-1])


def _wrong_length(count: int, brand: CardBrand, words: Language) -> str:
    heard = words.phrase("digits_one") if count == 1 else words.phrase("digits_many", count=count)
    card = words.brand_names.get(brand.value) or for_code("en").brand_names[brand.value]
    return words.reason(
        "card.wrong_length", heard=heard, card=card, lengths=_lengths_phrase(CARD_LENGTHS[brand], words)
    )


def validate_card_number(raw: str, language: Language | None = None) -> Validation[Pan]:
    """Validate a card number given as digits, spoken digit words or DTMF keys.

    Checks, in order: something was said, only digits, not all zeros, a known brand, a
    length valid for that brand, the Luhn checksum. Digit words and reasons are `language`'s
    (default: the turn's).
    """
    words = language or active()
    if len(raw) > MAX_INPUT_CHARS:
        return Invalid(words.reason("card.too_long"))
    digits = spoken_to_digits(raw, words)
    if digits is None:
        return Invalid(words.reason("card.not_digits"))
    if not digits:
        return Invalid(words.reason("card.empty"))
    if not _is_ascii_digits(digits):  # spoken_to_digits guarantees this; never trust luhn with less
        return Invalid(words.reason("card.not_digits"))
    if digits.count("0") == len(digits):
        return Invalid(words.reason("card.luhn"))
    brand = detect_brand(digits)
    if brand is None:
        return Invalid(words.reason("card.unknown_brand"))
    if len(digits) not in CARD_LENGTHS[brand]:
        return Invalid(_wrong_length(len(digits), brand, words))
    if not _luhn_ok(digits):
        return Invalid(words.reason("card.luhn"))
    return Valid(Pan(digits, brand))


def _luhn_ok(digits: str) -> bool:
    # luhn.verify says True for "" and all zeros, raises on non-digits and counts
    # full-width digits as digits: only ever hand it a plausible ASCII card number.
    if not (_is_ascii_digits(digits) and _MIN_PAN <= len(digits) <= _MAX_PAN) or not digits.strip("0"):
        return False
    return bool(luhn.verify(digits))


_SECURITY_CODE_LENGTHS: dict[CardBrand | None, tuple[int, ...]] = {CardBrand.AMEX: (4,), None: (3, 4)}
_SECURITY_CODE_HELP: dict[CardBrand | None, str] = {CardBrand.AMEX: "code.help_amex", None: "code.help_any"}


def validate_security_code(
    raw: str, brand: CardBrand | None, language: Language | None = None
) -> Validation[SecurityCode]:
    """Validate a security code: 3 digits, 4 for American Express, 3 or 4 if `brand` is None.

    Reasons contain no digits at all (counts are spelled out), so they cannot echo the code.
    """
    words = language or active()
    expected = words.reason(_SECURITY_CODE_HELP.get(brand, "code.help"))
    if len(raw) > MAX_INPUT_CHARS:
        return Invalid(words.reason("code.too_long", expected=expected))
    digits = spoken_to_digits(raw, words)
    if digits is None or (digits and not _is_ascii_digits(digits)):  # the latter: guaranteed, checked anyway
        return Invalid(words.reason("code.not_digits", expected=expected))
    if not digits:
        return Invalid(words.reason("code.empty", expected=expected))
    if len(digits) not in _SECURITY_CODE_LENGTHS.get(brand, (3,)):
        counts = words.phrase("count_words").split()
        count = counts[len(digits)] if len(digits) < len(counts) else words.phrase("too_many")
        one = len(digits) == 1
        heard = words.phrase("code_heard_one") if one else words.phrase("code_heard_many", count=count)
        return Invalid(words.reason("code.wrong_length", heard=heard, expected=expected))
    return Valid(SecurityCode(digits))
