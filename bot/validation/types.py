"""Value types produced by the validators.

`Pan` and `SecurityCode` hold card secrets. Their `repr`/`str`/`format` never show the
digits, so an accidental log line, f-string or exception message cannot leak them; the
digits are reachable only through the explicit `.reveal()`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class CardBrand(StrEnum):
    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    DISCOVER = "discover"
    JCB = "jcb"
    DINERS = "diners"
    UNIONPAY = "unionpay"

    @property
    def display(self) -> str:
        return _DISPLAY[self]


_DISPLAY = {
    CardBrand.VISA: "Visa",
    CardBrand.MASTERCARD: "Mastercard",
    CardBrand.AMEX: "American Express",
    CardBrand.DISCOVER: "Discover",
    CardBrand.JCB: "JCB",
    CardBrand.DINERS: "Diners Club",
    CardBrand.UNIONPAY: "UnionPay",
}


class _Secret:
    """Base for values that must never be rendered."""

    __slots__ = ("_digits",)

    def __init__(self, digits: str) -> None:
        self._digits = digits

    def reveal(self) -> str:
        """The digits. Call only where they leave for the payment gateway."""
        return self._digits

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Secret) and type(other) is type(self) and other._digits == self._digits

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._digits))

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __str__(self) -> str:
        return repr(self)

    def __reduce__(self) -> str | tuple[object, ...]:  # never pickled into caches or queues
        raise TypeError(f"{type(self).__name__} cannot be pickled")


class Pan(_Secret):
    """A validated primary account number (ASCII digits, Luhn-valid, brand-consistent length)."""

    __slots__ = ("brand",)

    def __init__(self, digits: str, brand: CardBrand) -> None:
        super().__init__(digits)
        self.brand = brand

    @property
    def last4(self) -> str:
        return self._digits[-4:]

    def __repr__(self) -> str:
        return f"Pan({self.brand.value}, ••••{self.last4})"


class SecurityCode(_Secret):
    """A card security code (CVV/CVC/CID): 3 digits, or 4 for American Express."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SecurityCode(•••)"


@dataclass(frozen=True, slots=True)
class Expiry:
    """A card expiry: valid through the last day of `month`/`year`."""

    month: int
    year: int  # four digits

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def display(self) -> str:
        """`12/27`, as read back to the user."""
        return f"{self.month:02d}/{self.year % 100:02d}"

    def iso(self) -> str:
        """`2027-12`, as the slot value goes back to Lex."""
        return f"{self.year:04d}-{self.month:02d}"
