"""Card number and security code validators.

Reasons never contain the input or any of its digits; a card number or security code is
never echoed back to the user.
"""

from __future__ import annotations

import luhn

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

LUHN_FAILURE = "That number doesn't look right — please check it and say it again."
_EMPTY_NUMBER = "I didn't catch a card number. Please say or key in the digits on the front of your card."
_NOT_DIGITS = "A card number is only digits — please say or key in just the digits on the front of your card."
_TOO_LONG_INPUT = (
    "That's much too long for a card number — please say just the digits on the front of your card."
)
_UNKNOWN_BRAND = (
    "I don't recognize that kind of card. We accept Visa, Mastercard, American Express, "
    "Discover, JCB, Diners Club and UnionPay — please check the number and say it again."
)


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


def _lengths_phrase(lengths: tuple[int, ...]) -> str:
    if len(lengths) == 1:
        return str(lengths[0])
    if list(lengths) == list(range(lengths[0], lengths[-1] + 1)):
        return f"{lengths[0]} to {lengths[-1]}"
    return ", ".join(str(n) for n in lengths[:-1]) + f" or {lengths[-1]}"


def _card_name(brand: CardBrand) -> str:
    # "a Visa card number", "a Mastercard number", "an American Express card number"
    noun = "number" if brand is CardBrand.MASTERCARD else "card number"
    article = "an" if brand is CardBrand.AMEX else "a"  # "a UnionPay", "an American Express"
    return f"{article} {brand.display} {noun}"


def _wrong_length(count: int, brand: CardBrand) -> str:
    heard = "1 digit" if count == 1 else f"{count} digits"
    return f"I heard {heard}; {_card_name(brand)} has {_lengths_phrase(CARD_LENGTHS[brand])}."


def validate_card_number(raw: str) -> Validation[Pan]:
    """Validate a card number given as digits, spoken digit words or DTMF keys.

    Checks, in order: something was said, only digits, not all zeros, a known brand, a
    length valid for that brand, the Luhn checksum.
    """
    if len(raw) > MAX_INPUT_CHARS:
        return Invalid(_TOO_LONG_INPUT)
    digits = spoken_to_digits(raw)
    if digits is None:
        return Invalid(_NOT_DIGITS)
    if not digits:
        return Invalid(_EMPTY_NUMBER)
    if not _is_ascii_digits(digits):  # spoken_to_digits guarantees this; never trust luhn with less
        return Invalid(_NOT_DIGITS)
    if digits.count("0") == len(digits):
        return Invalid(LUHN_FAILURE)
    brand = detect_brand(digits)
    if brand is None:
        return Invalid(_UNKNOWN_BRAND)
    if len(digits) not in CARD_LENGTHS[brand]:
        return Invalid(_wrong_length(len(digits), brand))
    if not _luhn_ok(digits):
        return Invalid(LUHN_FAILURE)
    return Valid(Pan(digits, brand))


def _luhn_ok(digits: str) -> bool:
    # luhn.verify says True for "" and all zeros, raises on non-digits and counts
    # full-width digits as digits: only ever hand it a plausible ASCII card number.
    if not (_is_ascii_digits(digits) and _MIN_PAN <= len(digits) <= _MAX_PAN) or not digits.strip("0"):
        return False
    return bool(luhn.verify(digits))


_SECURITY_CODE_LENGTHS: dict[CardBrand | None, tuple[int, ...]] = {CardBrand.AMEX: (4,), None: (3, 4)}
_SECURITY_CODE_WORDS: dict[CardBrand | None, str] = {
    CardBrand.AMEX: "the four digits printed on the front of your card",
    None: "the three digits on the back of your card, or four on the front of an American Express card",
}
_SECURITY_CODE_DEFAULT = "the three digits on the back of your card"
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _security_code_help(brand: CardBrand | None) -> str:
    return _SECURITY_CODE_WORDS.get(brand, _SECURITY_CODE_DEFAULT)


def validate_security_code(raw: str, brand: CardBrand | None) -> Validation[SecurityCode]:
    """Validate a security code: 3 digits, 4 for American Express, 3 or 4 if `brand` is None.

    Reasons contain no digits at all (counts are spelled out), so they cannot echo the code.
    """
    expected = _security_code_help(brand)
    if len(raw) > MAX_INPUT_CHARS:
        return Invalid(f"That's much too long for a security code — please say {expected}.")
    digits = spoken_to_digits(raw)
    if digits is None:
        return Invalid(f"A security code is only digits — please say {expected}.")
    if not digits:
        return Invalid(f"I didn't catch the security code — please say {expected}.")
    if not _is_ascii_digits(digits):  # guaranteed by spoken_to_digits; checked anyway
        return Invalid(f"A security code is only digits — please say {expected}.")
    if len(digits) not in _SECURITY_CODE_LENGTHS.get(brand, (3,)):
        count = _NUMBER_WORDS[len(digits)] if len(digits) < len(_NUMBER_WORDS) else "too many"
        heard = "one digit" if len(digits) == 1 else f"{count} digits"
        return Invalid(f"I heard {heard}; the security code is {expected}.")
    return Valid(SecurityCode(digits))
